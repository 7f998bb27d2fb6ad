// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Vmemmap accounting (kernel-spec §5, §7): walk the kernel page tables
 * from init_top_pgt (arch.h) over the struct pages of each pgmap
 * range, count the distinct 4 KiB frames that back them and compare with
 * the frames the kernel's sharing rules predict:
 *   - device-dax compound pages with vmemmap reuse (5.19+: a pgmap, a
 *     power-of-2 struct page, no altmap; 6.5+ also more than 2 vmemmap
 *     pages per compound): 2 frames per compound (head page + first
 *     tails, every other vmemmap page aliases the second);
 *   - anything else: one frame per vmemmap page.
 * The aliased frame's own struct page must have a refcount equal to the
 * number of PTEs mapping it (1 + one get_page per reuse).
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "findings.h"
#include "progress.h"
#include "read.h"
#include "u64set.h"
#include "vmemmap.h"

uint64_t li_frame_aliases(struct li_ctx *c, uint64_t first_va,
			  uint64_t nr_vpages, uint64_t frame)
{
	uint64_t n = 0;
	struct li_xlat x;

	for (uint64_t i = 0; i < nr_vpages; i++)
		if (!li_xlat(&c->pg, first_va + i * LI_PAGE_SIZE, &x) &&
		    x.level && x.phys == frame)
			n++;
	return n;
}

bool li_pgmap_dedups(const struct li_model *m, const struct li_pgmap *g)
{
	uint64_t v = (m->page.page_size << g->vmemmap_shift) / LI_PAGE_SIZE;

	if (!m->rules.dedup_supported || !g->vmemmap_shift || g->altmap_valid ||
	    (m->page.page_size & (m->page.page_size - 1)))
		return false;
	return m->rules.dedup_needs_v_gt_2 ? v > 2 : true;
}

struct li_vacct {
	struct li_ctx *c;
	struct li_u64set all, init;
	struct li_vmem_row *row;
	const struct li_pgmap *g;
	/* the range being walked: [va0, va1), initialised from vinit */
	uint64_t va0, va1, vinit;
	uint64_t next;			/* counted up to here */
	size_t gi;			/* index of g in the report */
	int k;				/* range of g */
	bool dedup;
	uint64_t outside;		/* PMD-mapped pages outside the altmap */
	uint64_t last_all, last_init;	/* frames just added (+1, 0: none) */
	/*
	 * The compounds of a dedup'ing range, judged in the same walk: from
	 * vfirst, heads compounds of vpc vmemmap pages each; the one being
	 * walked is F0, F1, then F1 again, or bad.
	 */
	bool cmp;
	uint64_t vfirst, vpc, heads, first_pfn, n;
	int vpc_shift;
	uint64_t f0, f1, uses;
	bool bad;
};

/* Add frame unless it is the one just added (what a shared tail repeats). */
static int add_frame(struct li_u64set *s, uint64_t *last, uint64_t frame)
{
	/* the same answer as li_set_add(), which may grow (or fill) first */
	if (*last == frame + 1 && s->nr * 2 < s->cap)
		return 0;
	*last = frame + 1;
	return li_set_add(s, frame);
}

/*
 * A u32 of the memmap by the frame our page tables give (a compound of a
 * large range reads one each: no libaddrxlat translation per read), else
 * as any virtual read, whose answer it then is.
 */
static int read_u32(struct li_ctx *c, uint64_t va, uint32_t *v)
{
	struct li_xlat x;

	if (c->m->mem.pgd_phys && !li_xlat(&c->pg, va, &x) && x.level &&
	    (va & (LI_PAGE_SIZE - 1)) <= LI_PAGE_SIZE - sizeof(*v) &&
	    !li_read(c, LI_PHYSADDR, x.phys + (va & (LI_PAGE_SIZE - 1)), v, sizeof(*v)))
		return 0;
	return li_read_u32(c, va, v);
}

/* S6: the reused frame's refcount is 1 + one per extra PTE mapping it. */
static void check_shared_frame(struct li_vacct *a, uint64_t head_pfn,
			       uint64_t frame, uint64_t uses)
{
	struct li_ctx *c = a->c;
	uint64_t pfn = frame >> LI_PAGE_SHIFT;
	uint32_t ref;

	if (uses < 2 || read_u32(c, li_page_va(c->m, pfn) + c->m->page.off_refcount, &ref))
		return;
	a->row->shared_checked++;
	if ((uint64_t)(int32_t)ref != uses)
		li_report_add(c->r,
			      LI_FINDING(VMEMMAP_SHARED_REFCOUNT,
					 .pfn = head_pfn,
					 .page = li_page_va(c->m, pfn),
					 .pgmap = a->g->addr),
			      "vmemmap frame %#llx mapped %llu times has refcount %d",
			      (unsigned long long)frame,
			      (unsigned long long)uses, (int32_t)ref);
}

/* One compound of a dedup'ing pgmap: expect F0, F1, then F1 again. */
static void account_compound(struct li_vacct *a, uint64_t head_pfn, uint64_t vpages)
{
	struct li_ctx *c = a->c;
	uint64_t va = li_page_va(c->m, head_pfn), uses = 0;
	uint64_t f0 = 0, f1 = 0;
	bool bad = false;
	struct li_xlat x;

	for (uint64_t i = 0; i < vpages; i++) {
		if (li_xlat(&c->pg, va + i * LI_PAGE_SIZE, &x) || !x.level ||
		    x.level != LI_PTE_4K) {
			bad = true;	/* off the pattern: the rest cannot help */
			break;
		}
		if (i == 0)
			f0 = x.phys;
		else if (i == 1)
			f1 = x.phys;
		if (i >= 1 && x.phys == f1)
			uses++;
		else if (i >= 1)
			bad = true;
	}
	if (f0 == f1)
		bad = true;
	a->row->compounds++;
	if (bad)
		a->row->compounds_unexpected++;
	if (!bad)
		check_shared_frame(a, head_pfn, f1, uses);
}

/* Compound k is over: count it, and check its shared frame if it kept the pattern. */
static void cmp_done(struct li_vacct *a, uint64_t k)
{
	if (a->f0 == a->f1)
		a->bad = true;
	a->row->compounds++;
	if (a->bad)
		a->row->compounds_unexpected++;
	else
		check_shared_frame(a, a->first_pfn + k * a->n, a->f1, a->uses);
}

/* Vmemmap page va of the walk, mapped (level, frame) or not (level 0). */
static void cmp_page(struct li_vacct *a, uint64_t va, int level, uint64_t frame)
{
	uint64_t pos = (va - a->vfirst) / LI_PAGE_SIZE, i;

	if (va < a->vfirst || pos >= a->heads * a->vpc)
		return;
	/* vpc is a power of 2 (li_pgmap_dedups()): no division per page */
	i = pos & (a->vpc - 1);
	if (!i) {
		a->f0 = a->f1 = a->uses = 0;
		a->bad = false;
	}
	if (a->bad) {
		/* off the pattern: the rest cannot help (account_compound()) */
	} else if (level != LI_PTE_4K) {
		a->bad = true;
	} else if (!i) {
		a->f0 = frame;
	} else {
		if (i == 1)
			a->f1 = frame;
		if (frame == a->f1)
			a->uses++;
		else
			a->bad = true;
	}
	if (i == a->vpc - 1)
		cmp_done(a, pos >> a->vpc_shift);
}

/* A hole [va, end): every compound it touches is off the pattern, in O(1). */
/*
 * cmp_page() for each page of [va, end), all mapping frame by 4 KiB PTEs:
 * a compound's tail pages past its second at once (a shared tail frame is
 * one run of up to 4094 pages).
 */
static void cmp_run(struct li_vacct *a, uint64_t va, uint64_t end,
		    uint64_t frame)
{
	uint64_t lim = a->vfirst + a->heads * a->vpc * LI_PAGE_SIZE;

	if (va < a->vfirst)
		va = end > a->vfirst ? a->vfirst : end;
	if (end > lim)
		end = lim;
	while (va < end) {
		uint64_t pos = (va - a->vfirst) / LI_PAGE_SIZE;
		uint64_t i = pos & (a->vpc - 1), k;

		if (i < 2) {
			cmp_page(a, va, LI_PTE_4K, frame);
			va += LI_PAGE_SIZE;
			continue;
		}
		k = (end - va) / LI_PAGE_SIZE;
		if (k > a->vpc - i)
			k = a->vpc - i;
		if (a->bad)
			;
		else if (frame == a->f1)
			a->uses += k;
		else
			a->bad = true;
		if (i + k == a->vpc)
			cmp_done(a, pos >> a->vpc_shift);
		va += k * LI_PAGE_SIZE;
	}
}

static void cmp_hole(struct li_vacct *a, uint64_t va, uint64_t end)
{
	uint64_t lim = a->heads * a->vpc, p0, p1, k0, k1;

	if (end <= a->vfirst)
		return;
	p0 = va > a->vfirst ? (va - a->vfirst) / LI_PAGE_SIZE : 0;
	p1 = (end - a->vfirst + LI_PAGE_SIZE - 1) / LI_PAGE_SIZE;
	if (p1 > lim)
		p1 = lim;
	if (p0 >= p1)
		return;
	k0 = p0 / a->vpc;
	k1 = p1 / a->vpc;		/* compounds k0 .. k1 - 1 end in the hole */
	a->bad = true;
	a->f0 = a->f1 = 0;
	if (k1 > k0) {
		a->row->compounds += k1 - k0;
		a->row->compounds_unexpected += k1 - k0;
	}
}

/* A PMD-mapped vmemmap frame of an altmap pgmap must be in its free area. */
static bool altmap_frame_ok(const struct li_pgmap *g, uint64_t phys)
{
	uint64_t pfn = phys >> LI_PAGE_SHIFT, lo = g->alt_base_pfn + g->alt_reserve;

	return !g->altmap_valid || (pfn >= lo && pfn < lo + g->alt_free);
}

/* Progress every 65536 vmemmap pages (and cancellation with it). */
static int acct_progress(struct li_vacct *a, uint64_t va)
{
	uint64_t i = (va - a->va0) / LI_PAGE_SIZE;

	return i % 65536 ? 0 : li_progress(a->c, "vmemmap", i,
					   (a->va1 - a->va0) / LI_PAGE_SIZE);
}

/* One entry of the range's page tables: count its 4 KiB vmemmap pages. */
static int acct_entry(void *arg, const struct li_pt_entry *e)
{
	struct li_vacct *a = arg;
	struct li_vmem_row *row = a->row;
	uint64_t pages = (e->end - e->va + LI_PAGE_SIZE - 1) / LI_PAGE_SIZE;
	int err;

	if (e->kind != LI_PT_LEAF) {
		/* the whole hole at once: a garbage range costs its holes */
		if (e->err == -ENOMEM)
			return e->err;
		if ((err = acct_progress(a, e->va)))
			return err;
		row->vmemmap_pages += pages;
		row->unmapped += pages;
		if (a->cmp)
			cmp_hole(a, e->va, e->end);
		if (e->end > a->vinit)
			row->init_vmemmap_pages +=
				(e->end - (e->va > a->vinit ? e->va : a->vinit) +
				 LI_PAGE_SIZE - 1) / LI_PAGE_SIZE;
		return 0;
	}
	if (e->same) {
		/* pages all of one frame, by 4 KiB PTEs: counted at once */
		uint64_t frame = e->phys & ~(uint64_t)(LI_PAGE_SIZE - 1);
		uint64_t i0 = (e->va - a->va0) / LI_PAGE_SIZE;

		for (uint64_t i = (i0 + 65535) & ~65535ull; i < i0 + pages; i += 65536)
			if ((err = acct_progress(a, a->va0 + i * LI_PAGE_SIZE)))
				return err;
		row->vmemmap_pages += pages;
		row->pte_mapped += pages;
		err = add_frame(&a->all, &a->last_all, frame >> LI_PAGE_SHIFT);
		if (err < 0)
			return err;
		if (e->end > a->vinit) {
			row->init_vmemmap_pages +=
				(e->end - (e->va > a->vinit ? e->va : a->vinit) +
				 LI_PAGE_SIZE - 1) / LI_PAGE_SIZE;
			err = add_frame(&a->init, &a->last_init, frame >> LI_PAGE_SHIFT);
			if (err < 0)
				return err;
		}
		if (a->cmp)
			cmp_run(a, e->va, e->end, frame);
		return 0;
	}
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t va = e->va + i * LI_PAGE_SIZE, frame = e->phys + i * LI_PAGE_SIZE;

		if ((err = acct_progress(a, va)))
			return err;
		row->vmemmap_pages++;
		if (va >= a->vinit)
			row->init_vmemmap_pages++;
		if (e->level == LI_PTE_4K)
			row->pte_mapped++;
		else
			row->pmd_mapped++;
		if (e->level != LI_PTE_4K && !altmap_frame_ok(a->g, frame))
			a->outside++;
		err = add_frame(&a->all, &a->last_all, frame >> LI_PAGE_SHIFT);
		if (err < 0)
			return err;
		if (va >= a->vinit &&
		    (err = add_frame(&a->init, &a->last_init, frame >> LI_PAGE_SHIFT)) < 0)
			return err;
		if (a->cmp)
			cmp_page(a, va, e->level, frame);
	}
	return 0;
}

/*
 * Range k of pgmap gi: the row, and the state its entries are counted into
 * (li_vacct_feed(), li_vacct_fill()) until li_vacct_end().
 */
void li_vacct_begin(struct li_vacct *a, size_t gi, int k)
{
	const struct li_pgmap *g = &a->c->r->pgmaps[gi];
	const struct li_model *m = a->c->m;
	const struct li_range *r = &g->ranges[k];
	struct li_vmem_row *row = &a->c->r->vmem[a->c->r->nr_vmem++];
	uint64_t n = 1ULL << g->vmemmap_shift;
	uint64_t vpc = n * m->page.page_size / LI_PAGE_SIZE;

	a->g = g;
	a->gi = gi;
	a->k = k;
	a->row = row;
	row->pgmap = g->addr;
	row->range = k;
	row->start_pfn = r->start_pfn;
	row->end_pfn = r->end_pfn;
	row->init_start_pfn = r->first_pfn;
	row->nr_pages = r->end_pfn + 1 - r->start_pfn;
	row->struct_bytes = row->nr_pages * m->page.page_size;
	row->complete = true;
	li_set_reset(&a->all);
	li_set_reset(&a->init);
	a->va0 = li_page_va(m, r->start_pfn) & ~(LI_PAGE_SIZE - 1);
	a->va1 = li_page_va(m, r->end_pfn + 1);
	a->next = a->va0;
	a->vinit = li_page_va(m, r->first_pfn) & ~(LI_PAGE_SIZE - 1);
	a->outside = 0;
	a->last_all = a->last_init = 0;
	/* compounds on whole vmemmap pages are judged during the walk */
	a->dedup = li_pgmap_dedups(m, g);
	a->vfirst = li_page_va(m, r->first_pfn);
	a->cmp = a->dedup && vpc >= 2 && !(a->vfirst % LI_PAGE_SIZE);
	a->vpc = vpc;
	a->vpc_shift = vpc ? __builtin_ctzll(vpc) : 0;
	a->n = n;
	a->first_pfn = r->first_pfn;
	a->heads = r->end_pfn + 1 > r->first_pfn ? (r->end_pfn + 1 - r->first_pfn) / n : 0;
	a->bad = true;
}

/*
 * An entry of a walk over the range's vmemmap, in address order: the part
 * not counted yet (walks may overlap, or reach past the range).
 */
int li_vacct_feed(struct li_vacct *a, const struct li_pt_entry *e)
{
	struct li_pt_entry part;

	/* the usual case as it is: a copy per PTE cost more than its count */
	if (e->va >= a->next && e->end <= a->va1) {
		if (e->va >= e->end)
			return 0;
		a->next = e->end;
		return acct_entry(a, e);
	}
	part = *e;
	if (part.va < a->next) {
		if (part.kind == LI_PT_LEAF && !part.same)
			part.phys += a->next - part.va;
		part.va = a->next;
	}
	if (part.end > a->va1)
		part.end = a->va1;
	if (part.va >= part.end)
		return 0;
	a->next = part.end;
	return acct_entry(a, &part);
}

static int fill_entry(void *arg, const struct li_pt_entry *e)
{
	return li_vacct_feed(arg, e);
}

/* Count [next, upto) by a walk of its own: what no other walk covered. */
int li_vacct_fill(struct li_vacct *a, uint64_t upto)
{
	const struct li_pt_visitor v = { .entry = fill_entry, .arg = a,
					 .runs = true };
	struct li_paging *pg = &a->c->pg;

	if (upto > a->va1)
		upto = a->va1;
	if (a->next >= upto)
		return 0;
	return li_pt_walk(pg, pg->root, a->next, upto, LI_PT_KERNEL, &v);
}

/* The rest of the range, then its verdicts. */
int li_vacct_end(struct li_vacct *a)
{
	struct li_ctx *c = a->c;
	const struct li_model *m = c->m;
	const struct li_pgmap *g = a->g;
	const struct li_range *r = &g->ranges[a->k];
	struct li_vmem_row *row = a->row;
	uint64_t n = a->n, vpc = a->vpc;
	int k = a->k, err;

	err = li_vacct_fill(a, a->va1);
	if (err)
		return err;
	/* S11: section-sized vmemmap of an altmap pgmap lives in the device */
	if (a->outside)
		li_report_add(c->r,
			      LI_FINDING(ALTMAP_ACCOUNTING, .pfn = r->start_pfn,
					 .pgmap = g->addr),
			      "range %d: %llu vmemmap pages mapped by PMDs outside the altmap [%#llx-%#llx)",
			      k, (unsigned long long)a->outside,
			      (unsigned long long)(g->alt_base_pfn + g->alt_reserve),
			      (unsigned long long)(g->alt_base_pfn + g->alt_reserve + g->alt_free));
	row->frames = a->all.nr;
	row->init_frames = a->init.nr;
	row->complete = !a->all.full && !a->init.full;
	/* predicted: 2 frames per compound when reused, else one per page */
	if (a->dedup && vpc >= 2) {
		uint64_t heads = (r->end_pfn + 1 - r->first_pfn) / n;

		row->predicted = (a->va1 - a->va0) / LI_PAGE_SIZE - heads * vpc +
				 heads * 2;
		for (uint64_t h = r->first_pfn; !a->cmp && h + n - 1 <= r->end_pfn; h += n) {
			uint64_t hva = li_page_va(m, h), skip;
			struct li_xlat x;

			/* compounds whose head's vmemmap is a hole: off pattern */
			if (!li_xlat(&c->pg, hva, &x) && !x.level && x.hole_end > hva) {
				skip = (x.hole_end - hva) / (n * m->page.page_size);
				if (skip > 1) {
					skip = skip < (r->end_pfn + 1 - h) / n ?
					       skip : (r->end_pfn + 1 - h) / n;
					a->row->compounds += skip;
					a->row->compounds_unexpected += skip;
					h += (skip - 1) * n;
					continue;
				}
			}
			account_compound(a, h, vpc);
		}
	} else {
		row->predicted = row->vmemmap_pages;
	}
	row->saved_bytes = row->vmemmap_pages > row->frames + row->unmapped ?
		(row->vmemmap_pages - row->frames - row->unmapped) * LI_PAGE_SIZE : 0;
	if (row->complete && !row->unmapped && row->frames != row->predicted)
		li_report_add(c->r,
			      LI_FINDING(VMEMMAP_UNEXPECTED,
					 .pfn = r->start_pfn, .pgmap = g->addr),
			      "range %d: %llu vmemmap pages backed by %llu frames, %s predicts %llu (%llu compounds off pattern)",
			      k, (unsigned long long)row->vmemmap_pages,
			      (unsigned long long)row->frames,
			      a->dedup ? "compound reuse" : "no sharing",
			      (unsigned long long)row->predicted,
			      (unsigned long long)row->compounds_unexpected);
	return li_progress(c, "vmemmap", a->gi + 1, c->r->nr_pgmaps);
}

/*
 * The accounting of one pass: NULL (*out) when there is none to do (no
 * page tables, or not asked for).  The rows are in pgmap and range order,
 * whichever walk feeds them.
 */
int li_vacct_open(struct li_ctx *c, struct li_vacct **out)
{
	struct li_report *r = c->r;
	struct li_vacct *a;
	size_t nrows = 0;

	*out = NULL;
	if (!c->m->mem.pgd_phys || r->vmem ||
	    (c->opts->flags & (LI_OPT_NO_VMEMMAP | LI_OPT_PGMAPS_ONLY)))
		return 0;
	for (size_t i = 0; i < r->nr_pgmaps; i++)
		nrows += r->pgmaps[i].nr_valid;
	a = calloc(1, sizeof(*a));
	r->vmem = calloc(nrows ? nrows : 1, sizeof(*r->vmem));
	if (!a || !r->vmem) {
		free(a);
		return -ENOMEM;
	}
	a->c = c;
	*out = a;
	return 0;
}

/* Pgmap i (not being walked): each range by walks of its own. */
int li_vacct_pgmap(struct li_vacct *a, size_t i)
{
	int err = 0;

	for (int k = 0; k < a->c->r->pgmaps[i].nr_valid && !err; k++) {
		li_vacct_begin(a, i, k);
		err = li_vacct_end(a);
	}
	return err;
}

void li_vacct_close(struct li_vacct *a, int err)
{
	if (!a)
		return;
	a->c->r->vmemmap_done = !err;
	free(a->all.v);
	free(a->init.v);
	free(a);
}

int li_vmemmap_account(struct li_ctx *c)
{
	struct li_vacct *a;
	int err;

	/* done already when the page walk fed it (li_walk_pages()) */
	if (c->r->vmemmap_done)
		return 0;
	err = li_vacct_open(c, &a);
	if (err || !a)
		return err;
	for (size_t i = 0; i < c->r->nr_pgmaps && !err; i++)
		if (!c->opts->pgmap || c->opts->pgmap == c->r->pgmaps[i].addr)
			err = li_vacct_pgmap(a, i);
	li_vacct_close(a, err);
	return err;
}
