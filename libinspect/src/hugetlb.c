// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * HugeTLB Vmemmap Optimization (kernel-spec §6): for every hstate, walk
 * its active and free lists (bounded), and for each folio compare the
 * HPG_vmemmap_optimized flag in head->private with the vmemmap mapping:
 * an optimised folio keeps hvo_reserve frames (1 on 5.18+) and maps every
 * other vmemmap page read-only onto the last kept one (7.x: onto its zone's
 * shared tail frame).  Fake heads (the struct pages at 64*k that alias the
 * head, 5.18 - 7.0) are resolved through page[1].compound_head and counted;
 * 7.x tails hold a mask, not a head pointer, so there are none.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "codes.h"
#include "findings.h"
#include "hugetlb.h"
#include "progress.h"
#include "read.h"
#include "u64set.h"

struct hwalk {
	struct li_ctx *c;
	struct li_vmem_row *row;
	uint64_t budget;
	struct li_u64set frames;	/* distinct vmemmap frames of the row */
	struct li_u64set zones;		/* zones with a shared tail frame (7.x) */
	struct li_u64set visited;	/* list nodes of the hstate: cycles */
};

/* The walk of this hstate stops here; nothing is judged on its totals. */
static void list_stop(struct hwalk *w, enum li_code code, uint64_t head,
		      uint64_t at, const char *why)
{
	w->row->complete = false;
	li_report_add(w->c->r,
		      &(const struct li_finding_args){ .code = code, .page = at },
		      "hugetlb list %#llx: %s at %#llx",
		      (unsigned long long)head, why, (unsigned long long)at);
}

/* Fake heads: aliases of the head that look like heads (PG_head set). */
static uint64_t resolve_fake_heads(struct li_ctx *c, uint64_t head_va,
				   uint64_t vpages)
{
	const struct li_model *m = c->m;
	uint64_t n = 0;

	for (uint64_t k = 1; k < vpages; k++) {
		uint64_t fake = head_va + k * LI_PAGE_SIZE, flags, ch;

		if (li_read_u64(c, fake + m->page.off_flags, &flags) ||
		    !(flags & m->pflags.pg_head_mask) ||
		    li_read_u64(c, fake + m->page.page_size + m->page.off_head, &ch))
			continue;
		/* page_fixed_fake_head(): page[1] names another head */
		if ((ch & 1) && ch - 1 != fake && ch - 1 == head_va)
			n++;
	}
	return n;
}

/*
 * One folio.  Its vmemmap pages past the hvo_reserve kept ones must, when
 * HPG_vmemmap_optimized is set, all map one read-only 4 KiB frame: the last
 * kept one (5.18 - 7.0), or on 7.x (struct zone has vmemmap_tails) a tail
 * frame the zone shares across all its HVO folios of that order.  Frames are
 * therefore counted distinct across the hstate (w->frames), not per folio.
 */
static bool check_folio(struct hwalk *w, uint64_t head_va, int order)
{
	struct li_ctx *c = w->c;
	const struct li_model *m = c->m;
	uint64_t vpages = ((1ULL << order) * m->page.page_size) / LI_PAGE_SIZE;
	uint64_t pfn = (head_va - m->mem.vmemmap_base) / m->page.page_size;
	uint64_t priv = 0, keep = 0, frames = 0, fake = 0, prev = UINT64_MAX;
	uint64_t tail = UINT64_MAX, flags;
	bool opt, aliased = false, bad = false;
	struct li_huge_folio *f;
	uint8_t hbuf[256];
	struct li_xlat x;

	/* no HVO flag, no verdict: an absent head is not a clear flag */
	if (m->page.page_size > sizeof(hbuf) ||
	    li_read(c, LI_KVADDR, head_va, hbuf, m->page.page_size))
		return false;
	priv = li_get_u64(hbuf, m->page.off_private);
	opt = priv & (1ULL << m->huge.hvo_flag_bit);
	for (uint64_t k = 0; k < vpages; k++) {
		if (li_xlat(&c->pg, head_va + k * LI_PAGE_SIZE, &x) || !x.level) {
			bad = true;
			prev = UINT64_MAX;
			continue;
		}
		if (x.phys != prev)
			frames++;	/* aliases are consecutive in both schemes */
		else
			aliased = true;
		prev = x.phys;
		if (li_set_add(&w->frames, x.phys) > 0)
			w->row->frames++;
		if (k < (uint64_t)m->huge.hvo_reserve) {
			keep = x.phys;
			if (opt && x.level != LI_PTE_4K)
				bad = true;
			continue;
		}
		if (!opt)
			continue;
		if (tail == UINT64_MAX)
			tail = x.phys;
		if (x.phys != tail || x.rw || x.level != LI_PTE_4K ||
		    (tail != keep && !m->huge.hvo_shared_tail))
			bad = true;
	}
	if (opt && bad)
		li_report_add(c->r,
			      LI_FINDING(HVO_MAPPING, .pfn = pfn,
					 .page = head_va),
			      "order-%d folio flagged HVO but its vmemmap is not aliased read-only onto one frame (%#llx)",
			      order, (unsigned long long)(tail == UINT64_MAX ? keep : tail));
	if (!opt && aliased)
		li_report_add(c->r,
			      LI_FINDING(HVO_FLAG_MISMATCH, .pfn = pfn,
					 .page = head_va),
			      "order-%d folio's vmemmap is aliased but HPG_vmemmap_optimized is clear",
			      order);
	if (opt && !m->huge.hvo_shared_tail)
		fake = resolve_fake_heads(c, head_va, vpages);
	w->row->folios++;
	w->row->optimized += opt;
	w->row->vmemmap_pages += vpages;
	w->row->predicted += opt ? (uint64_t)m->huge.hvo_reserve : vpages;
	/* 7.x: plus one shared tail frame per zone (node and zone bits) */
	if (opt && m->huge.hvo_shared_tail &&
	    !li_read_u64(c, head_va + m->page.off_flags, &flags) &&
	    li_set_add(&w->zones, (flags >> m->pflags.zones_pgshift) |
				  ((uint64_t)order << 32)) > 0)
		w->row->predicted++;
	w->row->fake_heads += fake;
	w->row->nr_pages += 1ULL << order;
	if (c->r->nr_folios < LI_MAX_HUGE_LISTED) {
		f = &c->r->folios[c->r->nr_folios++];
		*f = (struct li_huge_folio){ pfn, head_va, order, opt, vpages,
					     frames, fake };
	}
	return true;
}

/* A list_head of folios linked through page->lru (first = head->next). */
static int walk_list(struct hwalk *w, uint64_t head, uint64_t pos, int order)
{
	struct li_ctx *c = w->c;
	int err;

	/*
	 * Bounded twice: a node seen before is a cycle that misses the head
	 * (found at its first repeat, each folio counted once), and the
	 * kernel's own nr_huge_pages (+16, capped) bounds a list of garbage.
	 */
	while (pos && pos != head) {
		int seen = li_set_add(&w->visited, pos);

		if (seen < 0)
			return seen;
		if (!seen && !w->visited.full) {
			list_stop(w, LI_CODE_HUGETLB_LIST_CORRUPT, head, pos,
				  "cycle that does not return to the list head");
			return 0;
		}
		if (!w->budget--) {
			list_stop(w, LI_CODE_HUGETLB_LIST_CORRUPT, head, pos,
				  "longer than nr_huge_pages (garbage)");
			return 0;
		}
		/* a folio's lru is in its head struct page, on its boundary */
		if (pos - c->m->huge.off_lru < c->m->mem.vmemmap_base ||
		    (pos - c->m->huge.off_lru - c->m->mem.vmemmap_base) %
		    c->m->page.page_size) {
			list_stop(w, LI_CODE_HUGETLB_LIST_CORRUPT, head, pos,
				  "a link that is not the lru of a struct page");
			return 0;
		}
		if (!check_folio(w, pos - c->m->huge.off_lru, order)) {
			uint8_t b[256];

			if (li_read(c, LI_KVADDR, pos - c->m->huge.off_lru, b,
				    c->m->page.page_size <= sizeof(b) ?
				    c->m->page.page_size : sizeof(b)) == -EFAULT)
				list_stop(w, LI_CODE_HUGETLB_LIST_CORRUPT, head,
					  pos, "a link to an invalid address");
			else
				list_stop(w, LI_CODE_STRUCT_NOT_CAPTURED, head,
					  pos - c->m->huge.off_lru,
					  "a folio head not in the dump (the rest of the list is not walked)");
			return 0;
		}
		err = li_progress(c, "hugetlb", w->row->folios, 0);
		if (err)
			return err;
		err = li_read_u64(c, pos, &pos);
		if (err) {
			list_stop(w, err == -ENODATA ? LI_CODE_STRUCT_NOT_CAPTURED :
				  LI_CODE_HUGETLB_LIST_CORRUPT, head, pos,
				  err == -ENODATA ? "a link not in the dump" :
				  "an unreadable link");
			return 0;
		}
	}
	return 0;
}

static int walk_hstate(struct hwalk *w, uint64_t hs)
{
	struct li_ctx *c = w->c;
	const struct li_model *m = c->m;
	uint64_t nr, first;
	uint8_t *heads;
	uint32_t order;
	int err = 0;

	if (li_read_u32(c, hs + m->huge.hs_order, &order) || order > LI_MAX_VMEMMAP_SHIFT ||
	    li_read_u64(c, hs + m->huge.hs_nr, &nr))
		return 0;
	if (m->huge.hs_name != UINT64_MAX)
		li_read(c, LI_KVADDR, hs + m->huge.hs_name, w->row->name,
			sizeof(w->row->name) - 1);
	w->budget = nr < LI_MAX_HUGETLB_FOLIOS ? nr + 16 : LI_MAX_HUGETLB_FOLIOS;
	w->row->complete = true;
	if (!li_read_u64(c, hs + m->huge.hs_active, &first))
		err = walk_list(w, hs + m->huge.hs_active, first, (int)order);
	/* one read for all MAX_NUMNODES free lists; walk the non-empty ones */
	heads = calloc(m->huge.max_numnodes, m->huge.list_head_size);
	if (!heads)
		return -ENOMEM;
	if (!err && !li_read(c, LI_KVADDR, hs + m->huge.hs_freelists, heads,
			     m->huge.max_numnodes * m->huge.list_head_size)) {
		for (uint64_t n = 0; !err && n < m->huge.max_numnodes; n++) {
			uint64_t lh = hs + m->huge.hs_freelists + n * m->huge.list_head_size;

			memcpy(&first, heads + n * m->huge.list_head_size, 8);
			err = walk_list(w, lh, first, (int)order);
		}
	}
	free(heads);
	w->row->struct_bytes = w->row->nr_pages * m->page.page_size;
	w->row->saved_bytes = w->row->vmemmap_pages > w->row->frames ?
		(w->row->vmemmap_pages - w->row->frames) * LI_PAGE_SIZE : 0;
	return err;
}

/* I11: hugetlb_optimize_vmemmap_key counts the optimised folios (6.0+). */
static void check_hvo_key(struct li_ctx *c)
{
	struct li_report *r = c->r;
	uint64_t opt = 0;

	for (size_t i = 0; i < r->nr_huge; i++) {
		if (!r->huge[i].complete)
			return;
		opt += r->huge[i].optimized;
	}
	if (opt != r->hvo_key)
		li_report_add(r, LI_FINDING(HVO_KEY_MISMATCH),
			      "hugetlb_optimize_vmemmap_key is %llu but %llu folios are optimised",
			      (unsigned long long)r->hvo_key, (unsigned long long)opt);
}

int li_hugetlb_walk(struct li_ctx *c)
{
	const struct li_model *m = c->m;
	struct li_report *r = c->r;
	struct hwalk w = { .c = c };
	uint32_t nr_hstates, enabled;
	uint64_t key;
	int err = 0;

	if (!m->huge.has_hugetlb || !m->mem.pgd_phys ||
	    li_read_u32(c, m->huge.hugetlb_max_hstate, &nr_hstates) || nr_hstates > 8)
		return 0;
	r->huge = calloc(nr_hstates ? nr_hstates : 1, sizeof(*r->huge));
	r->folios = calloc(LI_MAX_HUGE_LISTED, sizeof(*r->folios));
	if (!r->huge || !r->folios)
		return -ENOMEM;
	/* static_key.enabled is the first word */
	if (!c->t->ops->symbol_address(c->t->ctx, "hugetlb_optimize_vmemmap_key", &key) &&
	    !li_read_u32(c, key, &enabled)) {
		r->hvo_key = enabled;
		r->has_hvo_key = true;
	}
	for (uint32_t i = 0; i < nr_hstates && !err; i++) {
		w.row = &r->huge[r->nr_huge++];
		err = walk_hstate(&w, m->huge.hstates + i * m->huge.hstate_size);
		if (w.frames.full)
			w.row->complete = false;
		li_set_reset(&w.frames);
		li_set_reset(&w.zones);
		li_set_reset(&w.visited);
	}
	r->hugetlb_done = !err;
	if (!err && r->has_hvo_key)
		check_hvo_key(c);
	return err;
}
