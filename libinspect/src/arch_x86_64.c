// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * x86_64 page tables (arch.h): 4 or 5 levels of 512 entries, 2 MiB and
 * 1 GiB leaves at the PMD and PUD, read by physical address; the root's
 * lower half maps the low canonical addresses, its upper half the high
 * ones, and the non-canonical ones between are a fault.
 *
 * Garbage cannot make a walk loop or run long: the depth is the paging
 * depth (at most 5, counted down, never taken from an entry), each table is
 * read into the buffer of its depth and its entries visited once, in
 * increasing order, clipped to the range; an empty entry or an unreadable
 * table is one hole however much it spans.  A table reached again through
 * a corrupt entry is visited again, bounded by the range; user walks,
 * whose range is the whole user half, keep a visited set (the table hook).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "arch.h"

#define PTE_PRESENT	(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_ACC_DIRTY	((1ULL << 5) | (1ULL << 6))	/* erratum bits */
#define PTE_PSE		(1ULL << 7)
#define PTE_PROTNONE	(1ULL << 8)	/* _PAGE_GLOBAL when !present */
#define PTE_ADDR	0x000ffffffffff000ULL
#define PAGE_4K	4096ULL
/* swap entries (pgtable_64.h): type in bits 59-63, offset inverted below */
#define SWP_TYPE_SHIFT	59
#define SWP_TYPE_BITS	5
#define SWP_OFFSET_SHIFT (9 + SWP_TYPE_BITS)

#define START_KERNEL_MAP	0xffffffff80000000ULL
#define VMEMMAP_BASE_L4		0xffffea0000000000ULL
#define VMEMMAP_BASE_L5		0xffd4000000000000ULL
#define PAGE_OFFSET_L4		0xffff888000000000ULL
#define PAGE_OFFSET_L5		0xff11000000000000ULL

void li_paging_init(struct li_paging *p, bool l5, uint64_t root,
		    uint64_t sme_mask, li_pt_read_fn read_table, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->levels = l5 ? 5 : 4;
	p->root = root;
	p->sme_mask = sme_mask;
	p->read_table = read_table;
	p->ctx = ctx;
}

/* Shift of the entries of the table at depth d (0 = root). */
static int entry_shift(int levels, int d)
{
	return 12 + 9 * (levels - 1 - d);
}

static int leaf_level(int shift)
{
	return shift == 12 ? LI_PTE_4K : shift == 21 ? LI_PTE_2M : LI_PTE_1G;
}

/*
 * The end of the lower canonical half: addresses from there to its mirror
 * below 2^64 are not canonical, a fault whatever the tables say.
 */
static uint64_t low_end(const struct li_paging *p)
{
	return 1ULL << (entry_shift(p->levels, 0) + 8);
}

static int cached_table(struct li_paging *p, int d, uint64_t phys,
			const uint64_t **t)
{
	int err;

	if (!p->cache[d].ok || p->cache[d].phys != phys) {
		p->cache[d].ok = false;
		err = p->read_table(p->ctx, phys, p->cache[d].e);
		if (err)
			return err;
		p->cache[d].phys = phys;
		p->cache[d].ok = true;
	}
	*t = p->cache[d].e;
	return 0;
}

/*
 * What an entry (its encryption bit cleared) is in a view: a leaf (out->phys
 * its start, out->rw), a swap entry (out->swp_*), a table to descend into
 * (*next), or nothing (a hole).
 */
enum pte_kind { E_HOLE, E_LEAF, E_SWAP, E_TABLE };

static enum pte_kind decode(enum li_pt_view view, uint64_t e, int shift,
			    struct li_pt_entry *out, uint64_t *next)
{
	bool leaf = shift == 12 || (shift <= 30 && (e & PTE_PSE));
	uint64_t a;

	if (view == LI_PT_KERNEL) {
		if (!(e & PTE_PRESENT))
			return E_HOLE;
		if (!leaf) {
			*next = e & PTE_ADDR;
			return E_TABLE;
		}
		out->phys = e & PTE_ADDR & ~((1ULL << shift) - 1);
		out->rw = e & PTE_RW;
		return E_LEAF;
	}
	if (!(e & ~PTE_ACC_DIRTY))
		return E_HOLE;
	/* pte/pmd_present(): PROT_NONE entries are present too */
	if (!(e & (PTE_PRESENT | (shift <= 21 ? PTE_PROTNONE : 0)))) {
		if (shift > 21)
			return E_HOLE;
		out->swp_type = (unsigned int)(e >> SWP_TYPE_SHIFT);
		out->swp_offset = ~e << SWP_TYPE_BITS >> SWP_OFFSET_SHIFT;
		return E_SWAP;
	}
	if (!leaf) {
		if (shift > 30 && (e & PTE_PSE))
			return E_HOLE;	/* p4d/pgd_bad() */
		*next = e & PTE_ADDR;
		return E_TABLE;
	}
	/* L1TF: PROT_NONE leaves store the pfn inverted */
	a = e & PTE_PRESENT ? e : ~e;
	out->phys = a & PTE_ADDR & ~((1ULL << shift) - 1);
	out->rw = e & PTE_RW;
	return E_LEAF;
}

int li_xlat(struct li_paging *p, uint64_t va, struct li_xlat *x)
{
	uint64_t phys = p->root & PTE_ADDR;
	int err;

	memset(x, 0, sizeof(*x));
	x->status = LI_XLAT_NO_TABLE;
	if (!p->root)
		return -ENOENT;
	if (va >= low_end(p) && va < -low_end(p)) {
		x->status = LI_XLAT_UNMAPPED;
		x->hole_end = -low_end(p);
		return 0;
	}
	for (int d = 0; d < p->levels; d++) {
		int shift = entry_shift(p->levels, d);
		struct li_pt_entry leaf;
		const uint64_t *t;
		uint64_t e;

		err = cached_table(p, d, phys, &t);
		if (err) {
			/* the table missing covers what its parent entry maps */
			x->hole_end = d ? ((va >> (shift + 9)) + 1) << (shift + 9) : 0;
			return err;
		}
		e = t[(va >> shift) & (LI_PT_ENTRIES - 1)] & ~p->sme_mask;
		switch (decode(LI_PT_KERNEL, e, shift, &leaf, &phys)) {
		case E_TABLE:
			continue;
		case E_LEAF:
			x->status = LI_XLAT_MAPPED;
			x->phys = leaf.phys +
				  (va & ((1ULL << shift) - 1) & ~(PAGE_4K - 1));
			x->level = leaf_level(shift);
			x->rw = leaf.rw;
			return 0;
		default:
			x->status = LI_XLAT_UNMAPPED;
			x->hole_end = ((va >> shift) + 1) << shift;
			return 0;
		}
	}
	return 0;	/* not reached: the last level is all leaves */
}

/* One walk. */
struct ptw {
	struct li_paging *p;
	enum li_pt_view view;
	const struct li_pt_visitor *v;
	bool pending;			/* a not-mapped hole, to extend */
	struct li_pt_entry hole;
	uint64_t tab[LI_PT_MAX_LEVELS][LI_PT_ENTRIES];
};

/* A visit: 0 or <0 (a visitor's 1 must not read as "walk this table"). */
static int visit(struct ptw *w, const struct li_pt_entry *e)
{
	int err = w->v->entry(w->v->arg, e);

	return err < 0 ? err : 0;
}

static int flush(struct ptw *w)
{
	if (!w->pending)
		return 0;
	w->pending = false;
	return visit(w, &w->hole);
}

static int emit(struct ptw *w, const struct li_pt_entry *e)
{
	int err;

	/* adjacent not-mapped holes are one; a table not read is its own */
	if (e->kind == LI_PT_HOLE && !e->err) {
		if (w->pending && w->hole.end == e->va) {
			w->hole.end = e->end;
			return 0;
		}
		err = flush(w);
		w->hole = *e;
		w->pending = true;
		return err;
	}
	err = flush(w);
	return err ? err : visit(w, e);
}

static int walk_entries(struct ptw *w, int d, uint64_t base, uint64_t lo,
			uint64_t hi);

/*
 * Enter the table at depth d: the hook, then its page into w->tab[d]
 * (deeper tables use deeper buffers, so it holds while they are walked).
 * 1: walk its entries; 0 or <0: done.
 */
static int enter(struct ptw *w, int d, uint64_t phys, uint64_t base,
		 uint64_t lo, uint64_t hi)
{
	const struct li_pt_visitor *v = w->v;
	int err;

	if (v->table) {
		err = v->table(v->arg, w->p->levels - d, phys, base);
		if (err)
			return err < 0 ? err : 0;
	}
	err = w->p->read_table(w->p->ctx, phys, w->tab[d]);
	if (err)
		return emit(w, &(struct li_pt_entry){ .kind = LI_PT_HOLE,
				.va = lo, .end = hi + 1, .err = err });
	return 1;
}

/* Entries of the table at depth d mapping from base, [lo, hi] of them. */
static int walk_entries(struct ptw *w, int d, uint64_t base, uint64_t lo,
			uint64_t hi)
{
	int shift = entry_shift(w->p->levels, d), err;
	const uint64_t *t = w->tab[d];

	for (unsigned int i = (lo >> shift) & (LI_PT_ENTRIES - 1),
	     n = (hi >> shift) & (LI_PT_ENTRIES - 1), j; i <= n; i = j + 1) {
		uint64_t eva = base + ((uint64_t)i << shift);
		uint64_t elast = eva + ((1ULL << shift) - 1), next = 0;
		struct li_pt_entry e = { .va = eva > lo ? eva : lo };

		/* a run of the same PTE is one leaf (li_pt_visitor.runs) */
		j = i;
		if (shift == 12 && w->v->runs && w->view == LI_PT_KERNEL) {
			while (j < n && t[j + 1] == t[i])
				j++;
			elast = base + ((uint64_t)j << shift) + ((1ULL << shift) - 1);
			e.same = j > i;
		}
		if (elast > hi)
			elast = hi;
		e.end = elast + 1;	/* hi < 2^64 - 1: no wrap */
		e.level = leaf_level(shift);
		switch (decode(w->view, t[i] & ~w->p->sme_mask, shift, &e, &next)) {
		case E_HOLE:
			e.kind = LI_PT_HOLE;
			e.level = LI_PTE_NONE;
			err = emit(w, &e);
			break;
		case E_LEAF:
			e.kind = LI_PT_LEAF;
			if (!e.same)
				e.phys += e.va - eva;
			err = emit(w, &e);
			break;
		case E_SWAP:
			e.kind = LI_PT_SWAP;
			err = emit(w, &e);
			break;
		default:
			/* d + 1 < levels: only PTEs are all leaves */
			err = enter(w, d + 1, next, eva, e.va, elast);
			if (err == 1)
				err = walk_entries(w, d + 1, eva, e.va, elast);
		}
		if (err)
			return err;
	}
	return 0;
}

int li_pt_walk(struct li_paging *p, uint64_t root, uint64_t start,
	       uint64_t end, enum li_pt_view view,
	       const struct li_pt_visitor *v)
{
	const uint64_t gap = low_end(p), high = -gap, last = end - 1;
	struct ptw *w;
	int err;

	if (start >= end)
		return 0;
	w = malloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->p = p;
	w->view = view;
	w->v = v;
	w->pending = false;
	/* the root's lower half maps from 0, its upper half up to 2^64 */
	err = enter(w, 0, root & PTE_ADDR, 0, start, last);
	if (err == 1) {
		err = 0;
		if (start < gap)
			err = walk_entries(w, 0, 0, start,
					   last < gap ? last : gap - 1);
		if (!err && last >= gap && start < high)
			err = emit(w, &(struct li_pt_entry){ .kind = LI_PT_HOLE,
					.va = start > gap ? start : gap,
					.end = last < high ? end : high });
		if (!err && last >= high)
			err = walk_entries(w, 0, high - gap,
					   start > high ? start : high, last);
	}
	if (!err)
		err = flush(w);
	free(w);
	return err;
}

uint64_t li_pt_user_end(const struct li_paging *p)
{
	return low_end(p);	/* the lower half of the root: 256 PGD slots */
}

int li_paging_maps(struct li_paging *p, int levels, uint64_t va, uint64_t pa)
{
	int saved = p->levels, err;
	struct li_xlat x;

	p->levels = levels;
	err = li_xlat(p, va, &x);
	p->levels = saved;
	if (err)
		return err;
	return x.status == LI_XLAT_MAPPED && x.phys == (pa & ~4095ULL);
}

void li_arch_layout(bool l5, struct li_arch_layout *l)
{
	l->vmemmap_base = l5 ? VMEMMAP_BASE_L5 : VMEMMAP_BASE_L4;
	l->page_offset = l5 ? PAGE_OFFSET_L5 : PAGE_OFFSET_L4;
	/* sparsemem.h; VMCOREINFO says it since 5.9 */
	l->max_physmem_bits = l5 ? 52 : 46;
}

uint64_t li_arch_kimage_phys(uint64_t va, uint64_t phys_base)
{
	return va - START_KERNEL_MAP + phys_base;
}
