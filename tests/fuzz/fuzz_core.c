// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: the libinspect core (li_check and the report writers)
 * over the mock target of tests/mock/, with a damaged kernel image.
 *
 * Every input builds a fresh, valid mock image (a device-dax/fsdax/private
 * pgmap in pgmap_array, its struct pages and vmemmap, optionally a second
 * pgmap, hugetlb folios, tasks whose page tables map device memory, iomem),
 * chosen by the first bytes, and then applies the rest of the input as
 * damage:
 *
 *   - bytes or pointer-like words written at offsets of the kernel objects
 *     (pgmaps, ref data, percpu counters, xarray nodes, struct pages,
 *     vmemmap and user page-table pages, hstates, tasks, mm, symbols);
 *   - physical frames marked not captured (-ENODATA, as a filtered dump);
 *   - kernel virtual ranges that read as -ENODATA or -EFAULT;
 *   - the Nth read of the run failing with -EIO/-ENODATA/-EFAULT;
 *   - types, members, enumerators, symbols and VMCOREINFO keys hidden
 *     (-ENOENT), the optional callbacks absent.
 *
 * Then li_check() runs, and the report is written as text and JSON.
 * Beside the sanitizers, one property is asserted: a finding of error
 * severity that judges a struct page is never reported for a struct page
 * that cannot be read ("memory missing from a dump is reported as not
 * captured, never as a violation").  FUZZ_CORE_NO_PROPERTY=1 turns it off,
 * FUZZ_CORE_PROPERTY_SKIP=CODE,CODE leaves those codes out of it.
 * FUZZ_CORE_MAX_STEPS=N cancels li_check() after N progress calls (about
 * one per 32768 struct pages), to look past a known hang; default: none.
 *
 * Input format (all little-endian, missing bytes read as 0):
 *   byte 0   pgmap 1: bits 0-2 type, 3-4 vmemmap_shift {0,2,6,9},
 *            5 dedup, 6 altmap, 7 second pgmap
 *   byte 1   bit 0 hugetlb, 1 tasks+holders, 2 device-private swap types,
 *            3 single exclusive, 4 one cpu, 5 iomem, 6 6.15 folio->pgmap,
 *            7 pgmap 1 not in pgmap_array
 *   byte 2   li_options: bits 0-3 LI_OPT_*, 4 pfn filter, 5 pgmap filter,
 *            6 no symbol_size, 7 no vmcoreinfo
 *   byte 3   max_findings (0: default)
 *   then operations until the input ends: one opcode byte, then operands.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "mock.h"

#define DEV_PFN		0x20000ULL
#define DEV2_PFN	0x28000ULL
#define HUGE_PFN	0x4000ULL
#define UVA		0x7f0000000000ULL
#define PG		((uint64_t)4096)
#define MAX_REGIONS	96
#define MAX_FAULTS	16
#define MAX_HIDDEN	8

struct region {
	uint64_t va, len;
	const char *name;	/* for FUZZ_CORE_TRACE */
};

struct fault {
	uint64_t va, len;
	int err;
	/* the same bytes by physical address (the core reads struct pages
	 * by frame): a hole is a hole whichever way it is read */
	uint64_t pa[2], plen[2];
};

struct fz {
	const uint8_t *p;
	size_t n, pos;
	struct mock *m;
	struct region reg[MAX_REGIONS];
	int nreg;
	uint64_t vals[64];
	int nvals;
	struct fault faults[MAX_FAULTS];
	int nfaults;
	uint8_t hidden[MAX_HIDDEN];
	int nhidden;
	uint64_t fail_nth, calls;
	int fail_err;
	const struct li_target *inner;
	struct li_target_ops ops;
	struct li_target t;
};

/* FUZZ_CORE_TRACE=1: say what the input does (to read a crash input) */
static bool trace;

#define TRACE(...) do { if (trace) fprintf(stderr, "fuzz_core: " __VA_ARGS__); } while (0)

static uint64_t get(struct fz *z, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		if (z->pos < z->n)
			v |= (uint64_t)z->p[z->pos++] << (8 * i);
	return v;
}

static void add_region(struct fz *z, uint64_t va, uint64_t len, const char *name)
{
	if (z->nreg < MAX_REGIONS && va && len)
		z->reg[z->nreg++] = (struct region){ va, len, name };
}

static void add_val(struct fz *z, uint64_t v)
{
	if (z->nvals < (int)(sizeof(z->vals) / sizeof(z->vals[0])))
		z->vals[z->nvals++] = v;
}

/* ---- the wrapping target: faults, failures and hidden names ---- */

static uint8_t name_hash(const char *a, const char *b)
{
	uint32_t h = 2166136261u;

	for (; a && *a; a++)
		h = (h ^ (uint8_t)*a) * 16777619u;
	for (; b && *b; b++)
		h = (h ^ (uint8_t)*b) * 16777619u;
	return (uint8_t)(h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24));
}

static bool hidden(struct fz *z, const char *a, const char *b)
{
	uint8_t h = name_hash(a, b);

	for (int i = 0; i < z->nhidden; i++)
		if (z->hidden[i] == h) {
			TRACE("hidden: %s%s%s\n", a ? a : "", b ? " " : "", b ? b : "");
			return true;
		}
	return false;
}

static int fault_of(struct fz *z, enum li_addr_space sp, uint64_t addr,
		    size_t len)
{
	for (int i = 0; i < z->nfaults; i++) {
		const struct fault *f = &z->faults[i];

		if (sp == LI_KVADDR) {
			if (addr < f->va + f->len && f->va < addr + len)
				return f->err;
			continue;
		}
		for (int k = 0; k < 2; k++)
			if (f->plen[k] && addr < f->pa[k] + f->plen[k] &&
			    f->pa[k] < addr + len)
				return f->err;
	}
	return 0;
}

/* The frame behind a kernel virtual address of the mock, 0 if none. */
static uint64_t mock_pa(struct fz *z, uint64_t va)
{
	if (va >= MOCK_PAGE_OFFSET && va < MOCK_VMEMMAP)
		return va - MOCK_PAGE_OFFSET;
	if (va >= MOCK_KTEXT)
		return va - MOCK_KTEXT;
	return mock_vmemmap_frame(z->m, va);
}

static int w_read(void *ctx, enum li_addr_space sp, uint64_t addr, void *buf,
		  size_t len)
{
	struct fz *z = ctx;
	int err;

	if (++z->calls == z->fail_nth)
		return z->fail_err;
	err = fault_of(z, sp, addr, len);
	if (err)
		return err;
	return z->inner->ops->read(z->inner->ctx, sp, addr, buf, len);
}

static int w_type_size(void *ctx, const char *type, uint64_t *size)
{
	struct fz *z = ctx;

	if (hidden(z, type, NULL))
		return -ENOENT;
	return z->inner->ops->type_size(z->inner->ctx, type, size);
}

static int w_member_offset(void *ctx, const char *type, const char *member,
			   uint64_t *off)
{
	struct fz *z = ctx;

	if (hidden(z, type, member))
		return -ENOENT;
	return z->inner->ops->member_offset(z->inner->ctx, type, member, off);
}

static int w_enum_value(void *ctx, const char *name, int64_t *v)
{
	struct fz *z = ctx;

	if (hidden(z, name, NULL))
		return -ENOENT;
	return z->inner->ops->enum_value(z->inner->ctx, name, v);
}

static int w_symbol_address(void *ctx, const char *name, uint64_t *addr)
{
	struct fz *z = ctx;

	if (hidden(z, name, NULL))
		return -ENOENT;
	return z->inner->ops->symbol_address(z->inner->ctx, name, addr);
}

static int w_symbol_size(void *ctx, const char *name, uint64_t *size)
{
	struct fz *z = ctx;

	if (hidden(z, "size:", name))
		return -ENOENT;
	return z->inner->ops->symbol_size(z->inner->ctx, name, size);
}

static int w_vmcoreinfo(void *ctx, const char *key, char *val, size_t len)
{
	struct fz *z = ctx;

	if (hidden(z, "vmcoreinfo:", key))
		return -ENOENT;
	return z->inner->ops->vmcoreinfo(z->inner->ctx, key, val, len);
}

/* ---- the image ---- */

static const int mtypes[8] = {
	MT_GENERIC, MT_GENERIC, MT_FS_DAX, MT_PRIVATE, MT_COHERENT, MT_P2PDMA,
	MT_FS_DAX, 0 /* not a memory_type */,
};

/* The page-table pages on the way to va from root (phys), as regions. */
static void add_pt_path(struct fz *z, uint64_t root, uint64_t va, int levels)
{
	uint64_t table = root;

	for (int l = 0; l < levels; l++) {
		uint64_t e = 0;

		add_region(z, MOCK_PAGE_OFFSET + table, PG, "page table");
		if (mock_read_va(z->m, MOCK_PAGE_OFFSET + table +
				 ((va >> (39 - 9 * l)) & 511) * 8, &e, 8) ||
		    !(e & 1) || (e & 0x80))
			return;
		table = e & 0x000ffffffffff000ULL;
	}
	add_region(z, MOCK_PAGE_OFFSET + table, PG, "page table");
}

static uint64_t pgmap_of(struct fz *z, uint8_t b, uint64_t pfn, uint64_t npages,
			 bool in_array)
{
	static const unsigned int shifts[4] = { 0, 2, 6, 9 };
	struct mock_pgmap_spec s = {
		.type = mtypes[b & 7], .start_pfn = pfn, .nr_pages = npages,
		.shift = shifts[(b >> 3) & 3], .dedup = b & 0x20,
		.altmap = b & 0x40, .in_array = in_array,
	};
	uint64_t g, data;

	if (s.altmap) {
		s.reserve = 2;
		s.free = 126;
	}
	g = mock_add_pgmap(z->m, &s);
	data = mock_r64(z->m, g + 56);
	add_region(z, g, 152, "dev_pagemap");
	add_region(z, data, 56, "percpu_ref_data");
	add_region(z, mock_r64(z->m, g + 48), 16, "percpu counters");
	add_region(z, mock_page(pfn), 64 * npages, "device struct pages");
	add_pt_path(z, mock_symbol(z->m, "init_top_pgt") - MOCK_KTEXT,
		    mock_page(pfn), 3);
	add_pt_path(z, mock_symbol(z->m, "init_top_pgt") - MOCK_KTEXT,
		    mock_page(pfn + npages - 1), 3);
	add_val(z, g);
	add_val(z, g + 48);
	add_val(z, data);
	add_val(z, mock_page(pfn));
	add_val(z, mock_page(pfn) | 1);
	add_val(z, mock_page(pfn + 512) | 1);
	add_val(z, mock_page(pfn + 1));
	add_val(z, pfn * PG);
	add_val(z, (pfn + npages) * PG - 1);
	add_val(z, ((pfn + 3) << 12) | 0x87);
	add_val(z, ((pfn + 3) << 12) | 0x7);
	return g;
}

/* mock_new() (the RAM memmap) costs ~14 ms under ASan: once, then copies */
static struct mock *base;

static void build(struct fz *z)
{
	uint8_t b0 = (uint8_t)get(z, 1), b1 = (uint8_t)get(z, 1);
	struct mock *m = mock_clone(base);
	uint64_t g1 = 0, root;

	z->m = m;
	if (b1 & 0x40)
		mock_set_folio_pgmap(m);
	if (b1 & 0x10)
		mock_set_nr_cpus(m, 1);
	if (b1 & 0x04)
		mock_enable_device_private(m, b1 & 0x08);
	g1 = pgmap_of(z, b0, DEV_PFN, 2048, !(b1 & 0x80));
	if (b0 & 0x80)
		pgmap_of(z, (uint8_t)(b0 ^ 0x1b), DEV2_PFN, 1024, true);
	root = mock_xa_root_node(m);
	if (root) {
		add_region(z, root, 576, "xa_node (root)");
		add_val(z, root | 2);
		for (int i = 0; i < 64; i++) {
			uint64_t e = mock_r64(m, root + 40 + 8 * i);

			if ((e & 3) == 2 && e > 4096) {
				add_region(z, e - 2, 576, "xa_node");
				add_val(z, e);
			}
		}
	}
	if (b1 & 0x01) {
		mock_hugetlb_add(m, HUGE_PFN, true);
		mock_hugetlb_add(m, HUGE_PFN + 512, false);
		add_region(z, mock_page(HUGE_PFN), 64 * 1024, "hugetlb struct pages");
		add_pt_path(z, mock_symbol(m, "init_top_pgt") - MOCK_KTEXT,
			    mock_page(HUGE_PFN), 3);
		add_val(z, mock_page(HUGE_PFN) + 8);
		add_val(z, mock_page(HUGE_PFN + 512) + 8);
		add_val(z, mock_symbol(m, "hstates") + 104);
	}
	if (b1 & 0x02) {
		uint64_t mm = mock_mm_new(m), mm2 = mock_mm_new(m), t1, t2;

		mock_task_new(m, 2, "kthreadd", 0, true);
		t1 = mock_task_new(m, 100, "holder", mm, false);
		t2 = mock_task_new(m, 101, "other", mm2, false);
		mock_thread_new(m, t1, 102, mm);
		mock_user_set(m, mm, UVA, 2, ((DEV_PFN + 512) << 12) | 0x87);
		mock_user_set(m, mm, UVA + (2 << 20), 1, ((DEV_PFN + 7) << 12) | 0x7);
		mock_user_set(m, mm2, UVA, 1, ((DEV2_PFN + 1) << 12) | 0x7);
		if (b1 & 0x04)
			mock_user_set(m, mm2, UVA + 4096, 1,
				      mock_swp_entry(MOCK_SWP_DEVICE_WRITE +
						     !!(b1 & 0x08), DEV_PFN + 9));
		for (uint64_t t = mock_symbol(m, "init_task"), k = 0; k < 6;
		     k++) {
			add_region(z, t, 2048, "task_struct");
			t = mock_r64(m, t + 256) - 256;
			if (t == mock_symbol(m, "init_task"))
				break;
		}
		add_region(z, mm, 1024, "mm_struct");
		add_region(z, mm2, 1024, "mm_struct");
		add_region(z, mock_r64(m, t1 + 1280), 64, "signal_struct");
		add_region(z, mock_r64(m, t2 + 1280), 64, "signal_struct");
		add_pt_path(z, mock_r64(m, mm + 80) - MOCK_PAGE_OFFSET, UVA, 4);
		add_pt_path(z, mock_r64(m, mm2 + 80) - MOCK_PAGE_OFFSET, UVA, 4);
		add_val(z, t1 + 256);
		add_val(z, t2 + 1296);
		add_val(z, mm);
	}
	if (b1 & 0x20) {
		mock_iomem_add(m, 0, MOCK_RAM_PFNS * PG - 1, MOCK_IORES_SYSTEM_RAM, 0);
		mock_iomem_add(m, DEV_PFN * PG, (DEV_PFN + 2048) * PG - 1,
			       MOCK_IORES_MEM, MOCK_IORES_DESC_PMEM_LEGACY);
		add_region(z, mock_r64(m, mock_symbol(m, "iomem_resource") + 56),
			   64, "resource");
	}
	/* the symbols' own storage (hstates is 16536 bytes) */
	{
		static const char *const syms[] = {
			"pgmap_array", "vmemmap_base", "__per_cpu_offset",
			"nr_cpu_ids", "node_data", "hstates",
			"hugetlb_max_hstate", "hugetlb_optimize_vmemmap_key",
			"phys_base", "devmap_managed_key", "init_task",
			"iomem_resource", "swap_info", "init_top_pgt",
		};

		for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
			uint64_t a = mock_symbol(m, syms[i]);

			add_region(z, a, !strcmp(syms[i], "hstates") ? 16536 : 256,
				   syms[i]);
			add_val(z, a);
		}
	}
	/* a little of the RAM memmap (the zone decode self-test reads it) */
	add_region(z, mock_page(0), 64 * 64, "RAM struct pages");
	add_val(z, 0);
	add_val(z, 1);
	add_val(z, 2);
	add_val(z, ~0ULL);
	add_val(z, 1ULL << 63);
	add_val(z, (4ULL << 51) | (1ULL << 16) | (1ULL << 12));
	add_val(z, MOCK_TAIL_MAPPING);
	add_val(z, MOCK_VMEMMAP);
	add_val(z, MOCK_PAGE_OFFSET);
	add_val(z, mock_symbol(m, "dev_pagemap_percpu_release"));
	(void)g1;
}

/* ---- damage ---- */

static struct region *pick(struct fz *z, uint64_t *off)
{
	struct region *r = &z->reg[get(z, 1) % z->nreg];

	*off = get(z, 4) % r->len;
	return r;
}

static void apply(struct fz *z)
{
	while (z->pos < z->n) {
		uint8_t op = (uint8_t)get(z, 1);
		struct region *r;
		uint64_t off, v;

		switch (op % 8) {
		case 0: {	/* raw bytes */
			uint8_t buf[16];
			size_t len = 1 + get(z, 1) % sizeof(buf);

			r = pick(z, &off);
			for (size_t i = 0; i < len; i++)
				buf[i] = (uint8_t)get(z, 1);
			if (len > r->len - off)
				len = r->len - off;
			mock_write(z->m, r->va + off, buf, len);
			TRACE("write %zu bytes at %s %#" PRIx64 " +%#" PRIx64 ":", len,
			      r->name, r->va, off);
			for (size_t i = 0; trace && i < len; i++)
				fprintf(stderr, " %02x", buf[i]);
			if (trace)
				fputc('\n', stderr);
			break;
		}
		case 1: {	/* an interesting word, +- a little */
			int8_t delta;

			r = pick(z, &off);
			off &= ~7ULL;
			v = z->vals[get(z, 1) % z->nvals];
			delta = (int8_t)get(z, 1);
			v += (int64_t)delta;
			if (off + 8 <= r->len) {
				mock_w64(z->m, r->va + off, v);
				TRACE("u64 %#" PRIx64 " at %s %#" PRIx64 " +%#" PRIx64 "\n",
				      v, r->name, r->va, off);
			}
			break;
		}
		case 2: {	/* 32-bit word (refcounts, counts, types) */
			r = pick(z, &off);
			off &= ~3ULL;
			v = get(z, 4);
			if (off + 4 <= r->len) {
				mock_w32(z->m, r->va + off, (uint32_t)v);
				TRACE("u32 %#" PRIx64 " at %s %#" PRIx64 " +%#" PRIx64 "\n",
				      v, r->name, r->va, off);
			}
			break;
		}
		case 3: {	/* physical frames not captured */
			uint64_t n, pa;

			r = pick(z, &off);
			n = 1 + get(z, 1) % 4;
			for (uint64_t i = 0; i < n && off + i * PG < r->len; i++) {
				uint64_t va = r->va + off + i * PG;

				if (va >= MOCK_PAGE_OFFSET && va < MOCK_VMEMMAP)
					pa = va - MOCK_PAGE_OFFSET;
				else if (va >= MOCK_KTEXT)
					pa = va - MOCK_KTEXT;
				else if (!(pa = mock_vmemmap_frame(z->m, va)))
					continue;
				mock_set_nodata(z->m, pa & ~(PG - 1), PG);
				TRACE("frame %#" PRIx64 " not captured (%s %#" PRIx64
				      " +%#" PRIx64 ")\n", pa & ~(PG - 1), r->name,
				      r->va, off + i * PG);
			}
			break;
		}
		case 4:		/* a virtual range reads -ENODATA */
		case 5: {	/* a virtual range reads -EFAULT */
			uint64_t len;

			r = pick(z, &off);
			len = 1 + get(z, 2) % (64 * 64);
			if (z->nfaults < MAX_FAULTS) {
				struct fault *f = &z->faults[z->nfaults++];
				uint64_t va = r->va + off, end = va + len;

				*f = (struct fault){ va, len,
						     op % 8 == 4 ? -ENODATA : -EFAULT };
				/* at most two pages: len <= 4096 */
				for (int k = 0; k < 2 && va < end; k++) {
					uint64_t pg_end = (va & ~(PG - 1)) + PG;
					uint64_t n = (end < pg_end ? end : pg_end) - va;
					uint64_t pa = mock_pa(z, va & ~(PG - 1));

					if (pa) {
						f->pa[k] = pa + (va & (PG - 1));
						f->plen[k] = n;
					}
					va += n;
				}
				TRACE("%s on [%#" PRIx64 ", +%#" PRIx64 ") (%s %#" PRIx64
				      " +%#" PRIx64 ")\n", op % 8 == 4 ? "-ENODATA" : "-EFAULT",
				      r->va + off, len, r->name, r->va, off);
			}
			break;
		}
		case 6: {	/* the Nth read fails */
			static const int errs[4] = { -EIO, -ENODATA, -EFAULT, -EIO };

			z->fail_nth = 1 + get(z, 2);
			z->fail_err = errs[get(z, 1) % 4];
			TRACE("read #%" PRIu64 " fails with %d\n", z->fail_nth, z->fail_err);
			break;
		}
		case 7:		/* a name (type, member, symbol, ...) is absent */
			if (z->nhidden < MAX_HIDDEN) {
				z->hidden[z->nhidden++] = (uint8_t)get(z, 1);
				TRACE("names of hash %#x hidden\n", z->hidden[z->nhidden - 1]);
			}
			break;
		}
	}
}

/* ---- the property ---- */

/* Codes whose finding judges the contents of the struct page it names. */
static bool judges_page(const char *code)
{
	static const char *const codes[] = {
		"PGMAP_DANGLING", "PGMAP_RANGE", "PGMAP_REF_DEAD",
		"REFCOUNT_BELOW_IDLE", "TAIL_REFCOUNT", "TAIL_HEAD_MISMATCH",
		"HEAD_ORDER_MISMATCH", "ZONE_MISMATCH",
		"PINCOUNT_EXCEEDS_REFCOUNT", "HVO_FLAG_MISMATCH",
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(code, codes[i]))
			return true;
	return false;
}

static const char *property_skip;

static bool skipped(const char *code)
{
	size_t n = strlen(code);

	for (const char *s = property_skip; s && (s = strstr(s, code)); s += n)
		if ((s == property_skip || s[-1] == ',') && (!s[n] || s[n] == ','))
			return true;
	return false;
}

static void check_property(struct fz *z, const struct li_report *r)
{
	uint8_t buf[256];
	uint64_t psz = r->model.page.page_size;

	if (psz == 0 || psz > sizeof(buf))
		return;
	for (size_t i = 0; i < r->nr_codes; i++) {
		const struct li_code_info *ci = li_code((int)i);

		if (ci->severity != LI_SEV_ERROR || !judges_page(ci->code) ||
		    skipped(ci->code))
			continue;
		for (size_t k = 0; k < r->buckets[i].nr; k++) {
			const struct li_finding *f = &r->buckets[i].v[k];
			int err;

			if (!f->page)
				continue;
			err = fault_of(z, LI_KVADDR, f->page, psz);
			if (!err)
				err = z->inner->ops->read(z->inner->ctx, LI_KVADDR,
							  f->page, buf, psz);
			if (err) {
				fprintf(stderr,
					"fuzz_core: PROPERTY VIOLATED: %s (error) at pfn %#" PRIx64
					" page %#" PRIx64 " whose struct page is unreadable (%s): %s\n",
					ci->code, f->pfn, f->page, li_strerror(err),
					f->detail);
				abort();
			}
		}
	}
}

/* ---- libFuzzer ---- */

/*
 * ASan's default 256 MiB quarantine makes every copy of the image fault in
 * fresh pages (5 ms of a 4 ms run); 16 MiB still holds many runs' frees.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

static FILE *devnull;
static bool property = true;
static unsigned long max_steps;

static int budget(void *arg, const char *phase, uint64_t done, uint64_t total)
{
	(void)phase;
	(void)done;
	(void)total;
	return max_steps && ++*(unsigned long *)arg > max_steps;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *e = getenv("FUZZ_CORE_NO_PROPERTY");

	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	base = mock_new();
	property = !(e && *e && strcmp(e, "0"));
	property_skip = getenv("FUZZ_CORE_PROPERTY_SKIP");
	e = getenv("FUZZ_CORE_MAX_STEPS");
	max_steps = e ? strtoul(e, NULL, 0) : 0;
	e = getenv("FUZZ_CORE_TRACE");
	trace = e && *e && strcmp(e, "0");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz *z = calloc(1, sizeof(*z));
	unsigned long steps = 0;
	struct li_options o = { .progress = budget, .progress_arg = &steps };
	struct li_report *r = NULL;
	uint8_t b2, b3;
	char *js;

	z->p = data;
	z->n = size;
	build(z);
	b2 = (uint8_t)get(z, 1);
	b3 = (uint8_t)get(z, 1);
	o.flags = b2 & 0x0f;
	o.max_findings = b3;
	if (b2 & 0x10) {
		o.pfn_start = DEV_PFN + get(z, 2);
		o.pfn_end = o.pfn_start + get(z, 2);
	}
	if (b2 & 0x20)
		o.pgmap = z->vals[0];
	TRACE("image %02x %02x, options %02x (pfns %#" PRIx64 "-%#" PRIx64
	      ", pgmap %#" PRIx64 "), max_findings %u\n", size > 0 ? data[0] : 0,
	      size > 1 ? data[1] : 0, b2, o.pfn_start, o.pfn_end, o.pgmap, b3);
	apply(z);

	z->inner = mock_target(z->m);
	z->ops = (struct li_target_ops){
		.read = w_read,
		.type_size = w_type_size,
		.member_offset = w_member_offset,
		.enum_value = w_enum_value,
		.symbol_address = w_symbol_address,
		.symbol_size = (b2 & 0x40) ? NULL : w_symbol_size,
		.vmcoreinfo = (b2 & 0x80) ? NULL : w_vmcoreinfo,
	};
	z->t = (struct li_target){ .ops = &z->ops, .ctx = z, .frontend = "fuzz",
				   .source = "mock", .vmlinux = NULL };
	if (!li_check(&z->t, &o, &r) && r) {
		if (property)
			check_property(z, r);
		li_report_write_text(r, devnull, LI_TEXT_VERBOSE);
		li_report_write_text(r, devnull, LI_TEXT_SUMMARY);
		li_report_write_json(r, devnull);
		js = li_report_json(r);
		li_free(js);
		(void)li_report_count(r, LI_SEV_ERROR);
		(void)li_report_max_severity(r);
	} else {
		(void)li_last_error();
	}
	li_report_free(r);
	mock_free(z->m);
	free(z);
	return 0;
}
