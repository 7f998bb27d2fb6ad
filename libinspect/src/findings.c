// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The findings store: one bucket per code, stored up to max_findings
 * each, counted exactly (report.c writes them, access.c reads them).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"
#include "findings.h"

int li_report_add(struct li_report *r, const struct li_finding_args *a,
		  const char *fmt, ...)
{
	struct li_code_bucket *b = &r->buckets[a->code];
	struct li_finding *f;
	va_list ap;

	b->total++;
	if (b->nr >= r->max_findings)
		return 0;
	if (b->nr == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct li_finding *n = realloc(b->v, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		b->v = n;
		b->cap = cap;
	}
	f = &b->v[b->nr++];
	*f = (struct li_finding){
		.code = a->code, .pfn = a->pfn, .page = a->page,
		.pgmap = a->pgmap, .frame = a->frame, .aliases = a->aliases,
		.count = a->count,
	};
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
	return 1;
}

bool li_report_stores(const struct li_report *r, enum li_code code)
{
	return r->buckets[code].nr < r->max_findings;
}

void li_report_extend(struct li_report *r, enum li_code code, uint64_t nr)
{
	struct li_code_bucket *b = &r->buckets[code];

	/* once one was only counted, the last stored is not the last added */
	if (b->nr && b->total == b->nr)
		b->v[b->nr - 1].count += nr;
}
