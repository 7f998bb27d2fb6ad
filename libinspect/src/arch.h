/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The architecture layer (arch_x86_64.c): page-table entry decoding, the
 * walk of kernel and user page tables, the paging depth and the default
 * memory layout.  Nothing else in libinspect knows a PTE bit.
 *
 * It only reads page-table pages, through the li_paging's read_table
 * callback, which says 0, -ENODATA (the page is not in the dump) or another
 * -errno; the layer turns that into "mapped", "not mapped" or "a table not
 * captured" itself.  So a target that can read physical memory needs no
 * walker of its own to tell a bad address (LI_XLAT_UNMAPPED: -EFAULT) from
 * memory missing in the dump (the other two: -ENODATA).
 *
 * Standalone on purpose: it includes no other libinspect header, so the
 * walkers and checks include it and it includes none of them.
 */
#ifndef LI_ARCH_H
#define LI_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#define LI_PT_MAX_LEVELS	5
#define LI_PT_ENTRIES		512

/* Leaf sizes (li_xlat.level, li_pt_entry.level). */
#define LI_PTE_NONE	0
#define LI_PTE_4K	1
#define LI_PTE_2M	2
#define LI_PTE_1G	3

/* A page-table page at phys into buf (512 entries): 0 or -errno. */
typedef int (*li_pt_read_fn)(void *ctx, uint64_t phys, uint64_t *buf);

/* One address space's paging: depth, root, and how tables are read. */
struct li_paging {
	int levels;			/* 4 or 5 */
	uint64_t root;			/* physical address of the top table */
	uint64_t sme_mask;		/* encryption bit, not part of an address */
	li_pt_read_fn read_table;
	void *ctx;
	/* li_xlat(): the last table read at each depth (0 = root) */
	struct {
		bool ok;
		uint64_t phys;
		uint64_t e[LI_PT_ENTRIES];
	} cache[LI_PT_MAX_LEVELS];
};

void li_paging_init(struct li_paging *p, bool l5, uint64_t root,
		    uint64_t sme_mask, li_pt_read_fn read_table, void *ctx);

enum li_xlat_status {
	LI_XLAT_MAPPED,
	LI_XLAT_UNMAPPED,		/* a non-present entry: a bad address */
	LI_XLAT_NO_TABLE,		/* a table on the way was not read */
};

struct li_xlat {
	enum li_xlat_status status;
	uint64_t phys;			/* frame of the 4 KiB page */
	int level;			/* LI_PTE_*, LI_PTE_NONE unless mapped */
	bool rw;
	/*
	 * Not mapped or a table not read: the first address past the entry
	 * that said so (0 past the top), so a walker can skip a whole hole in
	 * one step.
	 */
	uint64_t hole_end;
};

/*
 * Translate va as the MMU would, from p->root (a non-canonical va is not
 * mapped): 0, or the error of the table that could not be read (status
 * LI_XLAT_NO_TABLE).  Each depth keeps its last table, so neighbouring
 * addresses cost no reads.
 */
int li_xlat(struct li_paging *p, uint64_t va, struct li_xlat *x);

/* Which view a walk takes of the entries (li_pt_walk()). */
enum li_pt_view {
	/*
	 * Kernel tables, as the MMU (and libkdumpfile, drgn) translate: only
	 * the present bit maps; a large-page bit above the PUD is ignored.
	 */
	LI_PT_KERNEL,
	/*
	 * User tables, as the kernel's own walkers read them: PROT_NONE
	 * entries are present (pfn inverted, L1TF), non-present PTEs and PMDs
	 * are swap entries, an entry with only Accessed/Dirty set is empty
	 * (erratum), a large-page bit above the PUD is a bad entry, skipped.
	 */
	LI_PT_USER,
};

enum li_pt_kind {
	LI_PT_LEAF,			/* a present leaf: phys, level */
	LI_PT_SWAP,			/* LI_PT_USER: a swap entry (PTE, PMD) */
	LI_PT_HOLE,			/* nothing mapped, or err: table not read */
};

/* What li_pt_walk() visits: [va, end) of one entry (clipped to the walk). */
struct li_pt_entry {
	enum li_pt_kind kind;
	uint64_t va, end;
	int level;			/* LI_PTE_*: the entry's size (not HOLE) */
	uint64_t phys;			/* LEAF: physical address of va */
	/*
	 * LEAF of a walk with runs: [va, end) is several 4 KiB pages that
	 * all map the same frame, phys (a shared vmemmap tail frame).
	 */
	bool same;
	bool rw;			/* LEAF */
	unsigned int swp_type;		/* SWAP: swap type */
	uint64_t swp_offset;		/* SWAP: offset (a pfn for device entries) */
	int err;			/* HOLE: 0, or why a table was not read */
};

struct li_pt_visitor {
	/*
	 * Before a table is read (the root included): 0 to walk it, 1 to
	 * skip it, <0 to stop.  level: that of the table (1 = a PTE table,
	 * levels = the root); va: the first address it maps.  Optional: a
	 * user walk keeps its visited set here (a table reached twice within
	 * one mm is a cycle, and would fan out 512-fold per level).
	 */
	int (*table)(void *arg, int level, uint64_t phys, uint64_t va);
	/* every leaf, swap entry and hole, in address order: 0 or <0 to stop */
	int (*entry)(void *arg, const struct li_pt_entry *e);
	void *arg;
	/*
	 * LI_PT_KERNEL: consecutive PTEs that are the same entry come as one
	 * leaf marked same: the 4096 PTEs of a 1 GiB compound devmap's
	 * vmemmap are two entries, whatever the visitor does per page.
	 */
	bool runs;
};

/*
 * Visit [start, end) of the tables under root (the non-canonical addresses
 * are one hole).  Adjacent holes are one visit: a hole costs one step per
 * table entry at most, however large, so a damaged dump bounds the work
 * by its tables, not by the range.  The depth is at most p->levels.
 * Returns 0, -ENOMEM or the visitor's error.
 */
int li_pt_walk(struct li_paging *p, uint64_t root, uint64_t start,
	       uint64_t end, enum li_pt_view view,
	       const struct li_pt_visitor *v);

/* The end of the user half of the address space (its lowest address is 0). */
uint64_t li_pt_user_end(const struct li_paging *p);

/*
 * The kernel image maps the root table: does va (its virtual address) lead
 * to pa at depth levels?  1 yes, 0 no, <0 not captured.
 */
int li_paging_maps(struct li_paging *p, int levels, uint64_t va, uint64_t pa);

/* x86_64 layout: defaults when the dump does not say, by paging depth. */
struct li_arch_layout {
	uint64_t vmemmap_base, page_offset;
	unsigned int max_physmem_bits;
};
void li_arch_layout(bool l5, struct li_arch_layout *l);
/* Physical address of a kernel-image (text/data) virtual address. */
uint64_t li_arch_kimage_phys(uint64_t va, uint64_t phys_base);

#endif /* LI_ARCH_H */
