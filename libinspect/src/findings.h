/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The findings store (findings.c): per-code buckets, stored up to
 * max_findings each, counted exactly.  Walkers add; report.c and access.c
 * read the buckets.
 */
#ifndef LI_FINDINGS_H
#define LI_FINDINGS_H

#include "internal.h"

/*
 * A finding as its walker knows it when it adds it: everything but the
 * detail, which is formatted from the arguments of li_report_add().
 * Fields left out are 0, which the report writers omit or print as 0.
 */
struct li_finding_args {
	enum li_code code;
	uint64_t pfn;
	uint64_t page;			/* struct page address */
	uint64_t pgmap;
	uint64_t frame, aliases;	/* shared vmemmap frame, its mappings */
	uint64_t count;			/* pfns covered (NOT_CAPTURED, ORPHANED) */
};

/* li_report_add(r, LI_FINDING(TAIL_REFCOUNT, .pfn = pfn, ...), fmt, ...) */
#define LI_FINDING(name, ...) \
	(&(const struct li_finding_args){ .code = LI_CODE_##name, __VA_ARGS__ })

/* 1 stored, 0 counted only (over max_findings), or -ENOMEM */
int li_report_add(struct li_report *r, const struct li_finding_args *a,
		  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Would a finding of code be stored (not only counted)? */
bool li_report_stores(const struct li_report *r, enum li_code code);
/*
 * The run of pfns the last finding of code covers grew by nr (a holder
 * run that continues): its count, not a new finding.  No-op if that
 * finding was only counted.
 */
void li_report_extend(struct li_report *r, enum li_code code, uint64_t nr);

#endif /* LI_FINDINGS_H */
