/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libinspect core internals: the types every layer shares (the probed
 * kernel model, the report the walkers fill, the walk context).  The
 * functions are declared by the header of the file that defines them
 * (read.h, findings.h, model.h, pages.h, ...), so that what a file
 * includes is what it uses, and the files form layers: reads, progress
 * and the findings store at the bottom, the model and the registry, the
 * walkers, li_check() on top (tests/unit-core.t asserts no cycle).
 * Nothing here is ABI; frontends only see libinspect.h.
 */
#ifndef LI_INTERNAL_H
#define LI_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <errno.h>
#include "libinspect.h"
#include "arch.h"
#include "codes.h"
#include "export.h"

#define LI_PAGE_SIZE		4096ULL
#define LI_PAGE_SHIFT		12
#define LI_PFN_MAX		(1ULL << 40)	/* 52-bit physical addresses */

/* Bounds on everything counted from the dump (garbage must not hurt). */
#define LI_MAX_NR_RANGE		64
#define LI_MAX_VMEMMAP_SHIFT	18		/* 1 GiB compound pages */
#define LI_MAX_PGMAPS		4096
#define LI_MAX_RUNS		16384
#define LI_MAX_XA_NODES		65536
#define LI_MAX_CPUS		8192
#define LI_MAX_HUGETLB_FOLIOS	(1u << 22)
#define LI_DEFAULT_MAX_FINDINGS	1000
#define LI_MAX_TASKS		(1u << 20)	/* pid_max limit is 4M; plenty */
#define LI_MAX_HOLDERS		65536		/* stored holder runs */
#define LI_MAX_THREADS		65536		/* per thread group */
#define LI_MAX_ASSUMED		16		/* model.assumed entries kept */
#define LI_MAX_LEAK_CANDS	(1u << 20)	/* PRIVATE_PAGE_LEAKED pfns kept */

/* Where the compound order of a head lives (kernel-spec §3.3). */
enum li_order_loc {
	LI_ORDER_NONE = 0,
	LI_ORDER_COMPOUND_ORDER,	/* page[1].compound_order (u8), <= 6.2 */
	LI_ORDER_FOLIO_ORDER,		/* folio._folio_order (u8), 6.1 - 6.5 */
	LI_ORDER_FLAGS1,		/* low byte of page[1].flags, 6.6+ */
};

/* Index of a pgmap type, independent of the kernel's numbering. */
enum li_mtype {
	LI_MT_UNKNOWN = 0,
	LI_MT_PRIVATE,
	LI_MT_COHERENT,
	LI_MT_FS_DAX,
	LI_MT_GENERIC,
	LI_MT_P2PDMA,
	LI_MT_NR,
};

/* struct page (and folio) */
struct li_page_layout {
	uint64_t page_size;		/* sizeof(struct page) */
	uint64_t off_flags;		/* "flags" or "flags.f" */
	uint64_t off_refcount;
	uint64_t off_mapcount;
	uint64_t off_head;		/* compound_head / compound_info */
	uint64_t off_mapping;
	uint64_t off_private;
	uint64_t off_pgmap;		/* offset in the head page (or folio) */
	bool pgmap_in_folio;		/* 6.15+: folio->pgmap */
	bool head_is_mask;		/* 7.1 compound_info mask form */
	enum li_order_loc order_loc;
	uint64_t off_order;		/* from the head struct page */
	bool has_pincount;
	bool has_nr_pages;
	uint64_t off_nr_pages;		/* from the head struct page (u32) */
	uint64_t off_pincount;		/* from the head struct page */
};

/* the page flags word: PG_head, the zone bits */
struct li_pflags_layout {
	uint64_t pg_head_mask;
	int pg_reserved;		/* bit, -1 unknown */
	int zones_shift, nodes_shift, zones_pgshift;
	uint64_t zones_mask;
	int64_t zone_device;
	int64_t nr_zones;
};

/* struct dev_pagemap, its altmap, devmap_managed_key */
struct li_pgmap_layout {
	uint64_t pgmap_size;
	uint64_t pm_ops, pm_owner;	/* UINT64_MAX if absent */
	uint64_t devmap_key;		/* &devmap_managed_key, 0 if absent */
	bool devmap_key_private;	/* <= 5.17: PRIVATE counted too */
	uint64_t pm_altmap, pm_ref, pm_type, pm_flags, pm_shift, pm_nr_range;
	uint64_t pm_ranges, range_size, pm_done;
	bool has_vmemmap_shift;
	bool ref_is_pointer;		/* 5.10 - 5.14: struct percpu_ref *ref */
	uint64_t pm_internal_ref;	/* with ref_is_pointer */
	uint64_t alt_base_pfn, alt_end_pfn, alt_reserve, alt_free, alt_align,
		 alt_alloc;
};

/* percpu_ref and the per-cpu areas */
struct li_ref_layout {
	uint64_t pcr_ptr, pcr_data, prd_count, prd_release, prd_ref;
	uint64_t release_fn;		/* dev_pagemap_percpu_release */
	uint64_t per_cpu_offset;	/* __per_cpu_offset[] */
	unsigned int nr_cpus;
};

/* what the kernel does, told by its symbols and enums rather than a layout */
struct li_kernel_rules {
	int64_t mtype_val[LI_MT_NR];
	int idle_ref[LI_MT_NR];		/* idle _refcount per type (§3.4) */
	bool pgmap_ref_per_page;	/* PRIVATE/COHERENT hold a pgmap ref (6.1+) */
	bool dedup_supported;		/* 5.19+ compound devmap vmemmap reuse */
	bool dedup_needs_v_gt_2;	/* 6.5+ vmemmap_can_optimize() */
};

/* memory layout and the kernel page tables */
struct li_mem_layout {
	uint64_t vmemmap_base;
	uint64_t pgd_phys;		/* init_top_pgt (physical) */
	uint64_t page_offset;		/* direct map base (page_offset_base) */
	uint64_t sme_mask;
	bool l5;
	unsigned int max_physmem_bits;	/* MAX_PHYSMEM_BITS: 46, 52 (5-level) */
	uint64_t pgd_va;		/* init_top_pgt, for the paging self-test */
};

/* xarray (pgmap_array) */
struct li_xa_layout {
	uint64_t xa_head, xn_shift, xn_slots;
	uint64_t pgmap_array;		/* &pgmap_array */
};

/* hugetlb hstates and HVO */
struct li_hugetlb_layout {
	bool has_hugetlb;
	uint64_t hstates, hugetlb_max_hstate, hstate_size;
	uint64_t hs_order, hs_active, hs_nr, hs_free, hs_freelists, hs_name;
	uint64_t list_head_size;
	uint64_t off_lru;
	int hvo_reserve;		/* vmemmap pages kept per HVO folio */
	int hvo_flag_bit;		/* HPG_vmemmap_optimized */
	bool hvo_shared_tail;		/* 7.x: zone->vmemmap_tails[] */
	uint64_t max_numnodes;
};

/* tasks and user page tables (the holder walk) */
struct li_task_layout {
	bool has_tasks;
	uint64_t init_task, ts_tasks, ts_mm, ts_pid, ts_comm, ts_flags;
	uint64_t mm_pgd;
	bool has_threads;		/* signal->thread_head, thread_node */
	uint64_t ts_signal, ts_thread_node, sig_thread_head;
	int swp_dev_first;		/* first SWP_DEVICE_* type, -1 unknown */
	int swp_dev_num;		/* 4: WRITE, READ, EXCLUSIVE_WRITE/READ */
};

/*
 * The kernel model: every layout fact and rule the walkers need, grouped
 * by what it describes (model.c probes it).
 */
struct li_model {
	struct li_page_layout page;
	struct li_pflags_layout pflags;
	struct li_pgmap_layout pgmap;
	struct li_ref_layout ref;
	struct li_kernel_rules rules;
	struct li_mem_layout mem;
	struct li_xa_layout xa;
	struct li_hugetlb_layout huge;
	struct li_task_layout task;
	char release[80];
	uint64_t zone_selftest_pfn;	/* RAM pfn the zone decode was tested on */
	int zone_selftest_zone;
	/*
	 * Values assumed rather than probed (the layout the kernel has had
	 * for long, taken when the types lack a member): what they are,
	 * e.g. "page._mapcount = _refcount - 4".  Verbose text only (the
	 * JSON schema has no place for them).
	 */
	const char *assumed[LI_MAX_ASSUMED];
	unsigned int nr_assumed;
};

/* One pgmap_array run: [first, last] -> entry. */
struct li_run {
	uint64_t first, last, entry;
};

struct li_range {
	uint64_t start_pfn, end_pfn;	/* inclusive */
	uint64_t first_pfn;		/* first pfn with an initialised memmap */
};

struct li_pgmap {
	uint64_t addr;
	uint64_t ops, owner;
	int64_t type_val;
	enum li_mtype mtype;
	uint32_t flags;
	uint64_t vmemmap_shift;
	int nr_range;			/* as read (may be garbage) */
	int nr_valid;			/* ranges actually stored below */
	struct li_range ranges[LI_MAX_NR_RANGE];
	bool altmap_valid;
	uint64_t alt_base_pfn, alt_end_pfn, alt_reserve, alt_free, alt_align,
		 alt_alloc;
	/* ref state */
	uint64_t ref_addr;		/* &pgmap->ref (or *ref) */
	uint64_t pcr_ptr, ref_data;
	bool ref_atomic, ref_dead, ref_exited, ref_valid;
	bool ref_count_known;
	bool ref_unreadable;		/* percpu_ref or its data not captured */
	int64_t ref_count;		/* logical count */
	uint64_t done;			/* completion.done */
	bool readable;			/* the struct was read */
	/* what the walkers saw */
	uint64_t pages_checked, pages_uninit, pages_not_captured,
		 pages_aliased, pages_referenced;
	uint64_t pages_mapped;		/* by user page tables (holders) */
	uint64_t first_mapped_pfn;
};

/* Vmemmap accounting for one pgmap range or one hstate. */
struct li_vmem_row {
	uint64_t pgmap;			/* 0 for a hugetlb row */
	int range;
	uint64_t start_pfn, end_pfn;	/* whole range */
	uint64_t init_start_pfn;	/* first initialised pfn */
	uint64_t init_vmemmap_pages, init_frames;
	uint64_t compounds, compounds_unexpected;
	uint64_t shared_checked;	/* reused frames whose refcount was checked */
	char name[32];			/* hstate name for hugetlb rows */
	uint64_t nr_pages;		/* struct pages needed */
	uint64_t struct_bytes;
	uint64_t vmemmap_pages;		/* 4 KiB vmemmap pages spanned */
	uint64_t pte_mapped, pmd_mapped, unmapped;
	uint64_t frames;		/* distinct backing 4 KiB frames */
	uint64_t predicted;		/* by the kernel's sharing rules */
	uint64_t saved_bytes;		/* (vmemmap_pages - frames) * 4 KiB */
	uint64_t folios, optimized;	/* hugetlb only */
	uint64_t fake_heads;		/* hugetlb: fake heads resolved */
	bool complete;
};

struct li_finding {
	enum li_code code;
	uint64_t pfn;
	uint64_t page;
	uint64_t pgmap;
	uint64_t frame;			/* physical frame for shared vmemmap */
	uint64_t aliases;
	uint64_t count;			/* pfns covered (NOT_CAPTURED ranges) */
	char detail[192];
};

struct li_code_bucket {
	uint64_t total;			/* exact count */
	size_t nr, cap;			/* stored */
	struct li_finding *v;
};

/* One hugetlb folio (bounded list, for the JSON report and tests). */
struct li_huge_folio {
	uint64_t pfn, page;
	int order;
	bool optimized;
	uint64_t vmemmap_pages, frames, fake_heads;
};

#define LI_MAX_HUGE_LISTED	4096

enum li_holder_level { LI_HL_PTE, LI_HL_PMD, LI_HL_PUD };
enum li_holder_kind {
	LI_HK_PRESENT,
	LI_HK_DEVICE_PRIVATE,		/* SWP_DEVICE_READ/WRITE */
	LI_HK_DEVICE_EXCLUSIVE,		/* SWP_DEVICE_EXCLUSIVE_READ/WRITE */
};

/* A run of user page-table entries naming consecutive device pfns. */
struct li_holder {
	int32_t pid;
	char comm[16];
	uint64_t mm, vaddr, pfn, nr_pages;
	enum li_holder_level level;
	enum li_holder_kind kind;
	uint64_t pgmap;			/* 0: no live pgmap covers pfn */
};

/* What the holder walk saw. */
struct li_holder_walk {
	bool walked;
	const char *stopped;		/* NULL, "cycle", "limit", "unreadable" */
	uint64_t tasks, mms, tables, tables_unreadable;
	uint64_t table_cycles;		/* entries leading back to a walked table */
	uint64_t total;			/* runs found (holders stored <= total) */
	bool iomem_tree;		/* RAM/device memory told by iomem */
};

struct li_report {
	char *frontend, *source, *vmlinux;
	/* the dump file is shorter than its headers say (kdump-compressed) */
	bool truncated;
	uint64_t file_size, expected_size;
	struct li_model model;
	bool model_ok;
	char model_error[256];	/* the self-tests name two addresses */
	struct li_pgmap *pgmaps;
	size_t nr_pgmaps;
	struct li_run *runs;
	size_t nr_runs;
	struct li_code_bucket *buckets;	/* one per code */
	size_t nr_codes;
	struct li_vmem_row *vmem;
	size_t nr_vmem;
	struct li_vmem_row *huge;
	size_t nr_huge;
	struct li_huge_folio *folios;
	size_t nr_folios;
	uint64_t hvo_key;		/* hugetlb_optimize_vmemmap_key count */
	bool has_hvo_key;
	unsigned int max_findings;
	uint64_t pages_checked, pages_not_captured, pages_aliased;
	uint64_t xa_nodes;
	int xa_error;
	bool registry_incomplete;	/* a pgmap_array node not captured */
	bool vmemmap_done, hugetlb_done;
	struct li_holder *holders;
	size_t nr_holders, cap_holders;
	struct li_holder_walk hw;
	struct li_options opts;
};

/* An allocated device-private/coherent page, until the holder walk says. */
struct li_leak_cand {
	uint64_t pfn, pgmap;
	uint32_t nr;			/* pages of the compound */
	int32_t ref, idle;
};

struct li_leak_cands {
	struct li_leak_cand *v;
	size_t nr, cap;
	uint64_t dropped;		/* over LI_MAX_LEAK_CANDS or no memory */
};

/* pfn spans of one kind from the iomem resource tree (iomem.c). */
struct li_pfn_span {
	uint64_t first, last;
};

struct li_iomem_set {
	struct li_pfn_span *v;
	size_t nr, cap;
};

struct li_iomem {
	bool loaded, available;
	struct li_iomem_set ram, dev;
	size_t ram_hint, dev_hint;
};

enum li_pfn_kind {
	LI_PFN_OTHER = 0,		/* MMIO or unknown */
	LI_PFN_RAM,
	LI_PFN_DEVICE,
};

/* The walk state shared by the phases. */
struct li_ctx {
	const struct li_target *t;
	const struct li_options *opts;
	struct li_report *r;
	struct li_model *m;
	struct li_paging pg;		/* the kernel's page tables (model.c) */
	/* the same tables, telling -LI_READ_FAULT apart (read.c) */
	struct li_paging fault_pg;
	bool in_fault;
	uint64_t progress_done, progress_total;
	int cancelled;
	struct li_leak_cands leaks;	/* page walk -> li_holders_leaks() */
	struct li_iomem iomem;		/* holders: RAM or device memory */
};

/* Fields of a struct copied from the target (unaligned-safe). */
static inline uint64_t li_get_u64(const uint8_t *buf, uint64_t off)
{
	uint64_t v;

	__builtin_memcpy(&v, buf + off, sizeof(v));
	return v;
}

static inline uint32_t li_get_u32(const uint8_t *buf, uint64_t off)
{
	uint32_t v;

	__builtin_memcpy(&v, buf + off, sizeof(v));
	return v;
}

static inline uint64_t li_page_va(const struct li_model *m, uint64_t pfn)
{
	return m->mem.vmemmap_base + pfn * m->page.page_size;
}

/*
 * kdump_target.c: the shipped target's file is shorter than it says.  Weak:
 * the core also links without that target (tests/mock, other targets).
 */
bool li_kdump_target_truncated(const struct li_target *target,
			       uint64_t *size, uint64_t *need)
	__attribute__((weak));

/* Open-addressing set of u64 keys, bounded (u64set.h). */
struct li_u64set {
	uint64_t *v;
	size_t cap, nr;
	bool full;
};

/*
 * The first index from i on (i < n) where a[] holds v, or n.  For linear
 * searches of hash arrays: blocks without an early exit, which the
 * compiler vectorises (4x fewer instructions than a plain loop).
 */
static inline size_t li_find_u32(const uint32_t *a, size_t n, size_t i,
				 uint32_t v)
{
	for (; i + 16 <= n; i += 16) {
		unsigned int m = 0;

		for (size_t j = 0; j < 16; j++)
			m |= a[i + j] == v;
		if (m)
			break;
	}
	while (i < n && a[i] != v)
		i++;
	return i;
}

#endif /* LI_INTERNAL_H */
