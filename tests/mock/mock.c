// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Mock li_target: a synthetic 6.1-like x86_64 kernel in memory.  Physical
 * memory is sparse (4 KiB pages allocated on write, zero otherwise, or
 * -ENODATA where marked not captured); kernel virtual addresses translate
 * like the real kernel's: text, direct map, and the vmemmap through 4-level
 * page tables that the mock builds in its own physical memory, so vmemmap
 * aliasing behaves as in a real dump.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mock.h"

#define PG		4096ULL
#define NBUCKETS	4096
#define PTE_P		1ULL
#define PTE_RW		2ULL
#define PTE_PSE		(1ULL << 7)
#define ADDR_MASK	0x000ffffffffff000ULL
#define KPHYS		0x1000000ULL		/* kernel image */
#define PERCPU_STRIDE	0x10000ULL
#define ZONES_PGSHIFT	51
#define BIAS		(1ULL << 63)

struct ppage {
	uint64_t pfn;
	bool nodata;
	uint8_t *data;
	struct ppage *next;
};

struct msym {
	const char *name;
	uint64_t addr;
};

struct mock {
	struct li_target t;
	struct ppage *bucket[NBUCKETS];
	uint64_t next_phys;
	uint64_t next_kmalloc, kmalloc_end;
	uint64_t pgd;			/* phys */
	struct msym syms[64];
	int nsyms;
	uint64_t xa_root;		/* node VA */
	unsigned int nr_cpus;
	uint64_t hstate;		/* VA of hstates[0] */
	bool folio_pgmap;
	bool device_private;		/* CONFIG_DEVICE_PRIVATE symbols */
	bool single_exclusive;		/* 6.15+: one SWP_DEVICE_EXCLUSIVE */
	uint64_t last_task;		/* tail of init_task.tasks */
	bool plain_fault;		/* -LI_READ_FAULT for both failures */
	bool xlat_vmemmap;		/* -LI_READ_XLAT for the vmemmap */
	uint64_t vmci_skew;		/* VMCOREINFO's SYMBOL()s minus ours */
	uint64_t xlat_answers;		/* reads answered -LI_READ_XLAT */
};

uint64_t mock_xlat_answers(struct mock *m)
{
	return m->xlat_answers;
}

void mock_set_vmcoreinfo_skew(struct mock *m, uint64_t skew)
{
	m->vmci_skew = skew;
}

void mock_set_plain_fault(struct mock *m, bool on)
{
	m->plain_fault = on;
}

void mock_set_xlat_vmemmap(struct mock *m, bool on)
{
	m->xlat_vmemmap = on;
}

void mock_set_folio_pgmap(struct mock *m)
{
	m->folio_pgmap = true;
}

/* ---- physical memory ---- */

static struct ppage *ppage(struct mock *m, uint64_t pfn, bool create)
{
	struct ppage **b = &m->bucket[pfn % NBUCKETS], *p;

	for (p = *b; p; p = p->next)
		if (p->pfn == pfn)
			return p;
	if (!create)
		return NULL;
	p = calloc(1, sizeof(*p));
	p->data = calloc(1, PG);
	p->pfn = pfn;
	p->next = *b;
	*b = p;
	return p;
}

static int phys_rw(struct mock *m, uint64_t pa, void *buf, size_t len, bool wr)
{
	/* past MAX_PHYSMEM_BITS (46) no memory exists: a garbage table entry
	 * read as a frame is an invalid address, as for a real dump's target */
	if (!wr && (pa >> 46 || (pa + len - 1) >> 46))
		return -EFAULT;
	while (len) {
		uint64_t off = pa % PG, n = PG - off;
		struct ppage *p = ppage(m, pa / PG, wr);

		if (n > len)
			n = len;
		if (p && p->nodata && !wr)
			return -ENODATA;
		if (wr)
			memcpy(p->data + off, buf, n);
		else if (p)
			memcpy(buf, p->data + off, n);
		else
			memset(buf, 0, n);
		pa += n;
		buf = (uint8_t *)buf + n;
		len -= n;
	}
	return 0;
}

uint64_t mock_alloc_phys(struct mock *m, uint64_t bytes)
{
	uint64_t pa = m->next_phys;

	m->next_phys += (bytes + PG - 1) & ~(PG - 1);
	return pa;
}

uint64_t mock_kmalloc(struct mock *m, uint64_t bytes)
{
	uint64_t va;

	bytes = (bytes + 63) & ~63ULL;
	if (m->next_kmalloc + bytes > m->kmalloc_end) {
		uint64_t chunk = bytes > (1 << 20) ? bytes : 1 << 20;

		m->next_kmalloc = MOCK_PAGE_OFFSET + mock_alloc_phys(m, chunk);
		m->kmalloc_end = m->next_kmalloc + chunk;
	}
	va = m->next_kmalloc;
	m->next_kmalloc += bytes;
	return va;
}

void mock_set_nodata(struct mock *m, uint64_t phys, uint64_t bytes)
{
	for (uint64_t pa = phys & ~(PG - 1); pa < phys + bytes; pa += PG)
		ppage(m, pa / PG, true)->nodata = true;
}

/* ---- page tables ---- */

static uint64_t *pt_entry(struct mock *m, uint64_t table, unsigned int idx)
{
	return (uint64_t *)(ppage(m, table / PG, true)->data + idx * 8);
}

static uint64_t pt_walk_alloc_in(struct mock *m, uint64_t root, uint64_t va,
				 int leaf_level)
{
	uint64_t table = root;

	for (int l = 0; l < leaf_level; l++) {
		int shift = 39 - 9 * l;
		uint64_t *e = pt_entry(m, table, (va >> shift) & 511);

		if (!(*e & PTE_P)) {
			*e = mock_alloc_phys(m, PG) | PTE_P | PTE_RW;
		} else if (*e & PTE_PSE) {
			/* split a 2 MiB leaf like vmemmap_split_pmd() */
			uint64_t base = *e & ADDR_MASK, t = mock_alloc_phys(m, PG);

			for (unsigned int i = 0; i < 512; i++)
				*pt_entry(m, t, i) = (base + i * PG) | PTE_P | PTE_RW;
			e = pt_entry(m, table, (va >> shift) & 511);
			*e = t | PTE_P | PTE_RW;
		}
		table = *e & ADDR_MASK;
	}
	return table;
}

static uint64_t pt_walk_alloc(struct mock *m, uint64_t va, int leaf_level)
{
	return pt_walk_alloc_in(m, m->pgd, va, leaf_level);
}

void mock_map4k(struct mock *m, uint64_t va, uint64_t phys, bool rw)
{
	uint64_t t = pt_walk_alloc(m, va, 3);

	*pt_entry(m, t, (va >> 12) & 511) = (phys & ADDR_MASK) | PTE_P |
					    (rw ? PTE_RW : 0);
}

void mock_unmap4k(struct mock *m, uint64_t va)
{
	*pt_entry(m, pt_walk_alloc(m, va, 3), (va >> 12) & 511) = 0;
}

void mock_map2m(struct mock *m, uint64_t va, uint64_t phys)
{
	uint64_t t = pt_walk_alloc(m, va, 2);

	*pt_entry(m, t, (va >> 21) & 511) = (phys & ADDR_MASK) | PTE_P |
					    PTE_RW | PTE_PSE;
}

/* 0 and *ok=false if unmapped */
static uint64_t pt_xlat(struct mock *m, uint64_t va, bool *ok)
{
	uint64_t table = m->pgd;

	*ok = false;
	for (int l = 0; l < 4; l++) {
		int shift = 39 - 9 * l;
		struct ppage *p = ppage(m, table / PG, false);
		uint64_t e;

		if (!p)
			return 0;
		memcpy(&e, p->data + ((va >> shift) & 511) * 8, 8);
		if (!(e & PTE_P))
			return 0;
		/* a PSE entry in a PUD or PMD is a 1 GiB or 2 MiB page, as the
		   MMU (and libinspect's walker) reads it */
		if (l == 3 || ((l == 1 || l == 2) && (e & PTE_PSE))) {
			*ok = true;
			return (e & ADDR_MASK & ~((1ULL << shift) - 1)) +
			       (va & ((1ULL << shift) - 1));
		}
		table = e & ADDR_MASK;
	}
	return 0;
}

uint64_t mock_virt_to_phys(struct mock *m, uint64_t va)
{
	bool ok;

	if (va >= MOCK_KTEXT)
		return va - MOCK_KTEXT;
	if (va >= MOCK_PAGE_OFFSET && va < MOCK_PAGE_OFFSET + (1ULL << 46))
		return va - MOCK_PAGE_OFFSET;
	return pt_xlat(m, va, &ok);
}

uint64_t mock_vmemmap_frame(struct mock *m, uint64_t va)
{
	bool ok;
	uint64_t pa = pt_xlat(m, va, &ok);

	return ok ? pa & ~(PG - 1) : 0;
}

static int virt_rw(struct mock *m, uint64_t va, void *buf, size_t len, bool wr)
{
	while (len) {
		uint64_t off = va % PG, n = PG - off, pa;
		bool ok = true;
		int err;

		if (n > len)
			n = len;
		if (va >= MOCK_KTEXT)
			pa = va - MOCK_KTEXT;
		else if (va >= MOCK_PAGE_OFFSET && va < MOCK_PAGE_OFFSET + (1ULL << 46))
			pa = va - MOCK_PAGE_OFFSET;
		else
			pa = pt_xlat(m, va, &ok);
		if (!ok)
			return -EFAULT;
		err = phys_rw(m, pa, buf, n, wr);
		if (err)
			return err;
		va += n;
		buf = (uint8_t *)buf + n;
		len -= n;
	}
	return 0;
}

int mock_write(struct mock *m, uint64_t va, const void *buf, size_t len)
{
	return virt_rw(m, va, (void *)buf, len, true);
}

int mock_read_va(struct mock *m, uint64_t va, void *buf, size_t len)
{
	return virt_rw(m, va, buf, len, false);
}

void mock_w64(struct mock *m, uint64_t va, uint64_t v)
{
	mock_write(m, va, &v, 8);
}

void mock_w32(struct mock *m, uint64_t va, uint32_t v)
{
	mock_write(m, va, &v, 4);
}

void mock_w8(struct mock *m, uint64_t va, uint8_t v)
{
	mock_write(m, va, &v, 1);
}

uint64_t mock_r64(struct mock *m, uint64_t va)
{
	uint64_t v = 0;

	mock_read_va(m, va, &v, 8);
	return v;
}

/* ---- types ---- */

struct mmember {
	const char *type, *member;
	uint64_t off;
};

static const struct mmember members[] = {
	{ "struct page", "flags", 0 },
	{ "struct page", "lru", 8 },
	{ "struct page", "compound_head", 8 },
	{ "struct page", "pgmap", 8 },
	{ "struct page", "mapping", 24 },
	{ "struct page", "private", 40 },
	{ "struct page", "compound_order", 17 },
	{ "struct page", "_mapcount", 48 },
	{ "struct page", "_refcount", 52 },
	{ "struct folio", "_pincount", 88 },
	{ "struct folio", "_folio_order", 81 },
	{ "struct folio", "_folio_nr_pages", 92 },
	{ "struct dev_pagemap", "altmap", 0 },
	{ "struct dev_pagemap", "ref", 48 },
	{ "struct dev_pagemap", "done", 64 },
	{ "struct dev_pagemap", "done.done", 64 },
	{ "struct dev_pagemap", "type", 96 },
	{ "struct dev_pagemap", "flags", 100 },
	{ "struct dev_pagemap", "vmemmap_shift", 104 },
	{ "struct dev_pagemap", "ops", 112 },
	{ "struct dev_pagemap", "owner", 120 },
	{ "struct dev_pagemap", "nr_range", 128 },
	{ "struct dev_pagemap", "range", 136 },
	{ "struct dev_pagemap", "ranges", 136 },
	{ "struct vmem_altmap", "base_pfn", 0 },
	{ "struct vmem_altmap", "end_pfn", 8 },
	{ "struct vmem_altmap", "reserve", 16 },
	{ "struct vmem_altmap", "free", 24 },
	{ "struct vmem_altmap", "align", 32 },
	{ "struct vmem_altmap", "alloc", 40 },
	{ "struct percpu_ref", "percpu_count_ptr", 0 },
	{ "struct percpu_ref", "data", 8 },
	{ "struct percpu_ref_data", "count", 0 },
	{ "struct percpu_ref_data", "release", 8 },
	{ "struct percpu_ref_data", "ref", 48 },
	{ "struct xarray", "xa_head", 8 },
	{ "struct xa_node", "shift", 0 },
	{ "struct xa_node", "slots", 40 },
	{ "struct hstate", "order", 40 },
	{ "struct hstate", "nr_huge_pages", 64 },
	{ "struct hstate", "hugepage_activelist", 104 },
	{ "struct hstate", "hugepage_freelists", 120 },
	{ "struct hstate", "name", 16504 },
	{ "struct task_struct", "flags", 44 },
	{ "struct task_struct", "tasks", 256 },
	{ "struct task_struct", "mm", 512 },
	{ "struct task_struct", "pid", 768 },
	{ "struct task_struct", "comm", 1024 },
	{ "struct mm_struct", "pgd", 80 },
	{ "struct task_struct", "signal", 1280 },
	{ "struct task_struct", "thread_node", 1296 },
	{ "struct signal_struct", "thread_head", 16 },
	{ "struct resource", "start", 0 },
	{ "struct resource", "end", 8 },
	{ "struct resource", "flags", 24 },
	{ "struct resource", "desc", 32 },
	{ "struct resource", "sibling", 48 },
	{ "struct resource", "child", 56 },
};

static const struct { const char *type; uint64_t size; } sizes[] = {
	{ "struct page", 64 }, { "struct dev_pagemap", 152 },
	{ "struct range", 16 }, { "struct list_head", 16 },
	{ "struct hstate", 16536 }, { "struct xa_node", 576 },
};

static const struct { const char *name; int64_t v; } enums[] = {
	{ "PG_reserved", 12 }, { "PG_head", 16 }, { "ZONE_DEVICE", 4 },
	{ "__MAX_NR_ZONES", 5 }, { "MEMORY_DEVICE_PRIVATE", 1 },
	{ "MEMORY_DEVICE_COHERENT", 2 }, { "MEMORY_DEVICE_FS_DAX", 3 },
	{ "MEMORY_DEVICE_GENERIC", 4 }, { "MEMORY_DEVICE_PCI_P2PDMA", 5 },
	{ "HPG_vmemmap_optimized", 4 },
	{ "IORES_DESC_PERSISTENT_MEMORY", 4 },
	{ "IORES_DESC_PERSISTENT_MEMORY_LEGACY", 5 },
};

static const char *const symbols[] = {
	"init_top_pgt", "pgmap_array", "vmemmap_base", "dev_pagemap_percpu_release",
	"__per_cpu_offset", "nr_cpu_ids", "zone_device_page_init",
	"vmemmap_populate_address", "node_data", "hstates", "hugetlb_max_hstate",
	"hugetlb_optimize_vmemmap_key", "phys_base", "devmap_managed_key",
	"free_zone_device_page", "init_task", "iomem_resource",
	"__cpu_possible_mask",
};

static int t_read(void *ctx, enum li_addr_space sp, uint64_t addr, void *buf,
		  size_t len)
{
	struct mock *m = ctx;
	int err;

	/* crash --minimal: no translation of the vmemmap, read or not */
	if (m->xlat_vmemmap && sp == LI_KVADDR && addr >= MOCK_VMEMMAP &&
	    addr < MOCK_KTEXT) {
		m->xlat_answers++;
		return -LI_READ_XLAT;
	}
	if (sp == LI_PHYSADDR)
		err = phys_rw(m, addr, buf, len, false);
	else
		err = virt_rw(m, addr, buf, len, false);
	/* a debugger's target, which cannot tell the two apart */
	if (m->plain_fault && (err == -ENODATA || err == -EFAULT))
		return -LI_READ_FAULT;
	return err;
}

static int t_size(void *ctx, const char *type, uint64_t *size)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (!strcmp(sizes[i].type, type)) {
			*size = sizes[i].size;
			return 0;
		}
	return -ENOENT;
}

static int t_member(void *ctx, const char *type, const char *member,
		    uint64_t *off)
{
	struct mock *m = ctx;

	/* 6.15+ layout: pgmap moved from struct page to struct folio */
	if (m->folio_pgmap && !strcmp(member, "pgmap")) {
		if (strcmp(type, "struct folio"))
			return -ENOENT;
		*off = 8;
		return 0;
	}
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		if (!strcmp(members[i].type, type) &&
		    !strcmp(members[i].member, member)) {
			*off = members[i].off;
			return 0;
		}
	return -ENOENT;
}

static int t_enum(void *ctx, const char *name, int64_t *v)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]); i++)
		if (!strcmp(enums[i].name, name)) {
			*v = enums[i].v;
			return 0;
		}
	return -ENOENT;
}

uint64_t mock_symbol(struct mock *m, const char *name)
{
	for (int i = 0; i < m->nsyms; i++)
		if (!strcmp(m->syms[i].name, name))
			return m->syms[i].addr;
	return 0;
}

static int t_symbol(void *ctx, const char *name, uint64_t *addr)
{
	struct mock *m = ctx;

	*addr = mock_symbol(m, name);
	return *addr ? 0 : -ENOENT;
}

static int t_symsize(void *ctx, const char *name, uint64_t *size)
{
	struct mock *m = ctx;

	/* 6.1 with DEVICE_PRIVATE: MAX_SWAPFILES = 32 - 1 - 3 - 4 - 1 - 1 */
	if (m->device_private && !strcmp(name, "swap_info")) {
		*size = (MOCK_MAX_SWAPFILES + m->single_exclusive) * 8;
		return 0;
	}
	if (strcmp(name, "node_data"))
		return -ENOENT;
	*size = 8192;
	return 0;
}

static int t_vmcoreinfo(void *ctx, const char *key, char *val, size_t len)
{
	struct mock *m = ctx;
	char name[64];
	uint64_t a;

	/* SYMBOL(name): the kernel's address of it, as VMCOREINFO has it */
	if (sscanf(key, "SYMBOL(%63[^)])", name) == 1) {
		if (!(a = mock_symbol(m, name)))
			return -ENOENT;
		snprintf(val, len, "%llx", (unsigned long long)(a + m->vmci_skew));
	} else if (!strcmp(key, "OSRELEASE"))
		snprintf(val, len, "mock-6.1");
	else if (!strcmp(key, "NUMBER(phys_base)"))
		snprintf(val, len, "0");
	else if (!strcmp(key, "NUMBER(PG_head_mask)"))
		snprintf(val, len, "65536");
	else
		return -ENOENT;
	return 0;
}

static const struct li_target_ops mock_ops = {
	.read = t_read,
	.type_size = t_size,
	.member_offset = t_member,
	.enum_value = t_enum,
	.symbol_address = t_symbol,
	.symbol_size = t_symsize,
	.vmcoreinfo = t_vmcoreinfo,
};

/* ---- kernel objects ---- */

uint64_t mock_page(uint64_t pfn)
{
	return MOCK_VMEMMAP + pfn * 64;
}

void mock_set_nr_cpus(struct mock *m, unsigned int n)
{
	m->nr_cpus = n;
	mock_w32(m, mock_symbol(m, "nr_cpu_ids"), n);
	for (unsigned int c = 0; c < n; c++) {
		uint64_t w = mock_symbol(m, "__cpu_possible_mask") + c / 64 * 8;

		mock_w64(m, mock_symbol(m, "__per_cpu_offset") + 8 * c,
			 c * PERCPU_STRIDE);
		mock_w64(m, w, mock_r64(m, w) | 1ULL << (c % 64));
	}
}

static void ram_memmap(struct mock *m)
{
	uint64_t bytes = MOCK_RAM_PFNS * 64;
	uint64_t block = mock_alloc_phys(m, bytes + (2 << 20)), flags;

	block = (block + (2 << 20) - 1) & ~((2ULL << 20) - 1);
	m->next_phys = block + bytes;
	for (uint64_t off = 0; off < bytes; off += 2 << 20)
		mock_map2m(m, MOCK_VMEMMAP + off, block + off);
	/* RAM pages are ZONE_DMA32, refcount 1 */
	for (uint64_t pfn = 0; pfn < MOCK_RAM_PFNS; pfn++) {
		flags = 1ULL << ZONES_PGSHIFT;
		phys_rw(m, block + pfn * 64, &flags, 8, true);
		flags = 1;
		phys_rw(m, block + pfn * 64 + 52, &flags, 4, true);
	}
}

struct mock *mock_new(void)
{
	struct mock *m = calloc(1, sizeof(*m));

	m->next_phys = 0x2000000;
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		m->syms[m->nsyms].name = symbols[i];
		m->syms[m->nsyms].addr = MOCK_KTEXT + KPHYS + i * PG;
		m->nsyms++;
	}
	m->pgd = mock_symbol(m, "init_top_pgt") - MOCK_KTEXT;
	ppage(m, m->pgd / PG, true);
	mock_w64(m, mock_symbol(m, "vmemmap_base"), MOCK_VMEMMAP);
	mock_w32(m, mock_symbol(m, "hugetlb_max_hstate"), 0);
	ram_memmap(m);
	mock_set_nr_cpus(m, 2);
	/* init_task: pid 0, no mm, alone on the tasks list */
	m->last_task = mock_symbol(m, "init_task");
	mock_w64(m, m->last_task + 256, m->last_task + 256);
	mock_w64(m, m->last_task + 264, m->last_task + 256);
	mock_w32(m, m->last_task + 44, 0x00200000);
	mock_write(m, m->last_task + 1024, "swapper/0", 10);
	m->t.ops = &mock_ops;
	m->t.ctx = m;
	m->t.frontend = "mock";
	m->t.source = "mock";
	return m;
}

void mock_free(struct mock *m)
{
	for (int i = 0; i < NBUCKETS; i++)
		for (struct ppage *p = m->bucket[i], *n; p; p = n) {
			n = p->next;
			free(p->data);
			free(p);
		}
	free(m);
}

/* A deep copy: build an image once, then damage copies of it (tests/fuzz). */
struct mock *mock_clone(const struct mock *src)
{
	struct mock *m = malloc(sizeof(*m));

	*m = *src;
	m->t.ctx = m;
	for (int i = 0; i < NBUCKETS; i++) {
		struct ppage **tail = &m->bucket[i];

		*tail = NULL;
		for (const struct ppage *p = src->bucket[i]; p; p = p->next) {
			struct ppage *q = malloc(sizeof(*q));

			*q = *p;
			q->data = malloc(PG);
			memcpy(q->data, p->data, PG);
			q->next = NULL;
			*tail = q;
			tail = &q->next;
		}
	}
	return m;
}

struct li_target *mock_target(struct mock *m)
{
	return &m->t;
}

/* xarray with a root of shift 12 (indices < 2^18), plain entries only */
static uint64_t xa_node_new(struct mock *m, int shift)
{
	uint64_t n = mock_kmalloc(m, 576);

	mock_w8(m, n, shift);
	return n;
}

static void xa_store_rec(struct mock *m, uint64_t node, uint64_t base, int shift,
			 uint64_t first, uint64_t last, uint64_t entry)
{
	for (unsigned int i = 0; i < 64; i++) {
		uint64_t lo = base + ((uint64_t)i << shift);
		uint64_t hi = lo + (1ULL << shift) - 1;
		uint64_t slot = node + 40 + 8 * i, child;

		if (hi < first || lo > last)
			continue;
		if ((first <= lo && hi <= last) || !shift) {
			mock_w64(m, slot, entry);
			continue;
		}
		child = mock_r64(m, slot);
		if ((child & 3) != 2) {
			/* split a plain entry: the child inherits it */
			uint64_t old = child;

			child = xa_node_new(m, shift - 6) | 2;
			for (unsigned int j = 0; j < 64; j++)
				mock_w64(m, child - 2 + 40 + 8 * j, old);
			mock_w64(m, slot, child);
		}
		xa_store_rec(m, child - 2, lo, shift - 6, first, last, entry);
	}
}

void mock_xa_store(struct mock *m, uint64_t first, uint64_t last, uint64_t entry)
{
	uint64_t xa = mock_symbol(m, "pgmap_array");

	if (!m->xa_root) {
		m->xa_root = xa_node_new(m, 12);
		mock_w64(m, xa + 8, m->xa_root | 2);
	}
	xa_store_rec(m, m->xa_root, 0, 12, first, last, entry);
}

uint64_t mock_xa_root_node(struct mock *m)
{
	return m->xa_root;
}

/* vmemmap for [start, start+n) pfns; dedup per compound like §5.4 */
static void map_vmemmap(struct mock *m, const struct mock_pgmap_spec *s,
			uint64_t alt_phys)
{
	uint64_t va0 = mock_page(s->start_pfn), va1 = mock_page(s->start_pfn + s->nr_pages);
	uint64_t vpc = (64ULL << s->shift) / PG;

	for (uint64_t va = va0; va < va1; va += PG) {
		uint64_t k = vpc >= 2 ? ((va - va0) / PG) % vpc : 0, pa;

		if (s->dedup && vpc >= 2 && k >= 2) {
			/* alias of the compound's second vmemmap page */
			pa = mock_vmemmap_frame(m, va - (k - 1) * PG);
			mock_map4k(m, va, pa, true);
			continue;
		}
		if (alt_phys) {
			pa = alt_phys;
			alt_phys += PG;
		} else {
			pa = mock_alloc_phys(m, PG);
		}
		mock_map4k(m, va, pa, true);
	}
	if (!s->dedup || vpc < 2)
		return;
	/* page_count(F1) == 1 + (V - 2) */
	for (uint64_t va = va0; va < va1; va += vpc * PG) {
		uint64_t f1 = mock_vmemmap_frame(m, va + PG) / PG;

		mock_w32(m, mock_page(f1) + 52, (uint32_t)(vpc - 1));
	}
}

static void init_pages(struct mock *m, const struct mock_pgmap_spec *s,
		       uint64_t pgmap, uint64_t first)
{
	uint64_t n = 1ULL << s->shift, end = s->start_pfn + s->nr_pages;
	uint32_t idle = s->type == MT_PRIVATE || s->type == MT_COHERENT ||
			(m->folio_pgmap && (s->type == MT_FS_DAX || s->type == MT_P2PDMA)) ? 0 : 1;

	for (uint64_t pfn = first; pfn < end; pfn++) {
		uint64_t head = first + ((pfn - first) & ~(n - 1));
		uint64_t va = mock_page(pfn);
		uint64_t flags = (4ULL << ZONES_PGSHIFT) | (1ULL << 12);
		uint8_t p[64];

		memset(p, 0, sizeof(p));
		mock_read_va(m, va, p, 64);	/* keep page[1] fields */
		if (pfn == head && n > 1)
			flags |= 1ULL << 16;
		memcpy(p, &flags, 8);
		if (pfn == head) {
			int32_t mc = -1;

			memcpy(p + 8, &pgmap, 8);
			memcpy(p + 52, &idle, 4);
			memcpy(p + 48, &mc, 4);
		} else {
			uint64_t ch = mock_page(head) | 1, tm = MOCK_TAIL_MAPPING;
			uint32_t zero = 0;

			memcpy(p + 8, &ch, 8);
			memcpy(p + 24, &tm, 8);
			memcpy(p + 52, &zero, 4);
			if (pfn == head + 1) {
				/* prep_compound_head(): order, pincount 0, nr */
				uint32_t nr = (uint32_t)n;

				p[17] = (uint8_t)s->shift;
				memcpy(p + 24, &zero, 4);
				memcpy(p + 28, &nr, 4);
			}
		}
		mock_write(m, va, p, 64);
	}
}

uint64_t mock_add_pgmap(struct mock *m, const struct mock_pgmap_spec *s)
{
	uint64_t g = mock_kmalloc(m, 152), data = mock_kmalloc(m, 56);
	uint64_t pcpu = mock_kmalloc(m, PERCPU_STRIDE * m->nr_cpus);
	uint64_t first = s->start_pfn, alt_phys = 0, count;
	uint64_t start = s->start_pfn * PG, end = (s->start_pfn + s->nr_pages) * PG - 1;

	if (s->altmap) {
		first += s->reserve + s->free;
		alt_phys = (s->start_pfn + s->reserve) * PG;
		mock_w64(m, g + 0, s->start_pfn);
		mock_w64(m, g + 8, s->start_pfn + s->nr_pages - 1);
		mock_w64(m, g + 16, s->reserve);
		mock_w64(m, g + 24, s->free);
		mock_w64(m, g + 40, (64 * s->nr_pages + PG - 1) / PG);
	}
	/* percpu mode: data->count = BIAS + L - sum(percpu) */
	count = 1 + (s->type == MT_PRIVATE || s->type == MT_COHERENT ? 0 :
		     (s->start_pfn + s->nr_pages - first) >> s->shift);
	mock_w64(m, pcpu, 3);
	if (m->nr_cpus > 1)
		mock_w64(m, pcpu + PERCPU_STRIDE, (uint64_t)-1);
	mock_w64(m, data, BIAS + count - (m->nr_cpus > 1 ? 2 : 3));
	mock_w64(m, data + 8, mock_symbol(m, "dev_pagemap_percpu_release"));
	mock_w64(m, data + 48, g + 48);
	mock_w64(m, g + 48, pcpu);
	mock_w64(m, g + 56, data);
	mock_w32(m, g + 96, s->type);
	mock_w32(m, g + 100, s->altmap ? 1 : 0);
	mock_w64(m, g + 104, s->shift);
	mock_w32(m, g + 128, 1);
	mock_w64(m, g + 136, start);
	mock_w64(m, g + 144, end);
	if (s->type == MT_FS_DAX && s->in_array) {
		uint64_t key = mock_symbol(m, "devmap_managed_key");

		mock_w32(m, key, (uint32_t)mock_r64(m, key) + 1);
	}
	map_vmemmap(m, s, alt_phys);
	init_pages(m, s, g, first);
	if (s->in_array)
		mock_xa_store(m, s->start_pfn, s->start_pfn + s->nr_pages - 1, g);
	return g;
}

/* One 2 MiB hugetlb folio at pfn on hstates[0]'s active list. */
void mock_hugetlb_add(struct mock *m, uint64_t pfn, bool optimize)
{
	uint64_t hs = mock_symbol(m, "hstates"), head = mock_page(pfn);
	uint64_t list = hs + 104, prev;

	if (!m->hstate) {
		m->hstate = hs;
		mock_w32(m, mock_symbol(m, "hugetlb_max_hstate"), 1);
		mock_w32(m, hs + 40, 9);
		mock_w64(m, list, list);
		mock_w64(m, list + 8, list);
		mock_write(m, hs + 16504, "hugepages-2048kB", 17);
	}
	/* struct pages: head + tails, order in page[1] */
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t va = mock_page(pfn + i);

		mock_w64(m, va, (1ULL << ZONES_PGSHIFT) | (i ? 0 : 1ULL << 16));
		if (i)
			mock_w64(m, va + 8, head | 1);
	}
	mock_w8(m, head + 64 + 17, 9);
	mock_w64(m, head + 40, optimize ? 1ULL << 4 : 0);
	mock_w32(m, head + 52, 1);
	if (optimize) {
		/* vmemmap pages 1..7 -> frame of page 0, read-only */
		uint64_t f0 = mock_vmemmap_frame(m, head), nf = mock_alloc_phys(m, PG);
		uint8_t buf[PG];

		mock_read_va(m, head, buf, PG);
		phys_rw(m, nf, buf, PG, true);
		mock_map4k(m, head, nf, true);
		for (int k = 1; k < 8; k++)
			mock_map4k(m, head + k * PG, nf, false);
		(void)f0;
	}
	/* link head->lru at the tail of the active list */
	prev = mock_r64(m, list + 8);
	mock_w64(m, head + 8, list);
	mock_w64(m, head + 16, prev);
	mock_w64(m, prev, head + 8);
	mock_w64(m, list + 8, head + 8);
	mock_w64(m, hs + 64, mock_r64(m, hs + 64) + 1);
	if (optimize) {
		uint64_t key = mock_symbol(m, "hugetlb_optimize_vmemmap_key");
		uint64_t v = mock_r64(m, key);

		mock_w32(m, key, (uint32_t)v + 1);
	}
}

/* ---- iomem ---- */

void mock_iomem_add(struct mock *m, uint64_t start, uint64_t end,
		    uint64_t flags, uint32_t desc)
{
	uint64_t root = mock_symbol(m, "iomem_resource");
	uint64_t r = mock_kmalloc(m, 64);

	mock_w64(m, r, start);
	mock_w64(m, r + 8, end);
	mock_w64(m, r + 24, flags);
	mock_w32(m, r + 32, desc);
	mock_w64(m, r + 48, mock_r64(m, root + 56));	/* sibling = old first */
	mock_w64(m, root + 56, r);
}

/* ---- tasks and user page tables ---- */

static void add_symbol(struct mock *m, const char *name)
{
	m->syms[m->nsyms].name = name;
	m->syms[m->nsyms].addr = MOCK_KTEXT + KPHYS + m->nsyms * PG;
	m->nsyms++;
}

void mock_enable_device_private(struct mock *m, bool single_exclusive)
{
	m->device_private = true;
	m->single_exclusive = single_exclusive;
	add_symbol(m, single_exclusive ? "make_device_exclusive" :
		   "make_device_exclusive_range");
	add_symbol(m, "memory_failure");
	add_symbol(m, "migrate_pages");
	add_symbol(m, "swap_info");
}

uint64_t mock_mm_new(struct mock *m)
{
	uint64_t mm = mock_kmalloc(m, 1024), pgd = mock_alloc_phys(m, PG);

	ppage(m, pgd / PG, true);
	mock_w64(m, mm + 80, MOCK_PAGE_OFFSET + pgd);
	return mm;
}

uint64_t mock_task_new(struct mock *m, int pid, const char *comm, uint64_t mm,
		       bool kthread)
{
	uint64_t t = mock_kmalloc(m, 2048), head = mock_symbol(m, "init_task") + 256, sig;

	mock_w32(m, t + 44, kthread ? 0x00200000 : 0);
	mock_w64(m, t + 512, mm);
	mock_w32(m, t + 768, (uint32_t)pid);
	mock_write(m, t + 1024, comm, strlen(comm) + 1);
	/* list_add_tail(&t->tasks, &init_task.tasks) */
	mock_w64(m, t + 256, head);
	mock_w64(m, t + 264, m->last_task + 256);
	mock_w64(m, m->last_task + 256, t + 256);
	mock_w64(m, head + 8, t + 256);
	m->last_task = t;
	/* its own thread group: signal->thread_head <-> t->thread_node */
	sig = mock_kmalloc(m, 64);
	mock_w64(m, t + 1280, sig);
	mock_w64(m, sig + 16, t + 1296);
	mock_w64(m, sig + 24, t + 1296);
	mock_w64(m, t + 1296, sig + 16);
	mock_w64(m, t + 1304, sig + 16);
	return t;
}

uint64_t mock_thread_new(struct mock *m, uint64_t leader, int pid, uint64_t mm)
{
	uint64_t t = mock_kmalloc(m, 2048), sig = mock_r64(m, leader + 1280);
	uint64_t head = sig + 16, prev = mock_r64(m, head + 8);

	mock_w64(m, t + 512, mm);
	mock_w32(m, t + 768, (uint32_t)pid);
	mock_w64(m, t + 1280, sig);
	/* list_add_tail(&t->thread_node, &sig->thread_head) */
	mock_w64(m, t + 1296, head);
	mock_w64(m, t + 1304, prev);
	mock_w64(m, prev, t + 1296);
	mock_w64(m, head + 8, t + 1296);
	return t;
}

void mock_user_set(struct mock *m, uint64_t mm, uint64_t va, int level,
		   uint64_t entry)
{
	uint64_t root = mock_r64(m, mm + 80) - MOCK_PAGE_OFFSET;
	uint64_t t = pt_walk_alloc_in(m, root, va, 4 - level);

	*pt_entry(m, t, (va >> (12 + 9 * (level - 1))) & 511) = entry;
}

uint64_t mock_swp_entry(unsigned int type, uint64_t offset)
{
	return (~offset << 14 >> 5) | ((uint64_t)type << 59);
}
