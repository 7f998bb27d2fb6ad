// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The report read element by element (LIBINSPECT_1.4), for programs that
 * would rather not parse the JSON: the same values the JSON writer
 * prints, from the same fields.
 */
#include <string.h>
#include "internal.h"
#include "codes.h"
#include "model.h"
#include "report.h"

/*
 * Copies full (ours, full_sz bytes) into the caller's out, as far as the
 * caller's sz reaches: fields of a newer library are not written into an
 * older program's struct, fields a newer program knows and we do not
 * stay as it set them.  sz itself is the caller's.
 */
static int fill(void *out, const void *full, size_t full_sz)
{
	size_t sz;

	if (!out)
		return -EINVAL;
	memcpy(&sz, out, sizeof(sz));
	if (sz < sizeof(sz))
		return -EINVAL;
	if (sz > full_sz)
		sz = full_sz;
	memcpy((char *)out + sizeof(sz), (const char *)full + sizeof(sz),
	       sz - sizeof(sz));
	return 0;
}

LI_EXPORT size_t li_report_nfindings(const struct li_report *r)
{
	size_t n = 0;

	for (size_t i = 0; r && i < r->nr_codes; i++)
		n += r->buckets[i].nr;
	return n;
}

LI_EXPORT int li_report_finding(const struct li_report *r, size_t i,
				struct li_finding_info *out)
{
	const struct li_code_info *ci;
	const struct li_finding *f = NULL;

	if (!r)
		return -EINVAL;
	/* the JSON's order: by code, then as added */
	for (size_t c = 0; c < r->nr_codes && !f; c++) {
		if (i < r->buckets[c].nr)
			f = &r->buckets[c].v[i];
		else
			i -= r->buckets[c].nr;
	}
	if (!f)
		return out ? -ERANGE : -EINVAL;
	ci = li_code(f->code);
	return fill(out, &(struct li_finding_info){
		.sz = sizeof(struct li_finding_info),
		.code = ci->code, .severity = ci->severity, .pfn = f->pfn,
		.page = f->page, .pgmap = f->pgmap, .frame = f->frame,
		.aliases = f->frame ? f->aliases : 0, .count = f->count,
		.detail = f->detail,
	}, sizeof(struct li_finding_info));
}

LI_EXPORT uint64_t li_report_code_count(const struct li_report *r,
					const char *code)
{
	int i = code ? li_code_index(code) : -1;

	return r && i >= 0 ? r->buckets[i].total : 0;
}

LI_EXPORT size_t li_report_npgmaps(const struct li_report *r)
{
	return r ? r->nr_pgmaps : 0;
}

LI_EXPORT int li_report_pgmap(const struct li_report *r, size_t i,
			      struct li_pgmap_info *out)
{
	const struct li_pgmap *g;

	if (!r || !out)
		return -EINVAL;
	if (i >= r->nr_pgmaps)
		return -ERANGE;
	g = &r->pgmaps[i];
	return fill(out, &(struct li_pgmap_info){
		.sz = sizeof(struct li_pgmap_info),
		.address = g->addr, .type = li_mtype_name(g->mtype),
		.type_value = g->type_val, .flags = g->flags,
		.altmap = g->altmap_valid, .vmemmap_shift = g->vmemmap_shift,
		.nr_range = g->nr_range, .nr_ranges = g->nr_valid,
		.ref_state = li_pgmap_ref_state(g),
		.ref_count_known = g->ref_count_known,
		.ref_count = g->ref_count_known ? g->ref_count : 0,
		.pages_checked = g->pages_checked,
		.pages_uninitialised = g->pages_uninit,
		.pages_not_captured = g->pages_not_captured,
		.pages_aliased = g->pages_aliased,
		.pages_referenced = g->pages_referenced,
	}, sizeof(struct li_pgmap_info));
}

LI_EXPORT int li_report_pgmap_range(const struct li_report *r, size_t i,
				    size_t k, uint64_t *start_pfn,
				    uint64_t *end_pfn, uint64_t *first_pfn)
{
	const struct li_range *rg;

	if (!r)
		return -EINVAL;
	if (i >= r->nr_pgmaps || k >= (size_t)r->pgmaps[i].nr_valid)
		return -ERANGE;
	rg = &r->pgmaps[i].ranges[k];
	if (start_pfn)
		*start_pfn = rg->start_pfn;
	if (end_pfn)
		*end_pfn = rg->end_pfn;
	if (first_pfn)
		*first_pfn = rg->first_pfn;
	return 0;
}

LI_EXPORT size_t li_report_nvmemmap(const struct li_report *r)
{
	return r ? r->nr_vmem : 0;
}

LI_EXPORT int li_report_vmemmap(const struct li_report *r, size_t i,
				struct li_vmemmap_info *out)
{
	const struct li_vmem_row *v;

	if (!r || !out)
		return -EINVAL;
	if (i >= r->nr_vmem)
		return -ERANGE;
	v = &r->vmem[i];
	return fill(out, &(struct li_vmemmap_info){
		.sz = sizeof(struct li_vmemmap_info),
		.pgmap = v->pgmap, .range = v->range, .complete = v->complete,
		.start_pfn = v->start_pfn, .end_pfn = v->end_pfn,
		.struct_pages = v->nr_pages, .struct_page_bytes = v->struct_bytes,
		.vmemmap_pages = v->vmemmap_pages, .frames = v->frames,
		.predicted_frames = v->predicted, .saved_bytes = v->saved_bytes,
	}, sizeof(struct li_vmemmap_info));
}
