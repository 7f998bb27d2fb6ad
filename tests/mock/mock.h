/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A synthetic kernel image for libinspect unit tests: sparse physical
 * memory, x86_64 4-level page tables for the vmemmap, a 6.1-like type
 * table, and builders for pgmaps, pgmap_array and struct pages.
 */
#ifndef MOCK_H
#define MOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "libinspect.h"

#define MOCK_PAGE_OFFSET	0xffff888000000000ULL
#define MOCK_VMEMMAP		0xffffea0000000000ULL
#define MOCK_KTEXT		0xffffffff80000000ULL
#define MOCK_TAIL_MAPPING	0xdead000000000400ULL
#define MOCK_RAM_PFNS		0x8000ULL	/* 128 MiB of RAM with a memmap */

enum { MT_PRIVATE = 1, MT_COHERENT, MT_FS_DAX, MT_GENERIC, MT_P2PDMA };

struct mock;

struct mock_pgmap_spec {
	int type;
	uint64_t start_pfn, nr_pages;	/* one range */
	unsigned int shift;		/* vmemmap_shift */
	bool dedup;			/* map the vmemmap like 5.19+ reuse */
	bool altmap;			/* reserve+free at the range start */
	uint64_t reserve, free;
	bool in_array;			/* register in pgmap_array */
};

struct mock *mock_new(void);
void mock_free(struct mock *m);
struct mock *mock_clone(const struct mock *m);	/* deep copy */
struct li_target *mock_target(struct mock *m);

/* memory */
uint64_t mock_alloc_phys(struct mock *m, uint64_t bytes);	/* page aligned */
uint64_t mock_kmalloc(struct mock *m, uint64_t bytes);		/* direct-map VA */
int mock_write(struct mock *m, uint64_t va, const void *buf, size_t len);
int mock_read_va(struct mock *m, uint64_t va, void *buf, size_t len);
void mock_w64(struct mock *m, uint64_t va, uint64_t v);
void mock_w32(struct mock *m, uint64_t va, uint32_t v);
void mock_w8(struct mock *m, uint64_t va, uint8_t v);
uint64_t mock_r64(struct mock *m, uint64_t va);
void mock_map4k(struct mock *m, uint64_t va, uint64_t phys, bool rw);
void mock_map2m(struct mock *m, uint64_t va, uint64_t phys);
void mock_unmap4k(struct mock *m, uint64_t va);
/* reads fail -LI_READ_FAULT where they would say -ENODATA or -EFAULT */
void mock_set_plain_fault(struct mock *m, bool on);
/* vmemmap reads say -LI_READ_XLAT, as crash --minimal's target */
void mock_set_xlat_vmemmap(struct mock *m, bool on);
uint64_t mock_xlat_answers(struct mock *m);
/* VMCOREINFO's SYMBOL(x) = our symbol x + skew (a KASLR offset not applied) */
void mock_set_vmcoreinfo_skew(struct mock *m, uint64_t skew);
void mock_set_nodata(struct mock *m, uint64_t phys, uint64_t bytes);
uint64_t mock_virt_to_phys(struct mock *m, uint64_t va);
/* the physical frame behind a vmemmap VA (0 if unmapped) */
uint64_t mock_vmemmap_frame(struct mock *m, uint64_t va);

/* kernel objects */
uint64_t mock_page(uint64_t pfn);				/* struct page VA */
uint64_t mock_add_pgmap(struct mock *m, const struct mock_pgmap_spec *s);
uint64_t mock_symbol(struct mock *m, const char *name);
/* xarray: store [first, last] -> entry (simple, no sibling entries) */
void mock_xa_store(struct mock *m, uint64_t first, uint64_t last, uint64_t entry);
uint64_t mock_xa_root_node(struct mock *m);			/* node VA or 0 */
void mock_set_nr_cpus(struct mock *m, unsigned int n);
void mock_set_folio_pgmap(struct mock *m);	/* 6.15+ layout */
void mock_hugetlb_add(struct mock *m, uint64_t pfn, bool optimize);

/* tasks and user page tables */
#define MOCK_MAX_SWAPFILES	22
#define MOCK_SWP_DEVICE_WRITE	26	/* 22 + HWPOISON + 3 MIGRATION */
#define MOCK_PTE_DEVMAP		(1ULL << 58)
/*
 * make_device_exclusive_range (4 device swap types) or, single_exclusive,
 * 6.15's make_device_exclusive (3 types: MAX_SWAPFILES one higher, so the
 * device types start at MOCK_SWP_DEVICE_WRITE + 1); memory_failure,
 * migrate_pages, swap_info
 */
void mock_enable_device_private(struct mock *m, bool single_exclusive);
uint64_t mock_mm_new(struct mock *m);
/* a task linked at the tail of init_task.tasks */
uint64_t mock_task_new(struct mock *m, int pid, const char *comm, uint64_t mm,
		       bool kthread);
/* a thread of leader's group (not on the tasks list) */
uint64_t mock_thread_new(struct mock *m, uint64_t leader, int pid, uint64_t mm);
/* write a raw user page-table entry at level 1 (PTE), 2 (PMD) or 3 (PUD) */
/* A child of iomem_resource: [start, end] physical, IORESOURCE_* flags. */
#define MOCK_IORES_SYSTEM_RAM	0x01000200ULL
#define MOCK_IORES_MEM		0x00000200ULL
#define MOCK_IORES_DESC_PMEM_LEGACY	5
void mock_iomem_add(struct mock *m, uint64_t start, uint64_t end,
		    uint64_t flags, uint32_t desc);
void mock_user_set(struct mock *m, uint64_t mm, uint64_t va, int level,
		   uint64_t entry);
/* x86_64 swap entry encoding */
uint64_t mock_swp_entry(unsigned int type, uint64_t offset);

#endif
