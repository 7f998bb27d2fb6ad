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
