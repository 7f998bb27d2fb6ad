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

/* --help: this head, the common options (li_option()), the tail. */
static const char help_head[] =
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
"                         --types btf\n";

static const char help_tail[] =
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

/* getopt values of the long-only options: ours, then li_option(i)'s */
enum {
	OPT_BTF = 0x100,
	OPT_COMMON = 0x200,
};

/* The CLI's own options; the common ones come from li_option(). */
static const struct option own_opts[] = {
	{ "vmlinux", required_argument, NULL, 'k' },
	{ "types", required_argument, NULL, 't' },
	{ "btf", required_argument, NULL, OPT_BTF },
};
#define OWN_SHORT	"k:t:"
#define NR_OWN		(sizeof(own_opts) / sizeof(own_opts[0]))
#define MAX_COMMON	64

/* One option line of --help: "    -f, --fail-on LEVEL  help", wrapped. */
static void help_option(const struct li_option_info *o)
{
	const char *w = o->help;
	char left[64];
	int col;

	snprintf(left, sizeof(left), "    %c%c%s--%s%s%s", o->letter ? '-' : ' ',
		 o->letter ? o->letter : ' ', o->letter ? ", " : "  ",
		 o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	col = printf("%s", left);
	if (col > 24) {		/* no room for the text on this line */
		fputs("\n", stdout);
		col = 0;
	}
	while (*w) {
		int len = strcspn(w, " ");

		if (col >= 25 && col + 1 + len > 76) {
			fputs("\n", stdout);
			col = 0;
		}
		col += col < 25 ? printf("%*s", 25 - col, "") :
		       printf(" ");
		col += printf("%.*s", len, w);
		w += len;
		w += strspn(w, " ");
	}
	fputs("\n", stdout);
}

static void print_help(void)
{
	const struct li_option_info *o;
	size_t i;

	fputs(help_head, stdout);
	for (i = 0; (o = li_option(i)); i++)
		help_option(o);
	fputs(help_tail, stdout);
}

static void print_version(void)
{
	printf("pgmapcheck (libinspect) %s, JSON schema %d\n", li_version(),
	       LI_JSON_SCHEMA_VERSION);
}

/* A common option: the run's go to the library (its grammar and
 * messages), the rest are the frontend's by name. */
static void common_option(struct cli *c, const struct li_option_info *o,
			  const char *arg)
{
	char err[256];

	if (o->flags & LI_OPTION_RUN) {
		if (li_parse_option(&c->opts, &c->fail_on, o->name, arg, err,
				    sizeof(err)))
			usage_error("%s", err);
	} else if (!strcmp(o->name, "json")) {
		c->json = true;
	} else if (!strcmp(o->name, "summary")) {
		c->summary = true;
	} else if (!strcmp(o->name, "verbose")) {
		c->verbose = true;
	} else if (!strcmp(o->name, "progress")) {
		c->progress = 1;
	} else if (!strcmp(o->name, "no-progress")) {
		c->progress = 0;
	} else if (!strcmp(o->name, "list-codes")) {
		c->list_codes = true;
	} else if (!strcmp(o->name, "version")) {
		print_version();
		exit(0);
	} else if (!strcmp(o->name, "help")) {
		print_help();
		exit(0);
	}
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

static void parse_args(struct cli *c, int argc, char **argv)
{
	struct option lo[NR_OWN + MAX_COMMON + 1];
	const struct li_option_info *o;
	char shortopts[3 * MAX_COMMON + sizeof(OWN_SHORT)] = OWN_SHORT;
	size_t i, n = NR_OWN, ns = strlen(OWN_SHORT);
	int opt;

	memcpy(lo, own_opts, sizeof(own_opts));
	for (i = 0; (o = li_option(i)) && i < MAX_COMMON; i++) {
		lo[n++] = (struct option){ o->name, o->arg ? required_argument :
					   no_argument, NULL, OPT_COMMON + i };
		if (o->letter) {
			shortopts[ns++] = o->letter;
			if (o->arg)
				shortopts[ns++] = ':';
		}
	}
	memset(&lo[n], 0, sizeof(lo[n]));
	shortopts[ns] = '\0';
	c->progress = -1;
	c->fail_on = LI_SEV_ERROR;
	c->types = -1;
	while ((opt = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
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
		case '?':
		case ':':
			/* getopt_long already said what is wrong */
			fputs("Try 'pgmapcheck --help' for more information.\n",
			      stderr);
			exit(LI_EXIT_USAGE);
		default:
			if (opt >= OPT_COMMON)
				o = li_option(opt - OPT_COMMON);
			else
				for (i = 0; (o = li_option(i)) &&
					    o->letter != opt; i++)
					;
			if (o)
				common_option(c, o, optarg);
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
	struct li_progress *meter = NULL;
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
	/* always installed, so that ^C cancels the walk cleanly */
	meter = li_progress_new(STDERR_FILENO, c.progress == 1 ?
				LI_PROGRESS_ALWAYS : c.progress == 0 ?
				LI_PROGRESS_NEVER : 0, &interrupted);
	if (!meter) {
		fprintf(stderr, "pgmapcheck: out of memory\n");
		li_kdump_target_close(t);
		free(text_src);
		return LI_EXIT_USAGE;
	}
	c.opts.progress = li_progress_show;
	c.opts.progress_arg = meter;
	signal(SIGINT, on_sigint);
	ret = li_check(t, &c.opts, &r);
	li_progress_free(meter);
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
