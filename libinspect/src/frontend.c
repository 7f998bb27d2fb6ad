// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the three frontends (CLI, crash extension, drgn script) share: the
 * grammar of option values, their error messages, the exit status and the
 * printed table of codes.  Written once here so that the frontends cannot
 * drift apart; each one only maps its own option syntax onto these.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "internal.h"
#include "errbuf.h"
#include "report.h"

LI_EXPORT int li_parse_u64(const char *s, uint64_t *out)
{
	bool hex;
	uint64_t v = 0;
	const char *p;

	if (!s || !out)
		return -EINVAL;
	hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	p = hex ? s + 2 : s;
	/* by hand, not strtoull: it takes a sign, blanks and octal */
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		unsigned int d;

		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (hex && isxdigit((unsigned char)*p))
			d = (tolower((unsigned char)*p) - 'a') + 10;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / (hex ? 16 : 10))
			return -ERANGE;
		v = v * (hex ? 16 : 10) + d;
	}
	*out = v;
	return 0;
}

LI_EXPORT int li_parse_pfn_range(const char *s, uint64_t *start,
				 uint64_t *end)
{
	const char *dash;
	char buf[64];
	uint64_t a, b;

	if (!s || !start || !end)
		return -EINVAL;
	dash = strchr(s, '-');
	if ((size_t)(dash ? dash - s : (ptrdiff_t)strlen(s)) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%.*s",
		 (int)(dash ? dash - s : (ptrdiff_t)strlen(s)), s);
	if (li_parse_u64(buf, &a))
		return -EINVAL;
	b = a;
	if (dash && li_parse_u64(dash + 1, &b))
		return -EINVAL;
	if (b < a)
		return -EDOM;
	*start = a;
	*end = b;
	return 0;
}

static const char *const level_names[] = {
	[LI_SEV_INFO] = "info",
	[LI_SEV_WARNING] = "warning",
	[LI_SEV_ERROR] = "error",
	[LI_FAIL_NEVER] = "never",
};

LI_EXPORT int li_parse_severity(const char *s, int *level)
{
	size_t i;

	for (i = 0; s && i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcmp(s, level_names[i])) {
			if (level)
				*level = i;
			return 0;
		}
	return -EINVAL;
}

/* The option's value must be there, or the frontend's parser is wrong. */
static int need_arg(const char *name, const char *arg, char *errbuf,
		    size_t errlen)
{
	if (arg)
		return 0;
	return li_errbuf(errbuf, errlen, -EINVAL,
			 "--%s: a value is required", name);
}

LI_EXPORT int li_parse_option(struct li_options *opts, int *fail_on,
			      const char *name, const char *arg, char *errbuf,
			      size_t errlen)
{
	uint64_t v;
	int err;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!opts || !name)
		return li_errbuf(errbuf, errlen, -EINVAL, "invalid argument");
	if (!strcmp(name, "no-vmemmap") || !strcmp(name, "no-hugetlb") ||
	    !strcmp(name, "no-holders")) {
		opts->flags |= name[3] == 'v' ? LI_OPT_NO_VMEMMAP :
			       name[4] == 'u' ? LI_OPT_NO_HUGETLB :
			       LI_OPT_NO_HOLDERS;
		return 0;
	}
	if (!strcmp(name, "pgmap")) {
		err = need_arg(name, arg, errbuf, errlen);
		if (err)
			return err;
		if (li_parse_u64(arg, &v) || !v)
			return li_errbuf(errbuf, errlen, -EINVAL,
					 "--pgmap: '%s' is not an address", arg);
		opts->pgmap = v;
		return 0;
	}
	if (!strcmp(name, "pfn")) {
		err = need_arg(name, arg, errbuf, errlen);
		if (err)
			return err;
		err = li_parse_pfn_range(arg, &opts->pfn_start, &opts->pfn_end);
		if (err == -EDOM)
			return li_errbuf(errbuf, errlen, -EINVAL,
					 "--pfn: END is below START in '%s'",
					 arg);
		if (err)
			return li_errbuf(errbuf, errlen, -EINVAL,
					 "--pfn: '%s' is not a pfn (START or START-END)",
					 arg);
		return 0;
	}
	if (!strcmp(name, "max-findings")) {
		err = need_arg(name, arg, errbuf, errlen);
		if (err)
			return err;
		if (li_parse_u64(arg, &v) || !v || v > UINT_MAX)
			return li_errbuf(errbuf, errlen, -EINVAL,
					 "--max-findings: '%s' is not a positive count",
					 arg);
		opts->max_findings = v;
		return 0;
	}
	if (!strcmp(name, "fail-on")) {
		int level;

		err = need_arg(name, arg, errbuf, errlen);
		if (err)
			return err;
		if (li_parse_severity(arg, &level))
			return li_errbuf(errbuf, errlen, -EINVAL,
					 "--fail-on: '%s' is not error, warning, info or never",
					 arg);
		if (fail_on)
			*fail_on = level;
		return 0;
	}
	return li_errbuf(errbuf, errlen, -ENOENT, "--%s: no such option", name);
}

LI_EXPORT int li_exit_status(const struct li_report *report, int fail_on)
{
	int worst;

	if (!report)
		return LI_EXIT_USAGE;
	worst = li_report_max_severity(report);
	return worst >= 0 && worst >= fail_on ? LI_EXIT_FINDINGS : LI_EXIT_OK;
}

LI_EXPORT const char *li_check_error(int err)
{
	const char *why;

	if (err == -EINTR)
		return "interrupted";
	why = li_last_error();
	return why && *why ? why : li_strerror(err);
}

LI_EXPORT char *li_codes_text(unsigned int flags)
{
	const struct li_code_info *codes;
	bool json = flags & LI_CODES_JSON;
	char *buf = NULL;
	size_t len = 0, n, i;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	codes = li_codes(&n);
	if (json)
		fputs("[", f);
	for (i = 0; i < n; i++) {
		const char *sev = li_severity_name(codes[i].severity);

		if (json) {
			fprintf(f, "%s\n  {\"code\": ", i ? "," : "");
			li_json_string(f, codes[i].code);
			fprintf(f, ", \"severity\": \"%s\", \"summary\": ", sev);
			li_json_string(f, codes[i].summary);
			fputc('}', f);
		} else {
			fprintf(f, "%-26s %-8s %s\n", codes[i].code, sev,
				codes[i].summary);
		}
	}
	if (json)
		fputs("\n]\n", f);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

/*
 * The frontends' common options.  Letters are shared too: crash took -n,
 * -U and -H first, so the CLI and drgn have them as well.
 */
static const struct li_option_info option_table[] = {
	{ "json", 'j', NULL, "print the JSON report (libinspect/SCHEMA.md)", 0 },
	{ "pgmap", 'p', "ADDR", "check only the dev_pagemap at ADDR",
	  LI_OPTION_RUN },
	{ "pfn", 'P', "START[-END]", "check only pfns START..END (inclusive)",
	  LI_OPTION_RUN },
	{ "summary", 's', NULL, "text: summary lines only", 0 },
	{ "verbose", 'v', NULL,
	  "text: every stored finding and the kernel model", 0 },
	{ "fail-on", 'f', "LEVEL",
	  "error (default), warning, info or never: exit 1 when a finding reaches LEVEL",
	  LI_OPTION_RUN },
	{ "max-findings", 'm', "N",
	  "findings stored per code (default 1000; counts stay exact)",
	  LI_OPTION_RUN },
	{ "no-vmemmap", 'n', NULL, "skip the vmemmap page-table accounting",
	  LI_OPTION_RUN },
	{ "no-hugetlb", 'U', NULL, "skip the hugetlb/HVO walk", LI_OPTION_RUN },
	{ "no-holders", 'H', NULL,
	  "skip the walk of user page tables that map device pages",
	  LI_OPTION_RUN },
	{ "progress", 0, NULL, "progress on stderr", 0 },
	{ "no-progress", 0, NULL,
	  "no progress (default: on when stderr is a terminal and the run lasts over a second)",
	  0 },
	{ "list-codes", 0, NULL,
	  "print the finding codes, severities and meanings", 0 },
	{ "version", 'V', NULL, "print the version", 0 },
	{ "help", 'h', NULL, "print this help", 0 },
};

LI_EXPORT const struct li_option_info *li_option(size_t i)
{
	return i < sizeof(option_table) / sizeof(option_table[0]) ?
	       &option_table[i] : NULL;
}

/* -- the progress line -- */

#define PROGRESS_DELAY		1.0	/* automatic: only runs longer than this */
#define PROGRESS_PERIOD_TTY	0.25
#define PROGRESS_PERIOD_FILE	5.0

struct li_progress {
	int fd;
	bool tty, always, never, shown;
	const volatile sig_atomic_t *cancel;
	double start, last;
	char phase[32];
};

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* All of buf or nothing more: a progress line is not worth an error. */
static void put(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0 && errno != EINTR)
			return;
		if (n > 0) {
			buf += n;
			len -= n;
		}
	}
}

LI_EXPORT struct li_progress *li_progress_new(int fd, unsigned int flags,
					     const volatile sig_atomic_t *cancel)
{
	struct li_progress *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->fd = fd;
	p->tty = isatty(fd);
	p->always = flags & LI_PROGRESS_ALWAYS;
	p->never = flags & LI_PROGRESS_NEVER;
	p->cancel = cancel;
	p->start = monotonic();
	return p;
}

LI_EXPORT int li_progress_show(void *meter, const char *phase,
			       uint64_t done, uint64_t total)
{
	struct li_progress *p = meter;
	char line[160];
	double t;
	bool new_phase;
	int n;

	if (!p)
		return 0;
	if (p->cancel && *p->cancel)
		return 1;
	if (!phase || p->never || (!p->always && !p->tty))
		return 0;
	t = monotonic();
	if (!p->always && t - p->start < PROGRESS_DELAY)
		return 0;
	new_phase = strncmp(p->phase, phase, sizeof(p->phase) - 1) != 0;
	if (!new_phase && t - p->last < (p->tty ? PROGRESS_PERIOD_TTY :
					 PROGRESS_PERIOD_FILE))
		return 0;
	snprintf(p->phase, sizeof(p->phase), "%s", phase);
	p->last = t;
	if (total)
		n = snprintf(line, sizeof(line), "%spgmapcheck: %s %llu/%llu (%.0f%%)%s",
			     p->tty ? "\r\033[K" : "", phase,
			     (unsigned long long)done,
			     (unsigned long long)total, 100.0 * done / total,
			     p->tty ? "" : "\n");
	else
		n = snprintf(line, sizeof(line), "%spgmapcheck: %s %llu%s",
			     p->tty ? "\r\033[K" : "", phase,
			     (unsigned long long)done, p->tty ? "" : "\n");
	if (n > 0)
		put(p->fd, line, (size_t)n < sizeof(line) ? (size_t)n :
		    sizeof(line) - 1);
	p->shown = true;
	return 0;
}

LI_EXPORT void li_progress_clear(struct li_progress *p)
{
	if (p && p->shown && p->tty)
		put(p->fd, "\r\033[K", 4);
	if (p)
		p->shown = false;
}

LI_EXPORT void li_progress_free(struct li_progress *p)
{
	li_progress_clear(p);
	free(p);
}
