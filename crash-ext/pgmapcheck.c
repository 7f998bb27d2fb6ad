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
static void build_opts(void);

/* Filled in by the constructor: the finding codes come from libinspect. */
static char **help_pgmapcheck;

static struct command_table_entry command_table[] = {
	/* MINIMAL: crash --minimal, for the dumps its full start-up refuses */
	{ "pgmapcheck", cmd_pgmapcheck, NULL, MINIMAL },
	{ NULL },
};

/* crash's help layout: name, summary, synopsis (built), then these. */
static const char *const help_intro[] = {
	"  Finds every dev_pagemap (through pgmap_array), checks the struct pages",
	"  of its ranges against the refcount, compound-page, zone and pgmap",
	"  invariants of this kernel, and accounts for the vmemmap pages that back",
	"  them (and the ones the kernel saved by sharing tail struct pages).  The",
	"  checks are libinspect's: the verdicts and the JSON are those of the",
	"  pgmapcheck command-line tool on the same dump.  Struct pages that the",
	"  dump did not capture are reported as MEMMAP_NOT_CAPTURED, not as errors.",
	"  It runs under \"crash --minimal\" too, with the same report.",
	"",
	"  The options are the pgmapcheck command-line tool's, short and long,",
	"  with the same values and error messages:",
	"",
};

/* What the CLI's words for an option do not say about crash. */
static const char *const crash_notes[][2] = {
	{ "pgmap", "hexadecimal with or without 0x, like every crash address" },
	{ "fail-on", "crash has no exit status: when a finding reaches "
	  "LEVEL, the command ends with \"pgmapcheck: findings at or above "
	  "LEVEL (status 1)\" on stderr, after the report.  Without -f: no "
	  "such line" },
	{ "progress", "on a terminal's stderr by default, for runs over a "
	  "second; Ctrl-C stops a run cleanly" },
};

static const char *const help_query[] = {
	"    -Q, --query query",
	"        debugging: answer one query through the same crash-backed",
	"        callbacks the checks use, where query is one of",
	"          sizeof:TYPE  offsetof:TYPE:MEMBER.PATH  enum:NAME  symbol:NAME",
	"          vmcoreinfo:KEY  read:kv:ADDR:LEN  read:phys:ADDR:LEN",
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
 * FIRST, then text wrapped under it at column 8, as one help entry.  crash
 * prints help lines as formats ("%s>" is the program name), so a '%' is
 * doubled.
 */
static char *help_entry(const char *first, const char *text,
			const char *more)
{
	size_t cap, n, col = 0;
	const char *w, *end;
	char *out;
	int part;

	cap = strlen(first) + 32 + 3 * (strlen(text) + (more ? strlen(more) : 0));
	out = malloc(cap);
	if (!out)
		return NULL;
	n = snprintf(out, cap, "%s", first);
	for (part = 0; part < 2; part++) {
		w = part ? more : text;
		while (w && *w) {
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
		if (!part && more) {
			n += snprintf(out + n, cap - n, ";");
			col++;
		}
	}
	return out;
}

static char *help_option(const struct li_option_info *o)
{
	const char *more = NULL;
	char first[80], *e;
	size_t i;

	for (i = 0; i < ARRAY_LEN(crash_notes); i++)
		if (!strcmp(crash_notes[i][0], o->name))
			more = crash_notes[i][1];
	if (o->letter)
		snprintf(first, sizeof(first), "    -%c, --%s%s%s", o->letter,
			 o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(first, sizeof(first), "    --%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	e = help_entry(first, o->help, more);
	return e;
}

/* "[-j] [-p ADDR] ... [--progress] ... [-Q query]" */
static char *help_synopsis(void)
{
	const struct li_option_info *o;
	char *out = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	for (i = 0; (o = li_option(i)); i++) {
		if (o->letter)
			fprintf(f, "[-%c%s%s] ", o->letter, o->arg ? " " : "",
				o->arg ? o->arg : "");
		else
			fprintf(f, "[--%s] ", o->name);
	}
	fputs("[-Q query]", f);
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

/* crash's help array: the options and the finding codes from libinspect. */
static char **build_help(void)
{
	const struct li_code_info *codes;
	size_t nr, nopt, i, n = 0;
	char **h, first[80];

	for (nopt = 0; li_option(nopt); nopt++)
		;
	codes = li_codes(&nr);
	h = calloc(3 + ARRAY_LEN(help_intro) + nopt + ARRAY_LEN(help_query) +
		   nr + ARRAY_LEN(help_tail) + 1, sizeof(*h));
	if (!h)
		return NULL;
	h[n++] = "pgmapcheck";
	h[n++] = "check ZONE_DEVICE pages, dev_pagemaps and their vmemmap";
	h[n++] = help_synopsis();
	for (i = 0; i < ARRAY_LEN(help_intro); i++)
		h[n++] = (char *)help_intro[i];
	for (i = 0; i < nopt; i++)
		h[n++] = help_option(li_option(i));
	for (i = 0; i < ARRAY_LEN(help_query); i++)
		h[n++] = (char *)help_query[i];
	for (i = 0; i < nr; i++) {
		snprintf(first, sizeof(first), "    %s (%s)", codes[i].code,
			 li_severity_name(codes[i].severity));
		h[n++] = help_entry(first, codes[i].summary, NULL);
	}
	for (i = 0; i < ARRAY_LEN(help_tail); i++)
		h[n++] = (char *)help_tail[i];
	for (i = 0; i < n; i++)
		if (!h[i])
			return NULL;
	h[n] = NULL;
	return h;
}

static void __attribute__((constructor)) pgmapcheck_init(void)
{
	build_opts();
	help_pgmapcheck = build_help();
	command_table[0].help_data = help_pgmapcheck;
	register_extension(command_table);
}

/* The session's target: crash's memory and symbols (crash_target.c). */
static struct li_target crash_t;
/* Over it, libinspect's DWARF reader for the type questions, once a
 * session; NULL: crash's gdb answers them (types_why says why). */
static struct li_target *types_t;
static bool types_tried;
static char types_why[512];

static void __attribute__((destructor)) pgmapcheck_fini(void)
{
	li_dwarf_target_close(types_t);
	types_t = NULL;
	crash_target_fini();
}

/*
 * gdb takes a millisecond or more a type question, and a check asks about
 * a hundred: most of the first run of a session.  libinspect's own DWARF
 * reader answers from its memo in microseconds, the CLI's answers.  crash
 * already matched the vmlinux to the dump; a vmlinux without DWARF (crash
 * given a separate debuginfo libinspect cannot open) leaves it to gdb.
 */
static const struct li_target *check_target(void)
{
	if (!types_tried) {
		const char *env = getenv("PGMAPCHECK_CRASH_TYPES");

		types_tried = true;
		/* "gdb": crash's own answers, to compare the two sources */
		if (env && !strcmp(env, "gdb"))
			return &crash_t;
		if (li_dwarf_target_open(&crash_t, crash_t.vmlinux, &types_t,
					 types_why, sizeof(types_why))) {
			types_t = NULL;
			/* stderr: fp may be a -j report */
			fprintf(stderr, "pgmapcheck: types from crash's gdb, "
				"not libinspect's DWARF reader: %s\n", types_why);
		}
	}
	return types_t ? types_t : &crash_t;
}

/* -- options -- */

/* -Q (the query) is ours; every other option is li_option()'s. */
#define OPT_COMMON	0x200
#define MAX_COMMON	64

static struct option long_opts[MAX_COMMON + 2];
static char short_opts[3 * MAX_COMMON + 3];

static void build_opts(void)
{
	const struct li_option_info *o;
	size_t i, ns = 0;

	for (i = 0; (o = li_option(i)) && i < MAX_COMMON; i++) {
		long_opts[i] = (struct option){ o->name, o->arg ?
			required_argument : no_argument, NULL, OPT_COMMON + i };
		if (o->letter) {
			short_opts[ns++] = o->letter;
			if (o->arg)
				short_opts[ns++] = ':';
		}
	}
	long_opts[i] = (struct option){ "query", required_argument, NULL, 'Q' };
	memcpy(short_opts + ns, "Q:", 3);
}

/* getopt's answer as a table entry: a letter, or OPT_COMMON + index. */
static const struct li_option_info *common_of(int c)
{
	const struct li_option_info *o;
	size_t i;

	if (c >= OPT_COMMON)
		return li_option(c - OPT_COMMON);
	for (i = 0; (o = li_option(i)); i++)
		if (o->letter == c)
			return o;
	return NULL;
}

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
	struct li_progress *meter;
	int saved_stdout;	/* fd 1 while crash's messages go to stderr */
	FILE *saved_fp;
};

static volatile sig_atomic_t pgmapcheck_sigint;

static void on_sigint(int sig)
{
	(void)sig;
	pgmapcheck_sigint = 1;
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

/* crash's own SIGINT handler back, and the progress line gone. */
static void end_check(struct run_state *st)
{
	crash_target_keep_sigint(NULL);
	if (st->sigint_saved) {
		sigaction(SIGINT, &st->old_sigint, NULL);
		st->sigint_saved = false;
	}
	li_progress_free(st->meter);
	st->meter = NULL;
}

static void run_cleanup(void *arg)
{
	struct run_state *st = arg;

	unquiet_crash(st);
	end_check(st);
	li_report_free(st->report);
	st->report = NULL;
	if (pc->cmd_cleanup == run_cleanup)
		pc->cmd_cleanup = NULL;
}

static int run_check(struct run_state *st, const struct li_target *t,
		     struct li_options *opts, int progress)
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

	/* installed even with --no-progress: it is how ^C cancels */
	st->meter = li_progress_new(STDERR_FILENO, progress > 0 ?
				    LI_PROGRESS_ALWAYS : progress == 0 ?
				    LI_PROGRESS_NEVER : 0, &pgmapcheck_sigint);
	if (!st->meter)
		error(FATAL, "out of memory\n");
	opts->progress = li_progress_show;
	opts->progress_arg = st->meter;

	quiet_crash(st);
	err = li_check(t, opts, &st->report);
	unquiet_crash(st);
	end_check(st);
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
	unsigned int text = 0;
	bool json = false;
	char *query = NULL;
	int fail_on = -1;	/* not given: crash has no exit status */
	int progress = -1;	/* automatic */
	bool list_codes = false, version = false, help = false;
	int c, err;

	memset(&opts, 0, sizeof(opts));
	while ((c = getopt_long(argcnt, args, short_opts, long_opts,
				NULL)) != EOF) {
		const struct li_option_info *o = common_of(c);

		if (c == 'Q')
			query = optarg;
		else if (!o)
			argerrs++;
		else if (!strcmp(o->name, "pgmap"))
			pgmap_option(&opts, optarg);
		else if (o->flags & LI_OPTION_RUN)
			lib_option(&opts, &fail_on, o->name, optarg);
		else if (!strcmp(o->name, "json"))
			json = true;
		else if (!strcmp(o->name, "summary"))
			text |= LI_TEXT_SUMMARY;
		else if (!strcmp(o->name, "verbose"))
			text |= LI_TEXT_VERBOSE;
		else if (!strcmp(o->name, "progress"))
			progress = 1;
		else if (!strcmp(o->name, "no-progress"))
			progress = 0;
		else if (!strcmp(o->name, "list-codes"))
			list_codes = true;
		else if (!strcmp(o->name, "version"))
			version = true;
		else if (!strcmp(o->name, "help"))
			help = true;
	}
	if (argerrs || args[optind])
		cmd_usage(pc->curcmd, SYNOPSIS);
	if (help) {
		cmd_usage(pc->curcmd, COMPLETE_HELP);
		return;
	}
	if (version) {
		fprintf(fp, "pgmapcheck (libinspect) %s, JSON schema %d\n",
			li_version(), LI_JSON_SCHEMA_VERSION);
		return;
	}
	if (list_codes) {
		char *codes = li_codes_text(json ? LI_CODES_JSON : 0);

		if (!codes)
			error(FATAL, "out of memory\n");
		fputs(codes, fp);
		li_free(codes);
		return;
	}
	if (json && text)
		error(FATAL, "-j cannot be combined with -s or -v\n");
	if (text == (LI_TEXT_SUMMARY | LI_TEXT_VERBOSE))
		error(FATAL, "--summary and --verbose exclude each other\n");

	crash_target_init(&crash_t);
	if (query) {
		/* crash's own answers: what the adapter gives without the
		 * DWARF reader (sizeof, offsetof, enum) */
		if (crash_target_query(&crash_t, query, fp) == -EINVAL)
			error(FATAL, "invalid query: %s\n", query);
		return;
	}

	/* a previous run unwound by error(FATAL) may have left these */
	run_cleanup(&st);
	warn_zero_excluded();
	err = run_check(&st, check_target(), &opts, progress);
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
