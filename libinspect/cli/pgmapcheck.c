// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pgmapcheck: check the ZONE_DEVICE memory of a vmcore or of the running
 * kernel.  An adapter only: open the shipped target, run li_check(), print
 * the report with the library's writers, turn the worst finding into the
 * exit status.
 *
 * Exit status: 0 nothing at or above --fail-on, 1 findings at or above it,
 * 2 usage or input error (bad dump, missing vmlinux, build-id mismatch...),
 * 130 interrupted.  Option values, messages and the status are the
 * library's (li_parse_option, li_exit_status), shared with crash and drgn.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include "libinspect.h"

/* Progress appears once a run has lasted this long. */
#define PROGRESS_DELAY	1.0
#define PROGRESS_PERIOD	0.25

enum types {
	TYPES_AUTO,
	TYPES_DWARF,
	TYPES_BTF,
};

struct cli {
	const char *vmlinux;
	const char *btf;		/* --btf FILE */
	const char *dump;
	int types;			/* enum types; -1: not given */
	char spec[4200];		/* li_kdump_target_open()'s vmlinux */
	bool json, summary, verbose, list_codes;
	int progress;			/* -1 auto, 0 off, 1 on */
	int fail_on;			/* li_severity or LI_FAIL_NEVER */
	struct li_options opts;
};

struct progress {
	bool show, tty;
	double start, last, delay;
	char phase[32];
	bool shown;
};

static volatile sig_atomic_t interrupted;

static void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("pgmapcheck: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'pgmapcheck --help' for more information.\n", stderr);
	exit(LI_EXIT_USAGE);
}

static const char help_text[] =
"NAME\n"
"    pgmapcheck - check ZONE_DEVICE pages, dev_pagemaps and their vmemmap\n"
"\n"
"SYNOPSIS\n"
"    pgmapcheck [OPTIONS] [-k VMLINUX | --types btf] [VMCORE]\n"
"\n"
"DESCRIPTION\n"
"    Finds every dev_pagemap of the kernel (pgmap_array), checks each\n"
"    ZONE_DEVICE struct page of its ranges against the kernel's refcount,\n"
"    compound-page and pgmap invariants, and accounts for the vmemmap\n"
"    frames behind them (shared tail pages, hugetlb HVO).  VMCORE is an ELF\n"
"    or kdump-compressed dump; without it the running kernel is read\n"
"    through /proc/kcore.  Types and symbols come from the DWARF of a debug\n"
"    vmlinux, or without one from the kernel's own BTF and kallsyms, read\n"
"    out of the dump.\n"
"\n"
"OPTIONS\n"
"    -k, --vmlinux FILE   debug vmlinux (DWARF).  Default: found from the\n"
"                         dump's OSRELEASE in /usr/lib/debug/boot/vmlinux-R,\n"
"                         /usr/lib/debug/lib/modules/R/vmlinux,\n"
"                         /lib/modules/R/build/vmlinux, /boot/vmlinux-R and\n"
"                         $PGMAPCHECK_CACHE/kernels/R/vmlinux; its build-id\n"
"                         must match the dump's VMCOREINFO BUILD-ID\n"
"    -t, --types SOURCE   auto (default): the DWARF of a matching vmlinux\n"
"                         if one is found (or -k), else BTF; dwarf: a\n"
"                         debug vmlinux is required; btf: no vmlinux, the\n"
"                         BTF and kallsyms of the dump (live: of\n"
"                         /sys/kernel/btf/vmlinux and /proc/kallsyms)\n"
"        --btf FILE       BTF from FILE (raw BTF, or a vmlinux's .BTF\n"
"                         section) instead of the dump's; implies\n"
"                         --types btf\n"
"    -j, --json           print the JSON report (libinspect/SCHEMA.md)\n"
"    -p, --pgmap ADDR     check only the dev_pagemap at ADDR\n"
"    -P, --pfn START[-END]\n"
"                         check only pfns START..END (inclusive)\n"
"    -s, --summary        text: summary lines only\n"
"    -v, --verbose        text: every stored finding and the kernel model\n"
"    -f, --fail-on LEVEL  error (default), warning, info or never: exit 1\n"
"                         when a finding reaches LEVEL\n"
"    -m, --max-findings N findings stored per code (counts stay exact)\n"
"        --no-vmemmap     skip the vmemmap page-table accounting\n"
"        --no-hugetlb     skip the hugetlb/HVO walk\n"
"        --no-holders     skip the walk of user page tables that map\n"
"                         device pages\n"
"        --progress       progress on stderr\n"
"        --no-progress    no progress (default: on when stderr is a\n"
"                         terminal and the run lasts over a second)\n"
"        --list-codes     print the finding codes, severities and meanings\n"
"    -V, --version        print the version\n"
"    -h, --help           print this help\n"
"\n"
"EXIT STATUS\n"
"    0  no finding at or above the --fail-on level\n"
"    1  at least one finding at or above it\n"
"    2  usage or input error (unreadable or truncated dump, missing or\n"
"       mismatched vmlinux, no BTF or kallsyms in the dump, ...)\n"
"    130  interrupted (^C)\n"
"\n"
"EXAMPLES\n"
"    pgmapcheck /var/crash/202611251200/dump.202611251200\n"
"    pgmapcheck -k vmlinux --json vmcore | jq '.findings[].code'\n"
"    pgmapcheck --pfn 0x20000-0x27fff --fail-on warning vmcore\n"
"    pgmapcheck --types btf --json vmcore\n"
"\n"
"SEE ALSO\n"
"    pgmapcheck(1), libinspect/README, libinspect/SCHEMA.md\n";

enum {
	OPT_NO_VMEMMAP = 0x100,
	OPT_NO_HUGETLB,
	OPT_NO_HOLDERS,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_LIST_CODES,
	OPT_BTF,
};

static const struct option long_opts[] = {
	{ "vmlinux", required_argument, NULL, 'k' },
	{ "types", required_argument, NULL, 't' },
	{ "btf", required_argument, NULL, OPT_BTF },
	{ "json", no_argument, NULL, 'j' },
	{ "pgmap", required_argument, NULL, 'p' },
	{ "pfn", required_argument, NULL, 'P' },
	{ "summary", no_argument, NULL, 's' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "fail-on", required_argument, NULL, 'f' },
	{ "max-findings", required_argument, NULL, 'm' },
	{ "no-vmemmap", no_argument, NULL, OPT_NO_VMEMMAP },
	{ "no-hugetlb", no_argument, NULL, OPT_NO_HUGETLB },
	{ "no-holders", no_argument, NULL, OPT_NO_HOLDERS },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "list-codes", no_argument, NULL, OPT_LIST_CODES },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The value options every frontend has: grammar and messages are the
 * library's (li_parse_option), so all three say the same. */
static void lib_option(struct cli *c, const char *name, const char *arg)
{
	char err[256];

	if (li_parse_option(&c->opts, &c->fail_on, name, arg, err, sizeof(err)))
		usage_error("%s", err);
}

static int parse_types(const char *arg)
{
	if (!strcmp(arg, "auto"))
		return TYPES_AUTO;
	if (!strcmp(arg, "dwarf"))
		return TYPES_DWARF;
	if (!strcmp(arg, "btf"))
		return TYPES_BTF;
	usage_error("--types: '%s' is not auto, dwarf or btf", arg);
}

/*
 * The type and symbol sources, as li_kdump_target_open() takes them:
 * "auto:", "dwarf:", "dwarf:VMLINUX", "btf:" or "btf:FILE".
 */
static void choose_types(struct cli *c)
{
	const char *spec = "auto:";
	int n;

	if (c->btf) {
		if (c->types == TYPES_AUTO || c->types == TYPES_DWARF)
			usage_error("--btf takes the types from BTF: not with --types %s",
				    c->types == TYPES_AUTO ? "auto" : "dwarf");
		c->types = TYPES_BTF;
	}
	if (c->vmlinux && c->types == TYPES_BTF)
		usage_error("-k gives a DWARF vmlinux: not with %s",
			    c->btf ? "--btf" : "--types btf (use --btf FILE for a vmlinux's BTF)");
	/* "dwarf:PATH", so that no file name reads as one of the prefixes */
	if (c->vmlinux || c->types == TYPES_DWARF)
		spec = "dwarf:";
	else if (c->types == TYPES_BTF)
		spec = "btf:";
	n = snprintf(c->spec, sizeof(c->spec), "%s%s", spec,
		     c->vmlinux ? c->vmlinux : c->btf ? c->btf : "");
	if (n < 0 || (size_t)n >= sizeof(c->spec))
		usage_error("file name too long");
}

static void print_version(void)
{
	printf("pgmapcheck (libinspect) %s, JSON schema %d\n", li_version(),
	       LI_JSON_SCHEMA_VERSION);
}

static void parse_args(struct cli *c, int argc, char **argv)
{
	int opt;

	c->progress = -1;
	c->fail_on = LI_SEV_ERROR;
	c->types = -1;
	while ((opt = getopt_long(argc, argv, "k:t:jp:P:svf:m:Vh", long_opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'k':
			c->vmlinux = optarg;
			break;
		case 't':
			c->types = parse_types(optarg);
			break;
		case OPT_BTF:
			if (!*optarg)
				usage_error("--btf: empty file name");
			c->btf = optarg;
			break;
		case 'j':
			c->json = true;
			break;
		case 'p':
			lib_option(c, "pgmap", optarg);
			break;
		case 'P':
			lib_option(c, "pfn", optarg);
			break;
		case 's':
			c->summary = true;
			break;
		case 'v':
			c->verbose = true;
			break;
		case 'f':
			lib_option(c, "fail-on", optarg);
			break;
		case 'm':
			lib_option(c, "max-findings", optarg);
			break;
		case OPT_NO_VMEMMAP:
			lib_option(c, "no-vmemmap", NULL);
			break;
		case OPT_NO_HUGETLB:
			lib_option(c, "no-hugetlb", NULL);
			break;
		case OPT_NO_HOLDERS:
			lib_option(c, "no-holders", NULL);
			break;
		case OPT_PROGRESS:
			c->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			c->progress = 0;
			break;
		case OPT_LIST_CODES:
			c->list_codes = true;
			break;
		case 'V':
			print_version();
			exit(0);
		case 'h':
			fputs(help_text, stdout);
			exit(0);
		default:
			/* getopt_long already said what is wrong */
			fputs("Try 'pgmapcheck --help' for more information.\n",
			      stderr);
			exit(LI_EXIT_USAGE);
		}
	}
	if (optind < argc)
		c->dump = argv[optind++];
	if (optind < argc)
		usage_error("unexpected argument '%s' (one VMCORE at most)",
			    argv[optind]);
	if (c->summary && c->verbose)
		usage_error("--summary and --verbose exclude each other");
	choose_types(c);
}

static int list_codes(bool json)
{
	char *text = li_codes_text(json ? LI_CODES_JSON : 0);

	if (!text) {
		fprintf(stderr, "pgmapcheck: out of memory\n");
		return LI_EXIT_USAGE;
	}
	fputs(text, stdout);
	li_free(text);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress_clear(struct progress *p)
{
	if (p->shown && p->tty)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

/*
 * Always installed, so that ^C cancels the walk cleanly.  On a terminal one
 * line is rewritten in place; otherwise (--progress to a file) a line is
 * printed per phase and then every few seconds.
 */
static int on_progress(void *arg, const char *phase, uint64_t done,
		       uint64_t total)
{
	struct progress *p = arg;
	double t = now();
	bool new_phase = strncmp(p->phase, phase, sizeof(p->phase) - 1) != 0;

	if (interrupted)
		return 1;
	if (!p->show || t - p->start < p->delay)
		return 0;
	if (!new_phase && t - p->last < (p->tty ? PROGRESS_PERIOD : 5.0))
		return 0;
	snprintf(p->phase, sizeof(p->phase), "%s", phase);
	p->last = t;
	if (p->tty)
		fputs("\r\033[K", stderr);
	if (total)
		fprintf(stderr, "pgmapcheck: %s %llu/%llu (%.0f%%)", phase,
			(unsigned long long)done, (unsigned long long)total,
			100.0 * done / total);
	else
		fprintf(stderr, "pgmapcheck: %s %llu", phase,
			(unsigned long long)done);
	fputs(p->tty ? "" : "\n", stderr);
	fflush(stderr);
	p->shown = true;
	return 0;
}

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* "dump" -> "the dump", "kcore" -> "kernel memory", a path as it is. */
static const char *source_words(const char *s, size_t n, char *buf,
				size_t len)
{
	if (n == 4 && !strncmp(s, "dump", 4))
		return "the dump";
	if (n == 5 && !strncmp(s, "kcore", 5))
		return "kernel memory";
	snprintf(buf, len, "%.*s", (int)n, s);
	return buf;
}

/*
 * The text report names its source on its first line: without a vmlinux,
 * say there which BTF and kallsyms the answers came from (the JSON report
 * has them in target.vmlinux, "btf:SRC+kallsyms:SRC").
 */
static char *text_source(const struct li_target *t)
{
	const char *v = t->vmlinux, *ks;
	char b1[4200], b2[4200], *out;
	size_t n;

	if (!v || strncmp(v, "btf:", 4))
		return NULL;
	ks = strstr(v, "+kallsyms:");
	if (!ks)
		return NULL;
	n = strlen(t->source) + strlen(v) + 128;
	out = malloc(n);
	if (!out)
		return NULL;
	snprintf(out, n, "%s (no vmlinux: types from the BTF of %s, symbols from the kallsyms of %s)",
		 t->source, source_words(v + 4, ks - (v + 4), b1, sizeof(b1)),
		 source_words(ks + 10, strlen(ks + 10), b2, sizeof(b2)));
	return out;
}

static int write_report(const struct cli *c, const struct li_report *r)
{
	unsigned int flags = 0;

	if (c->json)
		return li_report_write_json(r, stdout);
	if (c->summary)
		flags |= LI_TEXT_SUMMARY;
	if (c->verbose)
		flags |= LI_TEXT_VERBOSE;
	return li_report_write_text(r, stdout, flags);
}

/*
 * A run allocates ~20 MB, much of it in large blocks (libbpf's copy of the
 * kernel's BTF, libkdumpfile's segment table, read batches), and touches
 * each page once: glibc would mmap those blocks fresh and every page would
 * cost a page fault, ~20 us each in a VM (a third of a BTF run's CPU).  So
 * keep large blocks on the heap and fault the heap in once, in one call.
 */
#define HEAP_PREFAULT	(16u << 20)

static void heap_prefault(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t lo, hi;
	void *p;

	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	p = malloc(HEAP_PREFAULT);
	if (!p)
		return;
	lo = ((uintptr_t)p + pg - 1) & ~(uintptr_t)(pg - 1);
	hi = ((uintptr_t)p + HEAP_PREFAULT) & ~(uintptr_t)(pg - 1);
#ifdef MADV_HUGEPAGE
	madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
	/* Linux 5.14; older kernels just fault on first touch */
	madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#endif
	free(p);
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	struct progress prog = { 0 };
	struct li_target *t;
	struct li_report *r = NULL;
	char err[1024], *text_src = NULL;
	int ret, status;

	parse_args(&c, argc, argv);
	heap_prefault();
	if (c.list_codes)
		return list_codes(c.json);
	ret = li_kdump_target_open(c.dump, c.spec, &t, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "pgmapcheck: %s\n",
			err[0] ? err : li_strerror(ret));
		return LI_EXIT_USAGE;
	}
	t->frontend = "cli";
	if (!c.json) {
		text_src = text_source(t);
		if (text_src)
			t->source = text_src;
	}
	prog.tty = isatty(STDERR_FILENO);
	prog.start = now();
	/* automatic progress waits to see whether the run is long */
	prog.show = c.progress == 1 || (c.progress == -1 && prog.tty);
	prog.delay = c.progress == 1 ? 0 : PROGRESS_DELAY;
	c.opts.progress = on_progress;
	c.opts.progress_arg = &prog;
	signal(SIGINT, on_sigint);
	ret = li_check(t, &c.opts, &r);
	progress_clear(&prog);
	if (ret) {
		fprintf(stderr, "pgmapcheck: %s: %s\n",
			c.dump ? c.dump : "live kernel", li_check_error(ret));
		li_report_free(r);
		li_kdump_target_close(t);
		free(text_src);
		return ret == -EINTR ? LI_EXIT_INTERRUPTED : LI_EXIT_USAGE;
	}
	status = li_exit_status(r, c.fail_on);
	if (write_report(&c, r) || fflush(stdout)) {
		fprintf(stderr, "pgmapcheck: cannot write the report: %s\n",
			strerror(errno));
		status = LI_EXIT_USAGE;
	}
	li_report_free(r);
	li_kdump_target_close(t);
	free(text_src);
	return status;
}
