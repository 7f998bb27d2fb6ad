// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The page walk: for every range of every pgmap, stream the struct pages
 * of the pfns that have an initialised memmap (altmap pfns skipped) in
 * 2 MiB reads, and check each against the pgmap (kernel-spec §4.2 I6-I10).
 *
 * Memory is bounded by one batch.  A failed batch is re-read 4 KiB at a
 * time; what stays unreadable becomes MEMMAP_NOT_CAPTURED runs, never a
 * violation.  In a compound page whose vmemmap pages share frames (device
 * -dax dedup, §5.4) a frame already checked for this compound is skipped,
 * so a corrupted shared tail is one finding about its frame.
 *
 * Where vmemmap pages hold whole struct pages, the frames come from one
 * page-table walk per window of 32768 vmemmap pages, and the struct pages
 * are read by physical address, a run of consecutive frames at once; an
 * aliased vmemmap page is accounted whole from its frame's verdict.  So a
 * 1 GiB compound costs its 2 frames and 4096 steps, not 262144 struct
 * pages.  Nothing here can run long on garbage: the walk is clipped to the
 * window (a hole is one entry), and every loop is bounded by the batch.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "codes.h"
#include "findings.h"
#include "holders.h"
#include "model.h"
#include "pages.h"
#include "progress.h"
#include "read.h"
#include "registry.h"
#include "vmemmap.h"

#define BATCH_PAGES	32768u		/* 2 MiB of 64-byte struct pages */
#define MAX_SEEN	8
#define WIN_VPAGES	32768u		/* 128 MiB of vmemmap, 384 KiB of frames */

struct head_state {
	uint64_t pfn;
	uint64_t pgmap;
	bool valid;
};

struct walk {
	struct li_ctx *c;
	const struct li_model *m;
	struct li_pgmap *g;
	const struct li_range *rg;
	uint64_t n;			/* pages per compound */
	uint64_t vpages;		/* vmemmap pages per compound */
	bool dedup_skip;		/* skip frames already checked */
	uint8_t *buf;
	uint8_t *ok;			/* per struct page: read */
	/*
	 * Per vmemmap page of the batch: an alias (when nr_skip), its struct
	 * pages all skipped.  Per page, not per struct page: marking 64 bytes
	 * a page was the walk's costliest store.
	 */
	uint8_t *skip;
	/*
	 * Per vmemmap page of the batch that is an alias: the batch's vmemmap
	 * page holding its frame's first copy (>= 0), or -1 - j for seen[j]
	 * of a compound that began in an earlier batch.
	 */
	int32_t *alias_of;
	uint32_t nr_skip;		/* vmemmap pages marked in skip */
	/*
	 * The batch's vmemmap pages as one page-table walk saw them (when
	 * have_frames): the frame of each, or why it has none.  The aliases
	 * are marked and the struct pages read by physical address from it.
	 */
	bool have_frames;
	uint64_t fr_va;			/* vmemmap page 0 of fr[] */
	uint64_t *fr;			/* into the window below */
	int *fr_err;			/* 0: mapped; -EFAULT: not; else -errno */
	/*
	 * The frames of up to WIN_VPAGES vmemmap pages from win_va, from one
	 * walk: the upper tables are read once per window, not per batch.
	 */
	bool win_ok;
	uint64_t win_va, win_end;
	uint64_t *win_fr;
	int *win_err;
	/*
	 * The vmemmap accounting of the range (NULL: none), fed by the same
	 * window walks: one pass over the range's page tables, not two.
	 */
	struct li_vacct *acct;
	int acct_err;
	/* the compound being walked */
	struct head_state head;
	uint64_t seen[MAX_SEEN];
	int32_t seen_v[MAX_SEEN];	/* its first vmemmap page in this batch */
	bool seen_bad[MAX_SEEN];	/* that page was not readable */
	int nseen;
	uint64_t seen_head;
	/* current not-captured run */
	uint64_t nc_start, nc_count;
	int nc_err;
	int batch_err;			/* why the last batch had holes */
	uint64_t dyn_end;		/* last pfn of a 6.15+ FS_DAX folio */
	uint64_t hi;			/* last pfn walked in this range */
};

static void nc_flush(struct walk *w)
{
	if (!w->nc_count)
		return;
	li_report_add(w->c->r,
		      LI_FINDING(MEMMAP_NOT_CAPTURED, .pfn = w->nc_start,
				 .pgmap = w->g->addr, .count = w->nc_count),
		      "%llu struct pages (pfns %#llx-%#llx) %s",
		      (unsigned long long)w->nc_count,
		      (unsigned long long)w->nc_start,
		      (unsigned long long)(w->nc_start + w->nc_count - 1),
		      w->nc_err == -EFAULT ? "have no vmemmap mapping" :
		      "are not captured in the dump");
	w->nc_count = 0;
}

static void nc_add_n(struct walk *w, uint64_t pfn, uint64_t n, int err)
{
	if (w->nc_count && (w->nc_start + w->nc_count != pfn || w->nc_err != err))
		nc_flush(w);
	if (!w->nc_count) {
		w->nc_start = pfn;
		w->nc_err = err;
	}
	w->nc_count += n;
	w->g->pages_not_captured += n;
	w->c->r->pages_not_captured += n;
}

static void nc_add(struct walk *w, uint64_t pfn, int err)
{
	nc_add_n(w, pfn, 1, err);
}

/*
 * How many struct pages from pfn on lie wholly in a vmemmap hole (no
 * mapping, or a page table the dump lacks), as one page-table walk says:
 * a garbage range of terabytes, or a filtered dump, costs one step per
 * hole, not a failed read per 4 KiB.  0 if pfn's struct page is mapped.
 */
static uint64_t hole_pfns(struct walk *w, uint64_t pfn, uint64_t hi, int *why)
{
	const uint64_t psz = w->m->page.page_size;
	uint64_t va = li_page_va(w->m, pfn), n;
	struct li_xlat x;
	int err;

	if (!w->m->mem.pgd_phys)
		return 0;
	/*
	 * Inside the window, its walk answers (the same tables, the same
	 * errors): a translation would read the batch's PTE table a second
	 * time, a decompression per 2 MiB of vmemmap in a kdump file.
	 */
	if (w->win_ok && va >= w->win_va && va < w->win_end &&
	    !(va % LI_PAGE_SIZE) && !(LI_PAGE_SIZE % psz)) {
		uint64_t v = (va - w->win_va) / LI_PAGE_SIZE, e;
		uint64_t nv = (w->win_end - w->win_va) / LI_PAGE_SIZE;

		err = w->win_err[v];
		if (err != -EFAULT && err != -ENODATA)
			return 0;
		for (e = v + 1; e < nv && w->win_err[e] == err; e++)
			;
		*why = err;
		n = (e - v) * (LI_PAGE_SIZE / psz);
		return n < hi - pfn + 1 ? n : hi - pfn + 1;
	}
	err = li_xlat(&w->c->pg, va, &x);
	if ((err && err != -ENODATA) || (!err && x.level))
		return 0;
	*why = err ? err : -EFAULT;
	n = ((x.hole_end ? x.hole_end : UINT64_MAX) - va) / psz;
	return n < hi - pfn + 1 ? n : hi - pfn + 1;
}

static int frame_entry(void *arg, const struct li_pt_entry *e)
{
	struct walk *w = arg;

	if (w->acct && (w->acct_err = li_vacct_feed(w->acct, e)))
		return w->acct_err;

	/* [va, end) lies in the walked span, which is 4 KiB aligned */
	uint32_t v0 = (e->va - w->win_va) / LI_PAGE_SIZE;
	uint32_t v1 = (e->end - w->win_va) / LI_PAGE_SIZE;
	int err = e->kind == LI_PT_LEAF ? 0 : e->err ? e->err : -EFAULT;

	for (uint32_t v = v0; v < v1; v++) {
		w->win_fr[v] = e->kind != LI_PT_LEAF ? 0 :
			       e->same ? e->phys :
			       e->phys + (uint64_t)(v - v0) * LI_PAGE_SIZE;
		w->win_err[v] = err;
	}
	return 0;
}

/*
 * The frames behind the vmemmap of [pfn, pfn + cnt): one walk of the page
 * tables for the whole batch instead of a translation per vmemmap page.
 * Only where vmemmap pages hold whole struct pages (else the old path).
 * The walk feeds the accounting too, after what lies before the window
 * (holes the page walk skipped, pfns it does not walk).  0, or the
 * accounting's error.
 */
static int load_frames(struct walk *w, uint64_t pfn, uint32_t cnt, uint64_t hi)
{
	const uint64_t psz = w->m->page.page_size;
	uint64_t va = li_page_va(w->m, pfn), off;
	uint64_t end = (va + cnt * psz + LI_PAGE_SIZE - 1) & ~(LI_PAGE_SIZE - 1);
	const struct li_pt_visitor v = { .entry = frame_entry, .arg = w,
					 .runs = true };

	w->have_frames = false;
	if (!w->m->mem.pgd_phys || va % LI_PAGE_SIZE || LI_PAGE_SIZE % psz)
		return 0;
	if (!w->win_ok || va < w->win_va || end > w->win_end) {
		/* up to the walk's last struct page (and the two after it) */
		uint64_t lim = (li_page_va(w->m, hi + 3) + LI_PAGE_SIZE - 1) &
			       ~(LI_PAGE_SIZE - 1);

		w->win_ok = false;
		w->win_va = va;
		w->win_end = va + (uint64_t)WIN_VPAGES * LI_PAGE_SIZE;
		if (w->win_end > lim)
			w->win_end = lim;
		if (w->win_end < end)
			w->win_end = end;
		if (w->acct && (w->acct_err = li_vacct_fill(w->acct, w->win_va)))
			return w->acct_err;
		if (li_pt_walk(&w->c->pg, w->c->pg.root, w->win_va, w->win_end,
			       LI_PT_KERNEL, &v))
			return w->acct_err;
		w->win_ok = true;
	}
	off = (va - w->win_va) / LI_PAGE_SIZE;
	w->fr = w->win_fr + off;
	w->fr_err = w->win_err + off;
	w->fr_va = va;
	w->have_frames = true;
	return 0;
}

/* One vmemmap page by its frame; a target without physical reads, by va. */
static int read_vpage(struct walk *w, uint32_t v, uint8_t *buf)
{
	int err = w->fr_err[v];

	if (!err)
		err = li_read(w->c, LI_PHYSADDR, w->fr[v], buf, LI_PAGE_SIZE);
	if (err && err != -ENODATA && err != -EFAULT)
		err = li_read(w->c, LI_KVADDR, w->fr_va + v * LI_PAGE_SIZE, buf,
			      LI_PAGE_SIZE);
	return err;
}

/*
 * Vmemmap pages [v0, v1) of the batch, by physical address: runs of
 * consecutive frames in one read each; a run that fails is read again a
 * page at a time, and a lost page loses its struct pages (as read_span).
 */
static void read_frames(struct walk *w, uint32_t v0, uint32_t v1, uint32_t cnt,
			int errs[2])
{
	const uint32_t per = LI_PAGE_SIZE / w->m->page.page_size;

	for (uint32_t v = v0, e; v < v1; v = e) {
		bool ok = false;

		/* a page without a frame is a run of its own: read_vpage() says why */
		for (e = v + 1; e < v1 && !w->fr_err[v] && !w->fr_err[e] &&
		     w->fr[e] == w->fr[v] + (uint64_t)(e - v) * LI_PAGE_SIZE; e++)
			;
		if (v * per < cnt)
			memset(w->ok + v * per, 1,
			       (e * per < cnt ? e * per : cnt) - v * per);
		if (!w->fr_err[v])
			ok = !li_read(w->c, LI_PHYSADDR, w->fr[v],
				      w->buf + (uint64_t)v * LI_PAGE_SIZE,
				      (uint64_t)(e - v) * LI_PAGE_SIZE);
		for (uint32_t u = v; u < e && !ok; u++) {
			int err = read_vpage(w, u, w->buf + (uint64_t)u * LI_PAGE_SIZE);

			if (!err)
				continue;
			for (uint32_t i = u * per; i < (u + 1) * per && i < cnt; i++)
				w->ok[i] = 0;
			errs[err == -EFAULT] = err;
		}
	}
}

/*
 * Read [a, end) of the batch starting at va; on failure retry each 4 KiB
 * vmemmap page to mark holes (every struct page touching a lost page).
 */
static void read_span(struct walk *w, uint64_t va, uint64_t a, uint64_t end,
		      uint32_t cnt, int errs[2])
{
	const uint64_t psz = w->m->page.page_size;

	if (a >= end || !li_read(w->c, LI_KVADDR, a, w->buf + (a - va), end - a))
		return;
	while (a < end) {
		uint64_t next = (a & ~(LI_PAGE_SIZE - 1)) + LI_PAGE_SIZE;
		int err;

		if (next > end)
			next = end;
		err = li_read(w->c, LI_KVADDR, a, w->buf + (a - va), next - a);
		if (err) {
			uint64_t i0 = (a - va) / psz, i1 = (next - va - 1) / psz;

			for (uint64_t i = i0; i <= i1 && i < cnt; i++)
				w->ok[i] = 0;
			errs[err == -EFAULT] = err;
		}
		a = next;
	}
}

/*
 * Read a batch, skipping the vmemmap pages whose struct pages are all
 * aliases of frames already checked (mark_aliases(), first cnt_marked of
 * them): of a 1 GiB compound's 4096 vmemmap pages two are read, not all.
 * The skipped struct pages are never looked at, only counted.
 */
static void read_batch(struct walk *w, uint64_t pfn, uint32_t cnt,
		       uint32_t cnt_marked)
{
	const uint64_t psz = w->m->page.page_size;
	uint64_t va = li_page_va(w->m, pfn), end = va + cnt * psz, run = va;
	int errs[2] = { 0, 0 };

	if (w->have_frames) {
		/*
		 * ok[] of the pages read (read_frames()): an alias's struct
		 * pages are never looked at, and a memset of the whole batch
		 * was a tenth of a run over 1G compounds.
		 */
		uint32_t per = LI_PAGE_SIZE / psz, nv = (cnt + per - 1) / per, r = 0;

		for (uint32_t v = 0; v < nv; v++) {
			uint32_t end = v * per + per < cnt ? v * per + per : cnt;

			/* an alias: all its struct pages marked (mark_aliases()) */
			if (end <= cnt_marked && w->nr_skip && w->skip[v]) {
				if (r < v)
					read_frames(w, r, v, cnt, errs);
				r = v + 1;
			}
		}
		if (r < nv)
			read_frames(w, r, nv, cnt, errs);
		w->batch_err = errs[1] ? errs[1] : errs[0] ? errs[0] : -ENODATA;
		return;
	}
	memset(w->ok, 1, cnt);
	if (w->nr_skip && !(va % LI_PAGE_SIZE) && !(LI_PAGE_SIZE % psz)) {
		uint32_t per = LI_PAGE_SIZE / psz;

		for (uint64_t a = va; a < end; a += LI_PAGE_SIZE) {
			uint32_t i0 = (a - va) / psz, i;
			bool need = false;

			for (i = i0; i < i0 + per && i < cnt && !need; i++)
				need = i >= cnt_marked || !w->skip[i / per];
			if (need)
				continue;
			read_span(w, va, run, a, cnt, errs);
			run = a + LI_PAGE_SIZE;
		}
	}
	read_span(w, va, run, end, cnt, errs);
	w->batch_err = errs[1] ? errs[1] : errs[0] ? errs[0] : -ENODATA;
}

/* Frames of the batch's vmemmap pages; mark struct pages of repeated frames. */
static void mark_aliases(struct walk *w, uint64_t pfn, uint32_t cnt)
{
	const uint64_t psz = w->m->page.page_size;
	uint64_t va0 = li_page_va(w->m, pfn);
	uint32_t per = LI_PAGE_SIZE / psz;
	/* the page before was an alias of this frame, to this source */
	bool last_ok = false;
	uint64_t last_phys = 0;
	int32_t last_src = 0;

	w->nr_skip = 0;
	for (int i = 0; i < w->nseen; i++)
		w->seen_v[i] = -1;	/* seen in an earlier batch */
	if (!w->dedup_skip || va0 % LI_PAGE_SIZE)
		return;
	memset(w->skip, 0, (cnt + per - 1) / per);
	for (uint32_t v = 0; v * per < cnt; v++) {
		uint64_t first = pfn + (uint64_t)v * per;
		uint64_t head = w->rg->first_pfn +
				((first - w->rg->first_pfn) & ~(w->n - 1));
		struct li_xlat x = { 0 };
		int seen = -1;

		if (w->have_frames) {
			if (w->fr_err[v])
				continue;
			x.phys = w->fr[v];
		} else if (li_xlat(&w->c->pg, va0 + v * LI_PAGE_SIZE, &x) || !x.level) {
			continue;
		}
		if (head != w->seen_head) {
			w->seen_head = head;
			w->nseen = 0;
			last_ok = false;
		}
		/* a shared tail repeats the frame: the answer just given */
		if (last_ok && x.phys == last_phys) {
			seen = 0;
		} else {
			for (int i = 0; i < w->nseen && seen < 0; i++)
				if (w->seen[i] == x.phys)
					seen = i;
			if (seen >= 0) {
				last_ok = true;
				last_phys = x.phys;
				last_src = w->seen_v[seen] >= 0 ? w->seen_v[seen] :
					   -1 - seen;
			}
		}
		if (seen >= 0) {
			/* and the same frame after it, up to the compound's end */
			uint64_t vend = (head + w->n - pfn + per - 1) / per;

			if (vend > (cnt + per - 1) / per)
				vend = (cnt + per - 1) / per;
			for (;;) {
				w->skip[v] = 1;
				w->alias_of[v] = last_src;
				w->nr_skip++;
				if (!w->have_frames || v + 1 >= vend ||
				    w->fr_err[v + 1] || w->fr[v + 1] != x.phys)
					break;
				v++;
			}
			continue;
		}
		if (w->nseen < MAX_SEEN) {
			w->seen_v[w->nseen] = (int32_t)v;
			w->seen_bad[w->nseen] = false;
			w->seen[w->nseen++] = x.phys;
		}
	}
}

/*
 * A finding on a page in a shared vmemmap frame names the frame and how
 * often the compound maps it.  Counting the aliases walks the compound's
 * vmemmap, so only for a finding that will be stored.  Returns a.
 */
static const struct li_finding_args *shared_frame(struct walk *w,
						  struct li_finding_args *a)
{
	uint64_t head_va;
	struct li_xlat x;

	a->frame = a->aliases = 0;
	if (!li_report_stores(w->c->r, a->code) || w->vpages < 2 ||
	    li_xlat(&w->c->pg, a->page, &x) || !x.level)
		return a;
	head_va = li_page_va(w->m, w->head.pfn) & ~(LI_PAGE_SIZE - 1);
	a->aliases = li_frame_aliases(w->c, head_va, w->vpages, x.phys);
	if (a->aliases > 1)
		a->frame = x.phys;
	else
		a->aliases = 0;
	return a;
}

static int order_of(const struct walk *w, const uint8_t *head)
{
	const struct li_model *m = w->m;

	if (m->page.order_loc == LI_ORDER_NONE)
		return -1;
	return head[m->page.off_order];
}

static bool referenced(const struct walk *w, int32_t ref)
{
	return ref > w->c->m->rules.idle_ref[w->g->mtype];
}

/* pgmap pointer of a head or order-0 page against the pgmap walked. */
static void check_pgmap_ptr(struct walk *w, uint64_t pfn, uint64_t va,
			    uint64_t ptr, int32_t ref)
{
	struct li_report *r = w->c->r;
	int other;

	if (ptr == w->g->addr)
		return;
	other = li_pgmap_lookup(r, ptr);
	if (other >= 0)
		li_report_add(r,
			      LI_FINDING(PGMAP_RANGE, .pfn = pfn, .page = va,
					 .pgmap = w->g->addr),
			      "page names pgmap %#llx which does not cover it (refcount %d)",
			      (unsigned long long)ptr, ref);
	else
		li_report_add(r,
			      LI_FINDING(PGMAP_DANGLING, .pfn = pfn, .page = va,
					 .pgmap = w->g->addr),
			      "page names %#llx, not a registered dev_pagemap (refcount %d)",
			      (unsigned long long)ptr, ref);
}

/*
 * 6.15+: FS_DAX pages become compound folios while a PMD/PUD DAX entry
 * maps them (dax_folio_init(), kernel-spec S5): follow such a folio's
 * tails as a compound of its own order.
 */
static bool dynamic_folio(struct walk *w, uint64_t pfn, const uint8_t *p,
			  bool have_next)
{
	int order = have_next ? order_of(w, p) : -1;

	if (!w->m->page.pgmap_in_folio || w->g->mtype != LI_MT_FS_DAX ||
	    order < 1 || order > LI_MAX_VMEMMAP_SHIFT)
		return false;
	w->dyn_end = pfn + (1ULL << order) - 1;
	return true;
}

static void check_head(struct walk *w, uint64_t pfn, const uint8_t *p,
		       bool have_next)
{
	const struct li_model *m = w->m;
	struct li_report *r = w->c->r;
	uint64_t va = li_page_va(m, pfn), flags = li_get_u64(p, m->page.off_flags);
	uint64_t pgmap = li_get_u64(p, m->page.off_pgmap);
	int32_t ref = (int32_t)li_get_u32(p, m->page.off_refcount);
	int idle = m->rules.idle_ref[w->g->mtype];

	w->head = (struct head_state){ pfn, pgmap, true };
	check_pgmap_ptr(w, pfn, va, pgmap, ref);
	if (ref < idle)
		li_report_add(r,
			      LI_FINDING(REFCOUNT_BELOW_IDLE, .pfn = pfn,
					 .page = va, .pgmap = w->g->addr),
			      "refcount %d < idle %d for %s", ref, idle,
			      li_mtype_name(w->g->mtype));
	if (referenced(w, ref)) {
		w->g->pages_referenced++;
		if (w->g->ref_dead || w->g->ref_exited)
			li_report_add(r,
				      LI_FINDING(PGMAP_REF_DEAD, .pfn = pfn,
						 .page = va,
						 .pgmap = w->g->addr),
				      "refcount %d but the pgmap's percpu_ref is %s (count %lld)",
				      ref, w->g->ref_exited ? "exited" : "dead",
				      (long long)w->g->ref_count);
		else if (w->g->mtype == LI_MT_PRIVATE ||
			 w->g->mtype == LI_MT_COHERENT)
			li_leak_note(w->c, pfn, w->n, w->g->addr, ref, idle);
	}
	if (w->n == 1) {
		if ((flags & m->pflags.pg_head_mask) && !dynamic_folio(w, pfn, p, have_next))
			li_report_add(r,
				      LI_FINDING(HEAD_ORDER_MISMATCH,
						 .pfn = pfn, .page = va,
						 .pgmap = w->g->addr),
				      "PG_head set but vmemmap_shift is 0");
		return;
	}
	if (!(flags & m->pflags.pg_head_mask)) {
		li_report_add(r,
			      LI_FINDING(HEAD_ORDER_MISMATCH, .pfn = pfn,
					 .page = va, .pgmap = w->g->addr),
			      "PG_head clear on a compound head (vmemmap_shift %llu)",
			      (unsigned long long)w->g->vmemmap_shift);
		return;
	}
	if (have_next) {
		int order = order_of(w, p);
		uint32_t nr = m->page.has_nr_pages ?
			      li_get_u32(p, m->page.off_nr_pages) : (uint32_t)w->n;

		/* one finding per head, whichever of order / nr_pages is off */
		if ((order >= 0 && (uint64_t)order != w->g->vmemmap_shift) || nr != w->n)
			li_report_add(r,
				      LI_FINDING(HEAD_ORDER_MISMATCH,
						 .pfn = pfn, .page = va,
						 .pgmap = w->g->addr),
				      "order %d, nr_pages %u; vmemmap_shift %llu",
				      order, nr, (unsigned long long)w->g->vmemmap_shift);
		if (m->page.has_pincount) {
			int32_t pins = (int32_t)li_get_u32(p, m->page.off_pincount);

			if (pins > 0 && (int64_t)pins > (int64_t)ref - idle)
				li_report_add(r,
					      LI_FINDING(PINCOUNT_EXCEEDS_REFCOUNT,
							 .pfn = pfn, .page = va,
							 .pgmap = w->g->addr),
					      "pincount %d > refcount %d - idle %d",
					      pins, ref, idle);
		}
	}
}

static void check_tail(struct walk *w, uint64_t pfn, const uint8_t *p)
{
	const struct li_model *m = w->m;
	struct li_report *r = w->c->r;
	uint64_t va = li_page_va(m, pfn), head_va = li_page_va(m, w->head.pfn);
	uint64_t ch = li_get_u64(p, m->page.off_head);
	int32_t ref = (int32_t)li_get_u32(p, m->page.off_refcount);
	/* both forms keep bit 0 set on a tail (7.x set_compound_head()) */
	bool ok_head = m->page.head_is_mask ? (ch & 1) && (va & ch) == head_va :
		       ch == (head_va | 1);
	struct li_finding_args at = { .pfn = pfn, .page = va,
				      .pgmap = w->g->addr };

	if (!ok_head) {
		at.code = LI_CODE_TAIL_HEAD_MISMATCH;
		li_report_add(r, shared_frame(w, &at),
			      "compound_head %#llx, head is %#llx",
			      (unsigned long long)ch,
			      (unsigned long long)head_va);
	}
	if (ref) {
		at.code = LI_CODE_TAIL_REFCOUNT;
		li_report_add(r, shared_frame(w, &at),
			      "tail refcount %d (head pfn %#llx)", ref,
			      (unsigned long long)w->head.pfn);
	}
	if (li_get_u64(p, m->page.off_flags) & m->pflags.pg_head_mask) {
		at.code = LI_CODE_HEAD_ORDER_MISMATCH;
		li_report_add(r, shared_frame(w, &at),
			      "PG_head set on tail %llu of head pfn %#llx",
			      (unsigned long long)(pfn - w->head.pfn),
			      (unsigned long long)w->head.pfn);
	}
}

static void check_one(struct walk *w, uint64_t pfn, const uint8_t *p,
		      bool have_next)
{
	const struct li_model *m = w->m;
	uint64_t flags = li_get_u64(p, m->page.off_flags), off;
	int zone = li_page_zone(m, flags);

	if (zone != m->pflags.zone_device) {
		struct li_finding_args at = {
			.code = LI_CODE_ZONE_MISMATCH, .pfn = pfn,
			.page = li_page_va(m, pfn), .pgmap = w->g->addr,
		};

		li_report_add(w->c->r, w->n > 1 ? shared_frame(w, &at) : &at,
			      "zone %d, ZONE_DEVICE is %lld (flags %#llx)",
			      zone, (long long)m->pflags.zone_device,
			      (unsigned long long)flags);
	}
	off = (pfn - w->rg->first_pfn) & (w->n - 1);
	if (w->dyn_end && pfn <= w->dyn_end && pfn != w->head.pfn)
		check_tail(w, pfn, p);
	else if (!off)
		check_head(w, pfn, p, have_next);
	else
		check_tail(w, pfn, p);
}

/* The head of a compound that starts before the walked pfns (--pfn). */
static void load_head(struct walk *w, uint64_t head_pfn)
{
	uint64_t pgmap = 0;

	li_read_u64(w->c, li_page_va(w->m, head_pfn) + w->m->page.off_pgmap, &pgmap);
	w->head = (struct head_state){ head_pfn, pgmap, true };
}

/*
 * Vmemmap page v of a batch of cnt struct pages is an alias read_batch()
 * did not read: marked, and wholly in the batch.  Its ok[] is not set.
 */
static bool unread_alias(const struct walk *w, uint32_t v, uint32_t per,
			 uint32_t cnt)
{
	return w->nr_skip && w->skip[v] && (uint64_t)(v + 1) * per <= cnt;
}

/* Struct page i of the batch was read (an unread alias needs no read). */
static bool read_ok(const struct walk *w, uint32_t i, uint32_t per,
		    uint32_t cnt)
{
	return (i < cnt && unread_alias(w, i / per, per, cnt)) || w->ok[i];
}

static int walk_batch(struct walk *w, uint64_t pfn, uint32_t cnt)
{
	const uint64_t psz = w->m->page.page_size;
	/* page[1] and page[2] of a head must be in the buffer */
	uint32_t extra = pfn + cnt <= w->rg->end_pfn - 2 ? 2 : 0;
	/* struct pages per vmemmap page: a power of 2 where aliases are marked */
	const uint32_t per = psz <= LI_PAGE_SIZE ? LI_PAGE_SIZE / psz : 1;
	const int vshift = __builtin_ctz(per);
	bool prev_bad[MAX_SEEN];
	int err;

	/* the verdicts on frames of earlier batches, before marking reuses seen[] */
	memcpy(prev_bad, w->seen_bad, sizeof(prev_bad));
	/* aliases first: the frames they name are not read again */
	err = load_frames(w, pfn, cnt + extra, w->hi);
	if (err)
		return err;
	mark_aliases(w, pfn, cnt);
	read_batch(w, pfn, cnt + extra, cnt);
	/*
	 * An alias of a frame the dump lacks is not captured either.  seen_bad
	 * carries the verdict on the last compound's frames into the next
	 * batch, where that compound goes on; alias_of[] answers for the rest.
	 */
	for (int j = 0; j < w->nseen; j++)
		if (w->seen_v[j] >= 0)
			w->seen_bad[j] = !w->ok[(uint64_t)w->seen_v[j] *
						(LI_PAGE_SIZE / psz)];
	for (uint32_t i = 0; i < cnt; i++) {
		uint64_t p = pfn + i;
		uint64_t head = w->rg->first_pfn +
				((p - w->rg->first_pfn) & ~(w->n - 1));

		if (!unread_alias(w, i >> vshift, per, cnt) && !w->ok[i]) {
			nc_add(w, p, w->batch_err);
			continue;
		}
		if (w->nr_skip && w->skip[i >> vshift]) {
			/*
			 * The rest of an aliased vmemmap page at once (all
			 * marked), and the unread aliases of the same frame
			 * after it: its verdict answers for every struct page
			 * in them.
			 */
			uint32_t v = i >> vshift, e = v + 1, k;
			int32_t src = w->alias_of[v];

			while (unread_alias(w, e, per, cnt) && w->alias_of[e] == src)
				e++;
			k = e * per - i;
			if (k > cnt - i)
				k = cnt - i;
			if (src >= 0 ? !w->ok[(uint64_t)src * per] : prev_bad[-1 - src]) {
				nc_add_n(w, p, k, w->nc_count ? w->nc_err : -ENODATA);
			} else {
				if (w->nc_count)
					nc_flush(w);
				w->g->pages_aliased += k;
				w->c->r->pages_aliased += k;
			}
			i += k - 1;
			continue;
		}
		if (w->nc_count)
			nc_flush(w);
		if (head != p && (!w->head.valid || w->head.pfn != head))
			load_head(w, head);
		check_one(w, p, w->buf + i * psz,
			  i + 2 < cnt + extra && read_ok(w, i + 1, per, cnt) &&
			  read_ok(w, i + 2, per, cnt));
		w->g->pages_checked++;
		w->c->r->pages_checked++;
	}
	return 0;
}

static int walk_range(struct walk *w, uint64_t lo, uint64_t hi)
{
	struct li_ctx *c = w->c;
	int err;

	for (uint64_t pfn = lo; pfn <= hi;) {
		/* batches aligned to first_pfn so compound heads start them */
		uint64_t in = (pfn - w->rg->first_pfn) % BATCH_PAGES;
		uint64_t cnt = BATCH_PAGES - in;

		uint64_t holes;
		int why;

		if (cnt > hi - pfn + 1)
			cnt = hi - pfn + 1;
		holes = hole_pfns(w, pfn, hi, &why);
		if (holes) {
			nc_add_n(w, pfn, holes, why);
			cnt = holes;
		} else {
			err = walk_batch(w, pfn, (uint32_t)cnt);
			if (err)
				return err;
		}
		pfn += cnt;
		c->progress_done += cnt;
		err = li_progress(c, "pages", c->progress_done, c->progress_total);
		if (err)
			return err;
	}
	nc_flush(w);
	return 0;
}

static bool pfn_filter(const struct li_options *o, uint64_t *lo, uint64_t *hi)
{
	if (!o->pfn_start && !o->pfn_end)
		return true;
	if (*lo < o->pfn_start)
		*lo = o->pfn_start;
	if (*hi > o->pfn_end)
		*hi = o->pfn_end;
	return *lo <= *hi;
}

static int walk_pgmap(struct walk *w, size_t gi)
{
	const struct li_model *m = w->m;
	struct li_pgmap *g = &w->c->r->pgmaps[gi];
	int err;

	w->g = g;
	w->n = 1ULL << g->vmemmap_shift;
	w->vpages = w->n * m->page.page_size / LI_PAGE_SIZE;
	w->dedup_skip = w->vpages >= 2 && m->mem.pgd_phys &&
			LI_PAGE_SIZE % m->page.page_size == 0;
	for (int k = 0; k < g->nr_valid; k++) {
		uint64_t lo, hi;

		if (w->acct)
			li_vacct_begin(w->acct, gi, k);
		w->rg = &g->ranges[k];
		lo = w->rg->first_pfn;
		hi = w->rg->end_pfn;
		g->pages_uninit += w->rg->first_pfn - w->rg->start_pfn;
		w->head.valid = false;
		w->dyn_end = 0;
		w->seen_head = UINT64_MAX;
		if (lo <= hi && pfn_filter(w->c->opts, &lo, &hi)) {
			w->hi = hi;
			w->win_ok = false;
			err = walk_range(w, lo, hi);
			if (err)
				return err;
		}
		/* what the walk's windows did not cover, and the verdicts */
		if (w->acct && (err = li_vacct_end(w->acct)))
			return err;
	}
	return 0;
}

int li_walk_pages(struct li_ctx *c)
{
	struct walk w = { .c = c, .m = c->m };
	size_t nv;
	int err = 0;

	if (!c->m->page.page_size)
		return -EINVAL;
	/* whole vmemmap pages: read_frames() reads the batch's last one whole */
	nv = (BATCH_PAGES + 2) * c->m->page.page_size / LI_PAGE_SIZE + 2;
	w.buf = malloc(nv * LI_PAGE_SIZE);
	w.ok = malloc(BATCH_PAGES + 2);
	w.skip = malloc(BATCH_PAGES + 2);
	w.alias_of = malloc(nv * sizeof(*w.alias_of));
	/* a window holds at least a batch (batches of 64-byte pages or less) */
	nv = nv > WIN_VPAGES ? nv : WIN_VPAGES;
	w.win_fr = malloc(nv * sizeof(*w.win_fr));
	w.win_err = malloc(nv * sizeof(*w.win_err));
	if (!w.buf || !w.ok || !w.skip || !w.alias_of || !w.win_fr || !w.win_err) {
		err = -ENOMEM;
		goto out;
	}
	c->progress_total = 0;
	for (size_t i = 0; i < c->r->nr_pgmaps; i++)
		for (int k = 0; k < c->r->pgmaps[i].nr_valid; k++)
			c->progress_total += c->r->pgmaps[i].ranges[k].end_pfn + 1 -
					     c->r->pgmaps[i].ranges[k].first_pfn;
	err = li_vacct_open(c, &w.acct);
	for (size_t i = 0; i < c->r->nr_pgmaps && !err; i++) {
		struct li_pgmap *g = &c->r->pgmaps[i];

		if (c->opts->pgmap && c->opts->pgmap != g->addr)
			continue;
		if (g->readable)
			err = walk_pgmap(&w, i);
		else if (w.acct)
			err = li_vacct_pgmap(w.acct, i);
	}
	li_vacct_close(w.acct, err);
out:
	free(w.buf);
	free(w.ok);
	free(w.skip);
	free(w.alias_of);
	free(w.win_fr);
	free(w.win_err);
	return err;
}
