// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Report writers: the text report (pgmap table, findings grouped by code,
 * vmemmap and hugetlb tables, summary) and the JSON document described in
 * libinspect/SCHEMA.md.  Addresses are "0x..." strings (they exceed 2^53),
 * pfns and counts integers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "codes.h"
#include "holders.h"
#include "model.h"
#include "report.h"

#define TEXT_FINDINGS_PER_CODE	20

LI_EXPORT size_t li_report_count(const struct li_report *r,
				 enum li_severity sev)
{
	size_t n = 0;

	for (size_t i = 0; r && i < r->nr_codes; i++)
		if (li_code((int)i)->severity == sev)
			n += r->buckets[i].total;
	return n;
}

LI_EXPORT int li_report_max_severity(const struct li_report *r)
{
	int max = -1;

	for (size_t i = 0; r && i < r->nr_codes; i++)
		if (r->buckets[i].total && (int)li_code((int)i)->severity > max)
			max = li_code((int)i)->severity;
	return max;
}

const char *li_pgmap_ref_state(const struct li_pgmap *g)
{
	if (!g->readable || g->ref_unreadable)
		return "unreadable";
	if (g->ref_exited)
		return "exited";
	if (!g->ref_valid)
		return "invalid";
	return g->ref_dead ? "dead" : "live";
}

/* ---- JSON ---- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* The escaper of every JSON string the library writes (frontend.c too). */
void li_json_string(FILE *f, const char *s)
{
	json_str(f, s);
}

#define JX(f, v) fprintf(f, "\"0x%llx\"", (unsigned long long)(v))
#define JU(v) ((unsigned long long)(v))

static void json_model(FILE *f, const struct li_model *m)
{
	fprintf(f, "\"kernel\":{\"release\":");
	json_str(f, m->release);
	fprintf(f, ",\"sizeof_page\":%llu,\"pgmap_in\":\"%s\",\"head_encoding\":\"%s\","
		"\"order_field\":\"%s\",\"flags_offset\":%llu,\"pg_head_mask\":",
		JU(m->page.page_size), m->page.pgmap_in_folio ? "folio" : "page",
		m->page.head_is_mask ? "mask" : "pointer|1",
		m->page.order_loc == LI_ORDER_COMPOUND_ORDER ? "page[1].compound_order" :
		m->page.order_loc == LI_ORDER_FOLIO_ORDER ? "folio._folio_order" :
		"folio._flags_1", JU(m->page.off_flags));
	JX(f, m->pflags.pg_head_mask);
	fprintf(f, ",\"zone_device\":%lld,\"nr_zones\":%lld,\"zones_shift\":%d,"
		"\"nodes_shift\":%d,\"zones_pgshift\":%d,\"sizeof_dev_pagemap\":%llu,"
		"\"has_vmemmap_shift\":%s,\"memory_types\":{",
		(long long)m->pflags.zone_device, (long long)m->pflags.nr_zones,
		m->pflags.zones_shift, m->pflags.nodes_shift,
		m->pflags.zones_pgshift, JU(m->pgmap.pgmap_size),
		m->pgmap.has_vmemmap_shift ? "true" : "false");
	for (int i = 1, first = 1; i < LI_MT_NR; i++) {
		if (m->rules.mtype_val[i] < 0)
			continue;
		fprintf(f, "%s\"%s\":%lld", first ? "" : ",", li_mtype_name(i),
			(long long)m->rules.mtype_val[i]);
		first = 0;
	}
	fprintf(f, "},\"idle_refcount\":{");
	for (int i = 1, first = 1; i < LI_MT_NR; i++) {
		if (m->rules.mtype_val[i] < 0)
			continue;
		fprintf(f, "%s\"%s\":%d", first ? "" : ",", li_mtype_name(i),
			m->rules.idle_ref[i]);
		first = 0;
	}
	fprintf(f, "},\"zone_selftest\":{\"pfn\":%llu,\"zone\":%d},\"vmemmap_base\":",
		JU(m->zone_selftest_pfn), m->zone_selftest_zone);
	JX(f, m->mem.vmemmap_base);
	fprintf(f, ",\"pgtable_levels\":%d,\"nr_cpus\":%u,\"vmemmap_reuse\":%s,"
		"\"hvo_reserved_pages\":%d}",
		m->mem.l5 ? 5 : 4, m->ref.nr_cpus, m->rules.dedup_supported ? "true" : "false",
		m->huge.hvo_reserve);
}

static void json_pgmap(FILE *f, const struct li_pgmap *g)
{
	fprintf(f, "{\"address\":");
	JX(f, g->addr);
	fprintf(f, ",\"type\":\"%s\",\"type_value\":%lld,\"flags\":\"0x%x\","
		"\"vmemmap_shift\":%llu,\"altmap\":%s,\"nr_range\":%d,\"ranges\":[",
		li_mtype_name(g->mtype), (long long)g->type_val, g->flags,
		JU(g->vmemmap_shift), g->altmap_valid ? "true" : "false",
		g->nr_range);
	for (int k = 0; k < g->nr_valid; k++)
		fprintf(f, "%s{\"start_pfn\":%llu,\"end_pfn\":%llu,\"first_pfn\":%llu}",
			k ? "," : "", JU(g->ranges[k].start_pfn),
			JU(g->ranges[k].end_pfn), JU(g->ranges[k].first_pfn));
	fprintf(f, "]");
	if (g->altmap_valid)
		fprintf(f, ",\"altmap_detail\":{\"base_pfn\":%llu,\"end_pfn\":%llu,"
			"\"reserve\":%llu,\"free\":%llu,\"align\":%llu,\"alloc\":%llu}",
			JU(g->alt_base_pfn), JU(g->alt_end_pfn), JU(g->alt_reserve),
			JU(g->alt_free), JU(g->alt_align), JU(g->alt_alloc));
	fprintf(f, ",\"ref\":{\"state\":\"%s\",\"mode\":\"%s\",\"count\":",
		li_pgmap_ref_state(g), g->ref_atomic ? "atomic" : "percpu");
	if (g->ref_count_known)
		fprintf(f, "%lld", (long long)g->ref_count);
	else
		fprintf(f, "null");
	fprintf(f, ",\"percpu_count_ptr\":");
	JX(f, g->pcr_ptr);
	fprintf(f, ",\"data\":");
	JX(f, g->ref_data);
	fprintf(f, "},\"pages\":{\"checked\":%llu,\"uninitialised\":%llu,"
		"\"not_captured\":%llu,\"aliased\":%llu,\"referenced\":%llu}}",
		JU(g->pages_checked), JU(g->pages_uninit),
		JU(g->pages_not_captured), JU(g->pages_aliased),
		JU(g->pages_referenced));
}

static void json_finding(FILE *f, const struct li_finding *x)
{
	const struct li_code_info *ci = li_code(x->code);

	fprintf(f, "{\"code\":\"%s\",\"severity\":\"%s\",\"pfn\":%llu,\"page\":",
		ci->code, li_severity_name(ci->severity), JU(x->pfn));
	JX(f, x->page);
	fprintf(f, ",\"pgmap\":");
	JX(f, x->pgmap);
	if (x->frame) {
		fprintf(f, ",\"frame\":");
		JX(f, x->frame);
		fprintf(f, ",\"aliases\":%llu", JU(x->aliases));
	}
	if (x->count)
		fprintf(f, ",\"count\":%llu", JU(x->count));
	fprintf(f, ",\"detail\":");
	json_str(f, x->detail);
	fputc('}', f);
}

static void json_vmem(FILE *f, const struct li_vmem_row *v)
{
	fprintf(f, "{\"pgmap\":");
	JX(f, v->pgmap);
	fprintf(f, ",\"range\":%d,\"start_pfn\":%llu,\"end_pfn\":%llu,"
		"\"struct_pages\":%llu,\"struct_page_bytes\":%llu,"
		"\"vmemmap_pages\":%llu,\"frames\":%llu,\"predicted_frames\":%llu,"
		"\"pte_mapped\":%llu,\"pmd_mapped\":%llu,\"unmapped\":%llu,"
		"\"saved_bytes\":%llu,\"compounds\":%llu,\"compounds_unexpected\":%llu,"
		"\"shared_frames_checked\":%llu,"
		"\"complete\":%s,\"initialised\":{\"start_pfn\":%llu,"
		"\"vmemmap_pages\":%llu,\"frames\":%llu}}",
		v->range, JU(v->start_pfn), JU(v->end_pfn), JU(v->nr_pages),
		JU(v->struct_bytes), JU(v->vmemmap_pages), JU(v->frames),
		JU(v->predicted), JU(v->pte_mapped), JU(v->pmd_mapped),
		JU(v->unmapped), JU(v->saved_bytes), JU(v->compounds),
		JU(v->compounds_unexpected), JU(v->shared_checked),
		v->complete ? "true" : "false",
		JU(v->init_start_pfn), JU(v->init_vmemmap_pages),
		JU(v->init_frames));
}

static void json_hugetlb(FILE *f, const struct li_report *r)
{
	fprintf(f, "\"hugetlb\":{\"walked\":%s,\"optimize_key\":",
		r->hugetlb_done ? "true" : "false");
	if (r->has_hvo_key)
		fprintf(f, "%llu", JU(r->hvo_key));
	else
		fprintf(f, "null");
	fprintf(f, ",\"hstates\":[");
	for (size_t i = 0; i < r->nr_huge; i++) {
		const struct li_vmem_row *h = &r->huge[i];

		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_str(f, h->name);
		fprintf(f, ",\"folios\":%llu,\"optimized\":%llu,\"struct_pages\":%llu,"
			"\"struct_page_bytes\":%llu,\"vmemmap_pages\":%llu,\"frames\":%llu,"
			"\"predicted_frames\":%llu,\"saved_bytes\":%llu,\"fake_heads_resolved\":%llu}",
			JU(h->folios), JU(h->optimized), JU(h->nr_pages),
			JU(h->struct_bytes), JU(h->vmemmap_pages), JU(h->frames),
			JU(h->predicted), JU(h->saved_bytes), JU(h->fake_heads));
	}
	fprintf(f, "],\"folios\":[");
	for (size_t i = 0; i < r->nr_folios; i++) {
		const struct li_huge_folio *h = &r->folios[i];

		fprintf(f, "%s{\"pfn\":%llu,\"page\":", i ? "," : "", JU(h->pfn));
		JX(f, h->page);
		fprintf(f, ",\"order\":%d,\"optimized\":%s,\"vmemmap_pages\":%llu,"
			"\"frames\":%llu,\"saved_bytes\":%llu,\"fake_heads_resolved\":%llu}",
			h->order, h->optimized ? "true" : "false",
			JU(h->vmemmap_pages), JU(h->frames),
			JU(h->vmemmap_pages > h->frames ?
			   (h->vmemmap_pages - h->frames) * LI_PAGE_SIZE : 0),
			JU(h->fake_heads));
	}
	fprintf(f, "]}");
}

static void json_holders(FILE *f, const struct li_report *r)
{
	const struct li_holder_walk *w = &r->hw;
	const struct li_model *m = &r->model;

	fprintf(f, "\"holder_walk\":{\"walked\":%s,\"tasks\":%llu,\"mms\":%llu,"
		"\"page_tables\":%llu,\"page_tables_unreadable\":%llu,"
		"\"page_table_cycles\":%llu,\"stopped\":",
		w->walked ? "true" : "false", JU(w->tasks), JU(w->mms),
		JU(w->tables), JU(w->tables_unreadable), JU(w->table_cycles));
	if (w->stopped)
		json_str(f, w->stopped);
	else
		fprintf(f, "null");
	fprintf(f, ",\"runs\":%llu,\"truncated\":%s,\"iomem_tree\":%s,"
		"\"swap_device_types\":", JU(w->total),
		w->total > r->nr_holders ? "true" : "false",
		w->iomem_tree ? "true" : "false");
	if (m->task.swp_dev_first >= 0)
		fprintf(f, "{\"first\":%d,\"count\":%d}", m->task.swp_dev_first,
			m->task.swp_dev_num);
	else
		fprintf(f, "null");
	fprintf(f, "},\"holders\":[");
	for (size_t i = 0; i < r->nr_holders; i++) {
		const struct li_holder *h = &r->holders[i];

		fprintf(f, "%s{\"pid\":%d,\"comm\":", i ? "," : "", h->pid);
		json_str(f, h->comm);
		fprintf(f, ",\"mm\":");
		JX(f, h->mm);
		fprintf(f, ",\"vaddr\":");
		JX(f, h->vaddr);
		fprintf(f, ",\"pfn\":%llu,\"nr_pages\":%llu,\"level\":\"%s\","
			"\"kind\":\"%s\",\"pgmap\":", JU(h->pfn), JU(h->nr_pages),
			li_holder_level_name(h->level), li_holder_kind_name(h->kind));
		if (h->pgmap)
			JX(f, h->pgmap);
		else
			fprintf(f, "null");
		fputc('}', f);
	}
	fputc(']', f);
}

static void json_summary(FILE *f, const struct li_report *r)
{
	int max = li_report_max_severity(r);
	bool truncated = false;

	for (size_t i = 0; i < r->nr_codes; i++)
		truncated |= r->buckets[i].total > r->buckets[i].nr;
	fprintf(f, "\"summary\":{\"pgmaps\":%zu,\"struct_pages\":%llu,\"pages_checked\":%llu,"
		"\"pages_not_captured\":%llu,\"pages_aliased\":%llu,"
		"\"errors\":%zu,\"warnings\":%zu,\"infos\":%zu,\"max_severity\":",
		r->nr_pgmaps,
		JU(r->pages_checked + r->pages_aliased + r->pages_not_captured),
		JU(r->pages_checked), JU(r->pages_not_captured),
		JU(r->pages_aliased), li_report_count(r, LI_SEV_ERROR),
		li_report_count(r, LI_SEV_WARNING), li_report_count(r, LI_SEV_INFO));
	if (max < 0)
		fprintf(f, "null");
	else
		fprintf(f, "\"%s\"", li_severity_name(max));
	fprintf(f, ",\"findings_truncated\":%s,\"by_code\":{", truncated ? "true" : "false");
	for (size_t i = 0, first = 1; i < r->nr_codes; i++) {
		if (!r->buckets[i].total)
			continue;
		fprintf(f, "%s\"%s\":%llu", first ? "" : ",", li_code((int)i)->code,
			JU(r->buckets[i].total));
		first = 0;
	}
	fprintf(f, "}}");
}

LI_EXPORT int li_report_write_json(const struct li_report *r, FILE *f)
{
	bool first = true;

	if (!r || !f)
		return -EINVAL;
	fprintf(f, "{\"schema_version\":%d,\"generator\":{\"name\":\"libinspect\","
		"\"version\":\"%s\"},\"target\":{\"frontend\":", LI_JSON_SCHEMA_VERSION,
		li_version());
	json_str(f, r->frontend);
	fprintf(f, ",\"source\":");
	json_str(f, r->source);
	fprintf(f, ",\"vmlinux\":");
	json_str(f, r->vmlinux);
	if (r->truncated)
		fprintf(f, ",\"truncated\":{\"file_size\":%llu,\"expected_size\":%llu}",
			JU(r->file_size), JU(r->expected_size));
	else
		fprintf(f, ",\"truncated\":null");
	fprintf(f, "},");
	json_model(f, &r->model);
	fprintf(f, ",\"registry\":{\"nodes\":%llu,\"complete\":%s,\"runs\":[",
		JU(r->xa_nodes), r->registry_incomplete ? "false" : "true");
	for (size_t i = 0; i < r->nr_runs; i++) {
		fprintf(f, "%s{\"first_pfn\":%llu,\"last_pfn\":%llu,\"pgmap\":",
			i ? "," : "", JU(r->runs[i].first), JU(r->runs[i].last));
		JX(f, r->runs[i].entry);
		fputc('}', f);
	}
	fprintf(f, "]},\"pgmaps\":[");
	for (size_t i = 0; i < r->nr_pgmaps; i++) {
		if (i)
			fputc(',', f);
		json_pgmap(f, &r->pgmaps[i]);
	}
	fprintf(f, "],\"findings\":[");
	for (size_t i = 0; i < r->nr_codes; i++)
		for (size_t j = 0; j < r->buckets[i].nr; j++) {
			if (!first)
				fputc(',', f);
			first = false;
			json_finding(f, &r->buckets[i].v[j]);
		}
	fprintf(f, "],\"vmemmap\":[");
	for (size_t i = 0; i < r->nr_vmem; i++) {
		if (i)
			fputc(',', f);
		json_vmem(f, &r->vmem[i]);
	}
	fprintf(f, "],");
	json_hugetlb(f, r);
	fputc(',', f);
	json_holders(f, r);
	fputc(',', f);
	json_summary(f, r);
	fprintf(f, "}\n");
	return ferror(f) ? -EIO : 0;
}

LI_EXPORT char *li_report_json(const struct li_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (li_report_write_json(r, f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

LI_EXPORT void li_free(void *p)
{
	free(p);
}

/* ---- text ---- */

static void text_pgmaps(const struct li_report *r, FILE *f)
{
	fprintf(f, "PGMAPS (%zu)\n", r->nr_pgmaps);
	fprintf(f, "  %-18s %-26s %5s %-6s %-6s %6s  %s\n", "ADDRESS", "TYPE",
		"SHIFT", "ALTMAP", "REF", "COUNT", "RANGES (pfn, inclusive)");
	for (size_t i = 0; i < r->nr_pgmaps; i++) {
		const struct li_pgmap *g = &r->pgmaps[i];
		char cnt[24] = "?";

		if (g->ref_count_known)
			snprintf(cnt, sizeof(cnt), "%lld", (long long)g->ref_count);
		fprintf(f, "  0x%-16llx %-26s %5llu %-6s %-6s %6s ", JU(g->addr),
			li_mtype_name(g->mtype), JU(g->vmemmap_shift),
			g->altmap_valid ? "yes" : "no", li_pgmap_ref_state(g), cnt);
		for (int k = 0; k < g->nr_valid; k++)
			fprintf(f, " %#llx-%#llx", JU(g->ranges[k].start_pfn),
				JU(g->ranges[k].end_pfn));
		if (g->altmap_valid && g->nr_valid)
			fprintf(f, " (memmap from %#llx)", JU(g->ranges[0].first_pfn));
		fputc('\n', f);
	}
}

static void text_findings(const struct li_report *r, FILE *f, bool verbose)
{
	size_t total = 0;

	for (size_t i = 0; i < r->nr_codes; i++)
		total += r->buckets[i].total;
	fprintf(f, "\nFINDINGS (%zu)\n", total);
	for (size_t i = 0; i < r->nr_codes; i++) {
		const struct li_code_bucket *b = &r->buckets[i];
		const struct li_code_info *ci = li_code((int)i);
		size_t shown = verbose ? b->nr : b->nr < TEXT_FINDINGS_PER_CODE ?
			       b->nr : TEXT_FINDINGS_PER_CODE;

		if (!b->total)
			continue;
		fprintf(f, "  %s (%s, %llu): %s\n", ci->code,
			li_severity_name(ci->severity), JU(b->total), ci->summary);
		for (size_t j = 0; j < shown; j++) {
			const struct li_finding *x = &b->v[j];

			fprintf(f, "    pfn %#llx", JU(x->pfn));
			if (x->page)
				fprintf(f, " page %#llx", JU(x->page));
			if (x->pgmap)
				fprintf(f, " pgmap %#llx", JU(x->pgmap));
			if (x->frame)
				fprintf(f, " frame %#llx (%llu aliases)", JU(x->frame),
					JU(x->aliases));
			fprintf(f, ": %s\n", x->detail);
		}
		if (b->total > shown)
			fprintf(f, "    ... %llu more\n", JU(b->total - shown));
	}
}

static void text_vmemmap(const struct li_report *r, FILE *f)
{
	if (!r->nr_vmem && !r->nr_huge)
		return;
	fprintf(f, "\nVMEMMAP\n  %-18s %5s %10s %12s %8s %8s %9s %12s\n", "PGMAP",
		"RANGE", "PAGES", "MEMMAP", "VMEMMAP", "FRAMES", "PREDICTED", "SAVED");
	for (size_t i = 0; i < r->nr_vmem; i++) {
		const struct li_vmem_row *v = &r->vmem[i];

		fprintf(f, "  0x%-16llx %5d %10llu %11lluK %8llu %8llu %9llu %11lluK\n",
			JU(v->pgmap), v->range, JU(v->nr_pages),
			JU(v->struct_bytes >> 10), JU(v->vmemmap_pages), JU(v->frames),
			JU(v->predicted), JU(v->saved_bytes >> 10));
	}
	for (size_t i = 0; i < r->nr_huge; i++) {
		const struct li_vmem_row *h = &r->huge[i];

		if (!h->folios)
			continue;
		fprintf(f, "  hugetlb %-10s %5s %10llu %11lluK %8llu %8llu %9llu %11lluK"
			"  (%llu folios, %llu HVO, %llu fake heads resolved)\n",
			h->name, "-", JU(h->nr_pages), JU(h->struct_bytes >> 10),
			JU(h->vmemmap_pages), JU(h->frames), JU(h->predicted),
			JU(h->saved_bytes >> 10), JU(h->folios), JU(h->optimized),
			JU(h->fake_heads));
	}
}

#define TEXT_HOLDER_ROWS	10

/* Per pgmap, the processes that map its pages (small or --verbose). */
static void text_holders(const struct li_report *r, FILE *f, bool verbose)
{
	size_t cap = r->nr_holders < 256 ? r->nr_holders : 256, nr = 0;
	const struct li_holder **rows;
	uint64_t *pages;

	if (!r->nr_holders)
		return;
	rows = calloc(cap, sizeof(*rows));
	pages = calloc(cap, sizeof(*pages));
	for (size_t i = 0; rows && pages && i < r->nr_holders; i++) {
		const struct li_holder *h = &r->holders[i];
		size_t j = 0;

		while (j < nr && (rows[j]->pgmap != h->pgmap || rows[j]->mm != h->mm))
			j++;
		if (j == cap)
			continue;	/* more rows than shown anyway */
		if (j == nr)
			rows[nr++] = h;
		pages[j] += h->nr_pages;
	}
	if (rows && pages && (verbose || nr <= TEXT_HOLDER_ROWS)) {
		fprintf(f, "\nHOLDERS (user mappings of device pages, %llu runs)\n  %-18s %8s %-16s %10s\n",
			JU(r->hw.total), "PGMAP", "PID", "COMM", "PAGES");
		for (size_t i = 0; i < nr; i++) {
			if (rows[i]->pgmap)
				fprintf(f, "  0x%-16llx", JU(rows[i]->pgmap));
			else
				fprintf(f, "  %-18s", "(none: orphaned)");
			fprintf(f, " %8d %-16s %10llu\n", rows[i]->pid, rows[i]->comm,
				JU(pages[i]));
		}
	}
	free(rows);
	free(pages);
}

static void text_model(const struct li_report *r, FILE *f)
{
	const struct li_model *m = &r->model;

	fprintf(f, "\nKERNEL MODEL\n  struct page %llu bytes, pgmap in %s, order in %s,"
		" PG_head mask %#llx\n  zones: ZONE_DEVICE=%lld of %lld, ZONES_SHIFT %d,"
		" NODES_SHIFT %d, ZONES_PGSHIFT %d\n  vmemmap_base %#llx, %d-level page tables,"
		" %u cpus\n",
		JU(m->page.page_size), m->page.pgmap_in_folio ? "folio" : "page",
		m->page.order_loc == LI_ORDER_COMPOUND_ORDER ? "page[1].compound_order" :
		m->page.order_loc == LI_ORDER_FOLIO_ORDER ? "folio._folio_order" :
		"folio._flags_1", JU(m->pflags.pg_head_mask), (long long)m->pflags.zone_device,
		(long long)m->pflags.nr_zones, m->pflags.zones_shift, m->pflags.nodes_shift,
		m->pflags.zones_pgshift, JU(m->mem.vmemmap_base), m->mem.l5 ? 5 : 4,
		m->ref.nr_cpus);
	for (unsigned int i = 0; i < m->nr_assumed; i++)
		fprintf(f, "%s%s", i ? "; " : "  assumed, not probed: ",
			m->assumed[i]);
	if (m->nr_assumed)
		fputc('\n', f);
}

static void text_summary(const struct li_report *r, FILE *f)
{
	int max = li_report_max_severity(r);

	fprintf(f, "\nSUMMARY: %zu pgmaps, %llu struct pages checked, %llu aliased,"
		" %llu not captured; %zu errors, %zu warnings, %zu infos%s%s\n",
		r->nr_pgmaps, JU(r->pages_checked), JU(r->pages_aliased),
		JU(r->pages_not_captured), li_report_count(r, LI_SEV_ERROR),
		li_report_count(r, LI_SEV_WARNING), li_report_count(r, LI_SEV_INFO),
		max >= 0 ? "; worst: " : "", max >= 0 ? li_severity_name(max) : "");
}

LI_EXPORT int li_report_write_text(const struct li_report *r, FILE *f,
				   unsigned int flags)
{
	if (!r || !f)
		return -EINVAL;
	fprintf(f, "pgmapcheck %s: %s%s%s", li_version(),
		r->source[0] ? r->source : "?",
		r->model.release[0] ? ", kernel " : "", r->model.release);
	if (r->truncated)
		fprintf(f, " (TRUNCATED: %llu of %llu bytes; the pages past the end are not captured)",
			JU(r->file_size), JU(r->expected_size));
	fputc('\n', f);
	if (!(flags & LI_TEXT_SUMMARY)) {
		text_pgmaps(r, f);
		text_findings(r, f, flags & LI_TEXT_VERBOSE);
		text_vmemmap(r, f);
		text_holders(r, f, flags & LI_TEXT_VERBOSE);
		if (flags & LI_TEXT_VERBOSE)
			text_model(r, f);
	}
	text_summary(r, f);
	return ferror(f) ? -EIO : 0;
}
