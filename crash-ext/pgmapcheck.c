// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crash> pgmapcheck -- check ZONE_DEVICE struct pages, their dev_pagemaps
 * and the vmemmap behind them, with the same verdicts as the pgmapcheck
 * CLI.  libinspect does every check and writes the report; this extension
 * only supplies crash's memory/type/symbol access (crash_target.c) and
 * crash's output stream, so "| grep", redirection and "set scroll" work.
 *
 *   crash> extend pgmapcheck.so
 *   crash> pgmapcheck
 */
#define _GNU_SOURCE	/* asprintf */
#include "defs.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include "libinspect.h"
#include "crash_target.h"

static void cmd_pgmapcheck(void);

/* Filled in by the constructor: the finding codes come from libinspect. */
static char **help_pgmapcheck;

static struct command_table_entry command_table[] = {
	{ "pgmapcheck", cmd_pgmapcheck, NULL, 0 },
	{ NULL },
};

static const char *const help_head[] = {
	"pgmapcheck",
	"check ZONE_DEVICE pages, dev_pagemaps and their vmemmap",
	"[-j | -s | -v] [-p pgmap] [-P start[-end]] [-m max] [-f level] [-n] [-U] [-H] [-Q query]",
	"  Finds every dev_pagemap (through pgmap_array), checks the struct pages",
	"  of its ranges against the refcount, compound-page, zone and pgmap",
	"  invariants of this kernel, and accounts for the vmemmap pages that back",
	"  them (and the ones the kernel saved by sharing tail struct pages).  The",
	"  checks are libinspect's: the verdicts and the JSON are those of the",
	"  pgmapcheck command-line tool on the same dump.  Struct pages that the",
	"  dump did not capture are reported as MEMMAP_NOT_CAPTURED, not as errors.",
	"",
	"  Every option also has the long name of the pgmapcheck command-line",
	"  tool (--json, --pfn 0x20000-0x27fff, --fail-on warning, ...), takes",
	"  the same values and gives the same error messages.",
	"",
	"    -j, --json",
	"        print the report as JSON (the schema of \"pgmapcheck --json\").",
	"    -s, --summary",
	"        print the summary lines only.",
	"    -v, --verbose",
	"        print every finding and the kernel model that was probed.",
	"    -p, --pgmap pgmap",
	"        check only the dev_pagemap at this address: hexadecimal, with",
	"        or without 0x, like every crash address.",
	"    -P, --pfn start[-end]",
	"        check only pfns start..end (inclusive; one pfn without -end).",
	"        Decimal, or hexadecimal with a 0x prefix.",
	"    -m, --max-findings max",
	"        keep at most max findings per code (default 1000); the counts",
	"        stay exact.",
	"    -f, --fail-on level",
	"        error, warning, info or never.  crash has no exit status: when a",
	"        finding reaches level, the command ends with \"pgmapcheck:",
	"        findings at or above level (status 1)\" on stderr, after the",
	"        report (the CLI would exit 1).  Without -f: no such line.",
	"    -n, --no-vmemmap",
	"        skip the vmemmap page-table accounting.",
	"    -U, --no-hugetlb",
	"        skip the hugetlb/HVO walk.",
	"    -H, --no-holders",
	"        skip the walk of user page tables that map device pages.",
	"    -Q query",
	"        debugging: answer one query through the same crash-backed",
	"        callbacks the checks use, where query is one of",
	"          sizeof:TYPE  offsetof:TYPE:MEMBER.PATH  enum:NAME  symbol:NAME",
	"          vmcoreinfo:KEY  read:kv:ADDR:LEN  read:phys:ADDR:LEN",
	"",
	"  A long run prints its progress on a terminal's stderr and stops",
	"  cleanly on Ctrl-C.",
	"",
	"  FINDING CODES",
};

static const char *const help_tail[] = {
	"\nEXAMPLES",
	"  Check every dev_pagemap of the dump:\n",
	"    %s> pgmapcheck",
	"",
	"  Save the JSON report, or list only the errors:\n",
	"    %s> pgmapcheck -j > report.json",
	"    %s> pgmapcheck -v | grep -w error",
	"",
	"  Check one dev_pagemap, then one pfn range of it:\n",
	"    %s> pgmapcheck -p ffff888104a1c000",
	"    %s> pgmapcheck -P 0x240000-0x2401ff",
	"",
	"  Fail when a warning or worse is found (the CLI's exit status 1):\n",
	"    %s> pgmapcheck --fail-on warning --summary",
	"",
	"  See how the extension resolves a member through crash's gdb",
	"  (double quotes keep a query with spaces in one argument):\n",
	"    %s> pgmapcheck -Q offsetof:dev_pagemap:ref.data",
	"    %s> pgmapcheck -Q \"offsetof:struct page:compound_head\"",
};

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * "    CODE (severity)" and the summary wrapped under it, as one help entry.
 * crash prints help lines as formats ("%s>" is the program name), so a '%'
 * in a summary is doubled.
 */
static char *help_code_entry(const struct li_code_info *ci)
{
	const char *w = ci->summary, *end;
	size_t cap, n, col = 0;
	char *out;

	cap = strlen(ci->code) + 32 + 3 * strlen(ci->summary);
	out = malloc(cap);
	if (!out)
		return NULL;
	n = snprintf(out, cap, "    %s (%s)", ci->code,
		     li_severity_name(ci->severity));
	while (*w) {
		while (*w == ' ')
			w++;
		end = w + strcspn(w, " ");
		if (end == w)
			break;
		if (!col || col + (end - w) > 68) {
			n += snprintf(out + n, cap - n, "\n       ");
			col = 0;
		}
		out[n++] = ' ';
		for (; w < end; w++, col++) {
			if (*w == '%')
				out[n++] = '%';
			out[n++] = *w;
		}
		col++;
		out[n] = '\0';
	}
	return out;
}

/* One entry per finding code, from the library's own table. */
static char **build_help(void)
{
	const struct li_code_info *codes;
	size_t nr, i, n = 0;
	char **h;

	codes = li_codes(&nr);
	h = calloc(ARRAY_LEN(help_head) + nr + ARRAY_LEN(help_tail) + 1,
		   sizeof(*h));
	if (!h)
		return NULL;
	for (i = 0; i < ARRAY_LEN(help_head); i++)
		h[n++] = (char *)help_head[i];
	for (i = 0; i < nr; i++) {
		h[n] = help_code_entry(&codes[i]);
		if (!h[n])
			return NULL;
		n++;
	}
	for (i = 0; i < ARRAY_LEN(help_tail); i++)
		h[n++] = (char *)help_tail[i];
	h[n] = NULL;
	return h;
}

static void __attribute__((constructor)) pgmapcheck_init(void)
{
	help_pgmapcheck = build_help();
	command_table[0].help_data = help_pgmapcheck;
	register_extension(command_table);
}

static void __attribute__((destructor)) pgmapcheck_fini(void)
{
	crash_target_fini();
}

/* -- options -- */

/*
 * The CLI's long names beside crash's short letters: the values, their
 * grammar and the error messages are the library's (li_parse_option), so
 * the three frontends agree.  -n, -U, -H and -Q have no CLI letter.
 */
static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "summary", no_argument, NULL, 's' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "pgmap", required_argument, NULL, 'p' },
	{ "pfn", required_argument, NULL, 'P' },
	{ "max-findings", required_argument, NULL, 'm' },
	{ "fail-on", required_argument, NULL, 'f' },
	{ "no-vmemmap", no_argument, NULL, 'n' },
	{ "no-hugetlb", no_argument, NULL, 'U' },
	{ "no-holders", no_argument, NULL, 'H' },
	{ "query", required_argument, NULL, 'Q' },
	{ NULL, 0, NULL, 0 },
};

/* FATAL (crash's "command failed") with the library's message. */
static void lib_option(struct li_options *opts, int *fail_on,
		       const char *name, const char *arg)
{
	char err[256];

	if (li_parse_option(opts, fail_on, name, arg, err, sizeof(err)))
		error(FATAL, "%s\n", err);
}

/* crash prints and takes addresses in hex without 0x: so does -p. */
static void pgmap_option(struct li_options *opts, const char *arg)
{
	char hex[64];

	if (strncasecmp(arg, "0x", 2) && strlen(arg) < sizeof(hex) - 2 &&
	    arg[strspn(arg, "0123456789abcdefABCDEF")] == '\0') {
		snprintf(hex, sizeof(hex), "0x%s", arg);
		if (!li_parse_option(opts, NULL, "pgmap", hex, NULL, 0))
			return;
	}
	lib_option(opts, NULL, "pgmap", arg);
}

/* -- progress and Ctrl-C -- */

/*
 * crash's SIGINT handler longjmps straight back to the prompt, which would
 * leave libinspect's walk half-done and its report leaked.  While the check
 * runs, SIGINT only sets a flag that the progress callback turns into a
 * clean -EINTR (the adapter reinstalls it after its gdb calls, which put
 * crash's back); pc->cmd_cleanup restores crash's handler even if an
 * error(FATAL) unwinds the command.
 */
struct run_state {
	struct sigaction old_sigint, sigint;
	bool sigint_saved;
	struct li_report *report;
	struct timespec start, last;
	bool progress_tty;
	bool progress_shown;
	int saved_stdout;	/* fd 1 while crash's messages go to stderr */
	FILE *saved_fp;
};

static volatile sig_atomic_t pgmapcheck_sigint;

static void on_sigint(int sig)
{
	(void)sig;
	pgmapcheck_sigint = 1;
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_clear(struct run_state *st)
{
	if (st->progress_shown) {
		fprintf(stderr, "\r%*s\r", 60, "");
		st->progress_shown = false;
	}
}

/* Shown at most twice a second, after the first second, on a terminal. */
static int on_progress(void *arg, const char *phase, uint64_t done,
		       uint64_t total)
{
	struct run_state *st = arg;
	struct timespec now;

	if (pgmapcheck_sigint)
		return 1;
	if (!st->progress_tty)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (elapsed(&st->start, &now) < 1.0 || elapsed(&st->last, &now) < 0.5)
		return 0;
	st->last = now;
	if (total)
		fprintf(stderr, "\rpgmapcheck: %-8s %" PRIu64 "/%" PRIu64
			" (%" PRIu64 "%%)   ", phase, done, total,
			done * 100 / total);
	else
		fprintf(stderr, "\rpgmapcheck: %-8s %" PRIu64 "   ", phase,
			done);
	st->progress_shown = true;
	return 0;
}

/*
 * What crash itself prints while we read (error(INFO) of its readers, e.g.
 * diskdump's "uncompress failed" for a damaged block) goes to stdout and to
 * fp: into the report, a -j document included.  During the check stdout is
 * stderr and fp stdout; the report says itself what could not be read.
 */
static void quiet_crash(struct run_state *st)
{
	fflush(stdout);
	st->saved_stdout = dup(STDOUT_FILENO);
	if (st->saved_stdout < 0)
		return;
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		close(st->saved_stdout);
		st->saved_stdout = -1;
		return;
	}
	st->saved_fp = fp;
	fp = stdout;
}

static void unquiet_crash(struct run_state *st)
{
	if (st->saved_stdout < 0)
		return;
	fflush(stdout);
	dup2(st->saved_stdout, STDOUT_FILENO);
	close(st->saved_stdout);
	st->saved_stdout = -1;
	fp = st->saved_fp;
}

static void run_cleanup(void *arg)
{
	struct run_state *st = arg;

	unquiet_crash(st);
	crash_target_keep_sigint(NULL);
	if (st->sigint_saved) {
		sigaction(SIGINT, &st->old_sigint, NULL);
		st->sigint_saved = false;
	}
	progress_clear(st);
	li_report_free(st->report);
	st->report = NULL;
	if (pc->cmd_cleanup == run_cleanup)
		pc->cmd_cleanup = NULL;
}

static int run_check(struct run_state *st, const struct li_target *t,
		     struct li_options *opts)
{
	struct sigaction sa;
	int err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	pgmapcheck_sigint = 0;
	if (!sigaction(SIGINT, &sa, &st->old_sigint)) {
		st->sigint_saved = true;
		st->sigint = sa;
		crash_target_keep_sigint(&st->sigint);
	}
	pc->cmd_cleanup = run_cleanup;
	pc->cmd_cleanup_arg = st;

	clock_gettime(CLOCK_MONOTONIC, &st->start);
	st->last = st->start;
	st->progress_tty = isatty(fileno(stderr));
	opts->progress = on_progress;
	opts->progress_arg = st;

	quiet_crash(st);
	err = li_check(t, opts, &st->report);
	unquiet_crash(st);

	crash_target_keep_sigint(NULL);
	if (st->sigint_saved) {
		sigaction(SIGINT, &st->old_sigint, NULL);
		st->sigint_saved = false;
	}
	progress_clear(st);
	return err;
}

/* -- the command -- */

/*
 * With --zero_excluded, crash hands out zeros for pages makedumpfile left
 * out, so filtered struct pages cannot be told apart from zeroed ones.
 */
static void warn_zero_excluded(void)
{
	bool zero = false;

	if (DISKDUMP_DUMPFILE() && diskdump_flags)
		zero = *diskdump_flags & ZERO_EXCLUDED;
	else if (SADUMP_DUMPFILE())
		zero = sadump_is_zero_excluded();
	if (zero)
		error(WARNING, "crash runs with --zero_excluded: struct pages "
		      "filtered out of the dump read as zeros and are checked "
		      "as such instead of being reported as "
		      "MEMMAP_NOT_CAPTURED\n");
}

/* "pgmapcheck: DUMP: why", the CLI's words for a failed check. */
static const char *source_name(void)
{
	return ACTIVE() || !pc->dumpfile ? "live kernel" : pc->dumpfile;
}

static void cmd_pgmapcheck(void)
{
	static struct run_state st = { .saved_stdout = -1 };
	struct li_options opts;
	struct li_target t;
	unsigned int text = 0;
	bool json = false;
	char *query = NULL;
	int fail_on = -1;	/* not given: crash has no exit status */
	int c, err;

	memset(&opts, 0, sizeof(opts));
	while ((c = getopt_long(argcnt, args, "jsvp:P:m:f:nUHQ:", long_opts,
				NULL)) != EOF) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			text |= LI_TEXT_SUMMARY;
			break;
		case 'v':
			text |= LI_TEXT_VERBOSE;
			break;
		case 'p':
			pgmap_option(&opts, optarg);
			break;
		case 'P':
			lib_option(&opts, NULL, "pfn", optarg);
			break;
		case 'm':
			lib_option(&opts, NULL, "max-findings", optarg);
			break;
		case 'f':
			lib_option(&opts, &fail_on, "fail-on", optarg);
			break;
		case 'n':
			lib_option(&opts, NULL, "no-vmemmap", NULL);
			break;
		case 'U':
			lib_option(&opts, NULL, "no-hugetlb", NULL);
			break;
		case 'H':
			lib_option(&opts, NULL, "no-holders", NULL);
			break;
		case 'Q':
			query = optarg;
			break;
		default:
			argerrs++;
			break;
		}
	}
	if (argerrs || args[optind])
		cmd_usage(pc->curcmd, SYNOPSIS);
	if (json && text)
		error(FATAL, "-j cannot be combined with -s or -v\n");
	if (text == (LI_TEXT_SUMMARY | LI_TEXT_VERBOSE))
		error(FATAL, "--summary and --verbose exclude each other\n");

	crash_target_init(&t);
	if (query) {
		if (crash_target_query(&t, query, fp) == -EINVAL)
			error(FATAL, "invalid query: %s\n", query);
		return;
	}

	/* a previous run unwound by error(FATAL) may have left these */
	run_cleanup(&st);
	warn_zero_excluded();
	err = run_check(&st, &t, &opts);
	if (err == -EINTR) {
		run_cleanup(&st);
		fprintf(fp, "pgmapcheck: %s: %s\n", source_name(),
			li_check_error(err));
		return;
	}
	if (err) {
		const char *why = li_check_error(err);

		run_cleanup(&st);
		error(FATAL, "%s: %s\n", source_name(), why);
	}
	errno = 0;
	if (json)
		err = li_report_write_json(st.report, fp);
	else
		err = li_report_write_text(st.report, fp, text);
	if (!err && fflush(fp))
		err = -errno;
	/* "| head" closing the pipe early is not an error worth a message */
	if (err && errno != EPIPE)
		error(INFO, "cannot write the report: %s\n", strerror(errno ?
		      errno : -err));
	/*
	 * The CLI's exit status 1, said where a redirected or piped report
	 * cannot take it: stderr (crash's error() would also write into fp).
	 */
	if (fail_on >= 0 && li_exit_status(st.report, fail_on) ==
	    LI_EXIT_FINDINGS) {
		fflush(fp);
		fprintf(stderr, "pgmapcheck: findings at or above %s (status %d)\n",
			li_severity_name(fail_on), LI_EXIT_FINDINGS);
	}
	run_cleanup(&st);
}
