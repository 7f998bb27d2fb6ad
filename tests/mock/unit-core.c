// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the libinspect core on the mock target: registry edge
 * cases (cycles, garbage), bounded counts, unreadable memmap, one minimal
 * synthetic case per finding code, one finding per shared vmemmap frame.
 * Prints TAP-like "ok NAME" / "not ok NAME - why" lines.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"
#include "holders.h"
#include "model.h"
#include "read.h"
#include "u64set.h"
#include "mock.h"

#define DEV_PFN		0x20000ULL
#define DEV2_PFN	0x28000ULL
#define UVA		0x7f0000000000ULL
#define ORPHAN_PFN	0x30000ULL	/* device memory no pgmap covers */
#define PMD_LEAF(pfn)	(((pfn) << 12) | 0x87)
#define PTE_LEAF(pfn)	(((pfn) << 12) | 0x7)

static int failures;

static void result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok %s\n", name);
		return;
	}
	failures++;
	printf("not ok %s - ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static uint64_t total(const struct li_report *r, const char *code)
{
	int i = li_code_index(code);

	return i < 0 || !r ? 0 : r->buckets[i].total;
}

static const struct li_finding *first(const struct li_report *r, const char *code)
{
	int i = li_code_index(code);

	return i < 0 || !r || !r->buckets[i].nr ? NULL : &r->buckets[i].v[0];
}

/* every code other than `except` (and infos) has zero findings */
static bool only(const struct li_report *r, const char *except)
{
	for (size_t i = 0; i < r->nr_codes; i++) {
		const struct li_code_info *ci = li_code((int)i);

		if (ci->severity == LI_SEV_INFO || (except && !strcmp(ci->code, except)))
			continue;
		if (r->buckets[i].total) {
			fprintf(stderr, "# unexpected %s: %s\n", ci->code,
				r->buckets[i].v ? r->buckets[i].v[0].detail : "");
			return false;
		}
	}
	return true;
}

static struct mock_pgmap_spec devdax(uint64_t pfn, uint64_t npages, unsigned int shift)
{
	return (struct mock_pgmap_spec){ .type = MT_GENERIC, .start_pfn = pfn,
		.nr_pages = npages, .shift = shift, .dedup = true, .in_array = true };
}

static struct li_report *run(struct mock *m, const struct li_options *o)
{
	struct li_report *r = NULL;
	int err = li_check(mock_target(m), o, &r);

	if (err)
		fprintf(stderr, "# li_check: %s (%s)\n", li_strerror(err), li_last_error());
	return r;
}

/* A clean device-dax pgmap: no finding, dedup accounted, model probed. */
static void t_clean(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 8192, 9);
	uint64_t g = mock_add_pgmap(m, &s);
	struct li_report *r = run(m, NULL);

	result(r && r->nr_pgmaps == 1 && r->pgmaps[0].addr == g, "clean-pgmap-found",
	       "pgmaps %zu", r ? r->nr_pgmaps : 0);
	result(r && only(r, NULL) && li_report_max_severity(r) < 0, "clean-no-findings",
	       "max severity %d", r ? li_report_max_severity(r) : -2);
	result(r && r->model.pflags.zones_pgshift == 51 &&
	       r->model.pflags.zone_device == 4, "model-zone-bits",
	       "ZONES_PGSHIFT %d", r ? r->model.pflags.zones_pgshift : -1);
	result(r && r->pgmaps[0].ref_count == 1 + 16 && r->pgmaps[0].ref_valid,
	       "model-percpu-ref-sum", "count %lld", r ? (long long)r->pgmaps[0].ref_count : -1);
	result(r && r->nr_vmem == 1 && r->vmem[0].vmemmap_pages == 128 &&
	       r->vmem[0].frames == 32 && r->vmem[0].predicted == 32,
	       "vmemmap-dedup-frames", "pages %llu frames %llu predicted %llu",
	       r && r->nr_vmem ? (unsigned long long)r->vmem[0].vmemmap_pages : 0,
	       r && r->nr_vmem ? (unsigned long long)r->vmem[0].frames : 0,
	       r && r->nr_vmem ? (unsigned long long)r->vmem[0].predicted : 0);
	result(r && r->pages_checked == 16 * 128 && r->pages_aliased == 16 * 384,
	       "pages-aliased-skipped", "checked %llu aliased %llu",
	       r ? (unsigned long long)r->pages_checked : 0,
	       r ? (unsigned long long)r->pages_aliased : 0);
	result(r && r->vmem[0].saved_bytes == 16 * 6 * 4096, "vmemmap-saved-bytes", "%llu",
	       r ? (unsigned long long)r->vmem[0].saved_bytes : 0);
	li_report_free(r);
	mock_free(m);
}

static void t_xa_cycle(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 1024, 9);
	uint64_t root, child;
	struct li_report *r;

	mock_add_pgmap(m, &s);
	root = mock_xa_root_node(m);
	/* a slot of the child points back at the root */
	child = mock_r64(m, root + 40 + 8 * (DEV_PFN >> 12)) - 2;
	mock_w64(m, child + 40 + 8 * 63, root | 2);
	alarm(10);
	r = run(m, NULL);
	alarm(0);
	result(r && total(r, "XARRAY_CORRUPT") == 1 && r->nr_pgmaps == 1,
	       "xarray-cycle", "XARRAY_CORRUPT %llu pgmaps %zu",
	       (unsigned long long)total(r, "XARRAY_CORRUPT"), r ? r->nr_pgmaps : 0);
	li_report_free(r);

	/* a node of impossible shift */
	mock_w8(m, child, 37);
	r = run(m, NULL);
	result(r && total(r, "XARRAY_CORRUPT") >= 1, "xarray-garbage-node", "%llu",
	       (unsigned long long)total(r, "XARRAY_CORRUPT"));
	li_report_free(r);
	mock_free(m);
}

/* 64-way fan-out onto the same child at every level: capped, no hang. */
static void t_xa_bomb(void)
{
	struct mock *m = mock_new();
	uint64_t xa = mock_symbol(m, "pgmap_array"), nodes[11];
	struct li_report *r;

	for (int l = 0; l < 11; l++) {
		nodes[l] = mock_kmalloc(m, 576);
		mock_w8(m, nodes[l], 60 - 6 * l);
	}
	for (int l = 0; l < 10; l++)
		for (int i = 0; i < 64; i++)
			mock_w64(m, nodes[l] + 40 + 8 * i, nodes[l + 1] | 2);
	mock_w64(m, xa + 8, nodes[0] | 2);
	alarm(20);
	r = run(m, NULL);
	alarm(0);
	result(r && total(r, "XARRAY_CORRUPT") >= 1 && r->xa_nodes <= LI_MAX_XA_NODES + 1,
	       "xarray-fanout-bounded", "nodes %llu",
	       r ? (unsigned long long)r->xa_nodes : 0);
	li_report_free(r);
	mock_free(m);
}

/* Sibling entries (real multi-index stores) resolve to their canonical slot. */
static void t_xa_siblings(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 9);
	uint64_t g, root, child;
	struct li_report *r;

	s.in_array = false;
	g = mock_add_pgmap(m, &s);
	mock_xa_store(m, DEV_PFN, DEV_PFN + 63, g);	/* creates the nodes */
	root = mock_xa_root_node(m);
	child = mock_r64(m, root + 40 + 8 * (DEV_PFN >> 12)) - 2;
	/* [0x20000, 0x20fff] as canonical slot 0 + 63 siblings */
	mock_w64(m, child + 40, g);
	for (int i = 1; i < 64; i++)
		mock_w64(m, child + 40 + 8 * i, (0ULL << 2) | 2);
	r = run(m, NULL);
	result(r && r->nr_runs == 1 && r->runs[0].first == DEV_PFN &&
	       r->runs[0].last == DEV_PFN + 4095 && only(r, NULL), "xarray-siblings",
	       "runs %zu", r ? r->nr_runs : 0);
	li_report_free(r);
	/* a sibling whose canonical slot is empty (S10) */
	mock_w64(m, child + 40, 0);
	r = run(m, NULL);
	result(r && total(r, "XARRAY_CORRUPT") >= 1, "xarray-sibling-empty-canonical", "%llu",
	       (unsigned long long)total(r, "XARRAY_CORRUPT"));
	li_report_free(r);
	mock_free(m);
}

static void t_garbage_counts(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 1024, 9);
	uint64_t g = mock_add_pgmap(m, &s);
	struct li_report *r;

	mock_w32(m, g + 128, 100000);	/* nr_range */
	r = run(m, NULL);
	result(r && total(r, "PGMAP_INVALID") == 1 && r->pages_checked == 0,
	       "garbage-nr-range", "PGMAP_INVALID %llu", (unsigned long long)total(r, "PGMAP_INVALID"));
	li_report_free(r);
	mock_w32(m, g + 128, 1);
	mock_w64(m, g + 104, 63);	/* vmemmap_shift */
	r = run(m, NULL);
	result(r && total(r, "PGMAP_INVALID") >= 1, "garbage-vmemmap-shift", "%llu",
	       (unsigned long long)total(r, "PGMAP_INVALID"));
	li_report_free(r);
	mock_w64(m, g + 104, 9);
	mock_w64(m, g + 144, 1ULL << 62);	/* range end */
	r = run(m, NULL);
	result(r && total(r, "PGMAP_INVALID") >= 1 && r->pages_checked == 0,
	       "garbage-range", "%llu", (unsigned long long)total(r, "PGMAP_INVALID"));
	li_report_free(r);
	mock_free(m);
}

/* Unreadable memmap: MEMMAP_NOT_CAPTURED with exact counts, no violation. */
static void t_not_captured(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 0);
	struct li_report *r;
	const struct li_finding *f;

	s.dedup = false;
	mock_add_pgmap(m, &s);
	/* vmemmap pages 3 and 4 (pfns +192..+319) not in the dump */
	mock_set_nodata(m, mock_vmemmap_frame(m, mock_page(DEV_PFN + 192)), 4096);
	mock_set_nodata(m, mock_vmemmap_frame(m, mock_page(DEV_PFN + 256)), 4096);
	r = run(m, NULL);
	f = first(r, "MEMMAP_NOT_CAPTURED");
	result(r && total(r, "MEMMAP_NOT_CAPTURED") == 1 && f && f->pfn == DEV_PFN + 192 &&
	       f->count == 128 && r->pages_not_captured == 128 && only(r, NULL),
	       "unreadable-pages-not-captured", "total %llu pfn %#llx count %llu",
	       (unsigned long long)total(r, "MEMMAP_NOT_CAPTURED"),
	       f ? (unsigned long long)f->pfn : 0, f ? (unsigned long long)f->count : 0);
	result(r && r->pages_checked == 4096 - 128, "unreadable-rest-checked", "%llu",
	       r ? (unsigned long long)r->pages_checked : 0);
	li_report_free(r);
	mock_free(m);
}

/* The report (and its JSON) with a target mode off, then on. */
static void both_ways(struct mock *m, void (*mode)(struct mock *, bool),
		      struct li_report *r[2], char *js[2])
{
	for (int i = 0; i < 2; i++) {
		mode(m, i);
		r[i] = run(m, NULL);
		js[i] = r[i] ? li_report_json(r[i]) : NULL;
	}
}

static void free_both(struct li_report *r[2], char *js[2])
{
	for (int i = 0; i < 2; i++) {
		li_free(js[i]);
		li_report_free(r[i]);
	}
}

/*
 * A target that says -LI_READ_FAULT for both failures gets the report of
 * one that tells them apart: vmemmap pages not captured, one not mapped,
 * a struct read past the mapping.
 */
static void t_plain_fault(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 0);
	struct li_report *r[2];
	char *js[2];
	uint8_t b[64];

	s.dedup = false;
	mock_add_pgmap(m, &s);
	mock_set_nodata(m, mock_vmemmap_frame(m, mock_page(DEV_PFN + 192)), 4096);
	mock_unmap4k(m, mock_page(DEV_PFN + 320));
	mock_set_nodata(m, mock_vmemmap_frame(m, mock_page(DEV_PFN + 1024)), 4096);
	both_ways(m, mock_set_plain_fault, r, js);
	result(js[0] && js[1] && !strcmp(js[0], js[1]) &&
	       total(r[1], "MEMMAP_NOT_CAPTURED") == 3,
	       "plain-fault-same-report", "%s\n# vs\n%.2000s",
	       js[0] ? js[0] : "(none)", js[1] ? js[1] : "(none)");
	/* a read that faults on its second page is told by that page */
	if (r[1]) {
		struct li_ctx c = { .t = mock_target(m), .m = &r[1]->model };

		li_paging_init(&c.pg, false, r[1]->model.mem.pgd_phys, 0, li_read_table, &c);
		result(li_read(&c, LI_KVADDR, mock_page(DEV_PFN + 320) - 32, b, 64) == -EFAULT &&
		       li_read(&c, LI_KVADDR, mock_page(DEV_PFN + 192) - 32, b, 64) == -ENODATA &&
		       li_read(&c, LI_PHYSADDR, mock_vmemmap_frame(m, mock_page(DEV_PFN + 192)),
			       b, 8) == -ENODATA &&
		       li_read(&c, LI_KVADDR, 0x8000000000000000ULL, b, 8) == -EFAULT &&
		       li_read(&c, LI_KVADDR, mock_page(DEV_PFN), b, 64) == 0,
		       "plain-fault-told-apart", "");
	}
	free_both(r, js);
	mock_free(m);
}

/*
 * A target that does not translate the vmemmap (-LI_READ_XLAT, crash
 * --minimal) gets the report of one that does: libinspect translates and
 * reads it physically, data and holes alike.
 */
static void t_xlat_vmemmap(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 9);
	struct li_report *r[2];
	char *js[2];

	mock_add_pgmap(m, &s);
	mock_set_nodata(m, mock_vmemmap_frame(m, mock_page(DEV_PFN + 1024)), 4096);
	mock_unmap4k(m, mock_page(DEV_PFN + 2048));
	/* a fault on the way: the checks must read through the vmemmap */
	mock_w32(m, mock_page(DEV_PFN + 512 + 5) + 52, 1);
	both_ways(m, mock_set_xlat_vmemmap, r, js);
	/* the second run must really have been answered -LI_READ_XLAT */
	result(js[0] && js[1] && !strcmp(js[0], js[1]) &&
	       mock_xlat_answers(m) > 0 &&
	       /* the head frame without data, the page without a mapping */
	       total(r[1], "MEMMAP_NOT_CAPTURED") == 2 &&
	       total(r[1], "TAIL_REFCOUNT") == 1,
	       "xlat-vmemmap-same-report", "%llu xlat answers, %llu %llu\n%s\n# vs\n%.2000s",
	       (unsigned long long)mock_xlat_answers(m),
	       (unsigned long long)(r[1] ? total(r[1], "MEMMAP_NOT_CAPTURED") : 0),
	       (unsigned long long)(r[1] ? total(r[1], "TAIL_REFCOUNT") : 0),
	       js[0] ? js[0] : "(none)", js[1] ? js[1] : "(none)");
	free_both(r, js);
	mock_free(m);
}

/*
 * Symbols that are not the dump's (a KASLR offset the debugger did not
 * apply): one clear error, not the clean report of the memory they name.
 */
static void t_symbols_unrelocated(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 9);
	struct li_report *r = NULL;
	int err;

	mock_add_pgmap(m, &s);
	mock_set_vmcoreinfo_skew(m, 0x1be00000);
	err = li_check(mock_target(m), NULL, &r);
	result(err == -ENOTSUP && !r &&
	       strstr(li_last_error(), "symbol self-test failed") &&
	       strstr(li_last_error(), "KASLR offset not applied"),
	       "symbols-unrelocated-refused", "%d %s", err, li_last_error());
	li_report_free(r);
	mock_free(m);
}

typedef void (*inject_fn)(struct mock *m, uint64_t g, uint64_t g2);

static void inj_tail_ref(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g; (void)g2;
	mock_w32(m, mock_page(DEV_PFN + 512 + 5) + 52, 1);
}

static void inj_tail_head(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g; (void)g2;
	mock_w64(m, mock_page(DEV_PFN + 512 + 7) + 8, mock_page(DEV_PFN) | 1);
}

static void inj_order(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g; (void)g2;
	mock_w8(m, mock_page(DEV_PFN + 1024 + 1) + 17, 3);
}

static void inj_dangling(struct mock *m, uint64_t g, uint64_t g2)
{
	uint64_t copy = mock_kmalloc(m, 152);

	(void)g; (void)g2;
	mock_w64(m, mock_page(DEV_PFN + 1536) + 8, copy);
	mock_w32(m, mock_page(DEV_PFN + 1536) + 52, 2);
}

static void inj_range(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g;
	mock_w64(m, mock_page(DEV_PFN + 2048) + 8, g2);
	mock_w32(m, mock_page(DEV_PFN + 2048) + 52, 2);
}

static void inj_below_idle(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g; (void)g2;
	mock_w32(m, mock_page(DEV_PFN + 2560) + 52, 0);
}

static void inj_zone(struct mock *m, uint64_t g, uint64_t g2)
{
	uint64_t va = mock_page(DEV_PFN + 3072 + 9);

	(void)g; (void)g2;
	mock_w64(m, va, (mock_r64(m, va) & ~(7ULL << 51)) | (3ULL << 51));
}

static void inj_ref_dead(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g2;
	/* percpu_ref_kill: DEAD|ATOMIC, count 1 (the leaked ref) */
	mock_w64(m, g + 48, mock_r64(m, g + 48) | 3);
	mock_w64(m, mock_r64(m, g + 56), 1);
	mock_w32(m, mock_page(DEV_PFN + 3584) + 52, 2);
}

static void inj_teardown(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g2;
	mock_w64(m, g + 48, mock_r64(m, g + 48) | 3);
	mock_w64(m, mock_r64(m, g + 56), 1);
}

static void inj_array(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g2;
	/* one subsection of the range is dropped from pgmap_array */
	mock_xa_store(m, DEV_PFN + 1024, DEV_PFN + 1535, 0);
	(void)g;
}

static void inj_altmap(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g;
	mock_w64(m, g2 + 40, 1000);	/* alloc > free */
}

static void inj_pins(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g; (void)g2;
	mock_w32(m, mock_page(DEV_PFN + 512) + 52, 3);
	mock_w32(m, mock_page(DEV_PFN + 512) + 88, 5);
}

static void inj_vmemmap(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g; (void)g2;
	/* a compound's 4th vmemmap page gets its own frame (copy) */
	uint64_t va = mock_page(DEV_PFN + 512 * 5) + 3 * 4096, pa = mock_alloc_phys(m, 4096);
	uint8_t buf[4096];

	mock_read_va(m, va, buf, sizeof(buf));
	mock_map4k(m, va, pa, true);
	mock_write(m, va, buf, sizeof(buf));
	/* F1 now mapped one time less: keep its refcount consistent */
	{
		uint64_t f1 = mock_vmemmap_frame(m, va - 2 * 4096) / 4096;

		mock_w32(m, mock_page(f1) + 52, 6);
	}
}

static void inj_shared_ref(struct mock *m, uint64_t g, uint64_t g2)
{
	uint64_t f1 = mock_vmemmap_frame(m, mock_page(DEV_PFN + 512 * 6) + 4096) / 4096;

	(void)g; (void)g2;
	mock_w32(m, mock_page(f1) + 52, 1);
}

static void inj_ref_low(struct mock *m, uint64_t g, uint64_t g2)
{
	uint64_t data = mock_r64(m, g + 56);

	(void)g2;
	mock_w64(m, data, mock_r64(m, data) - 5);
}

static void inj_hvo(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g; (void)g2;
	mock_hugetlb_add(m, 0x4000, true);
	mock_hugetlb_add(m, 0x4200, true);
	/* second folio: one aliased vmemmap page made writable */
	mock_map4k(m, mock_page(0x4200) + 5 * 4096,
		   mock_vmemmap_frame(m, mock_page(0x4200)), true);
}

static void inj_hvo_flag(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g; (void)g2;
	mock_hugetlb_add(m, 0x4400, true);
	mock_w64(m, mock_page(0x4400) + 40, 0);	/* flag cleared, aliases kept */
	mock_w32(m, mock_symbol(m, "hugetlb_optimize_vmemmap_key"), 0);
}

static void inj_hvo_key(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g; (void)g2;
	mock_hugetlb_add(m, 0x4600, true);
	mock_w32(m, mock_symbol(m, "hugetlb_optimize_vmemmap_key"), 0);
}

static void inj_huge_cycle(struct mock *m, uint64_t g, uint64_t g2)
{
	uint64_t hs = mock_symbol(m, "hstates");

	(void)g; (void)g2;
	mock_hugetlb_add(m, 0x4800, false);
	/* the folio's lru.next points at itself: a list that never ends */
	mock_w64(m, mock_page(0x4800) + 8, mock_page(0x4800) + 8);
	(void)hs;
}

static void inj_devmap_key(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g; (void)g2;
	mock_w32(m, mock_symbol(m, "devmap_managed_key"), 2);
}

static void inj_nr_pages(struct mock *m, uint64_t g, uint64_t g2)
{
	(void)g; (void)g2;
	/* order kept, compound_nr wrong: still one finding */
	mock_w32(m, mock_page(DEV_PFN + 1024 + 1) + 28, 256);
	mock_w8(m, mock_page(DEV_PFN + 1536 + 1) + 17, 8);
	mock_w32(m, mock_page(DEV_PFN + 1536 + 1) + 28, 256);
}

static const struct {
	const char *code;
	inject_fn fn;
	uint64_t pfn;
} injections[] = {
	{ "TAIL_REFCOUNT", inj_tail_ref, DEV_PFN + 517 },
	{ "TAIL_HEAD_MISMATCH", inj_tail_head, DEV_PFN + 519 },
	{ "HEAD_ORDER_MISMATCH", inj_order, DEV_PFN + 1024 },
	{ "PGMAP_DANGLING", inj_dangling, DEV_PFN + 1536 },
	{ "PGMAP_RANGE", inj_range, DEV_PFN + 2048 },
	{ "REFCOUNT_BELOW_IDLE", inj_below_idle, DEV_PFN + 2560 },
	{ "ZONE_MISMATCH", inj_zone, DEV_PFN + 3081 },
	{ "PGMAP_REF_DEAD", inj_ref_dead, DEV_PFN + 3584 },
	{ "PGMAP_TEARDOWN", inj_teardown, DEV_PFN },
	{ "PGMAP_ARRAY_MISMATCH", inj_array, DEV_PFN + 1024 },
	{ "ALTMAP_ACCOUNTING", inj_altmap, DEV2_PFN },
	{ "PINCOUNT_EXCEEDS_REFCOUNT", inj_pins, DEV_PFN + 512 },
	{ "VMEMMAP_UNEXPECTED", inj_vmemmap, DEV_PFN },
	{ "VMEMMAP_SHARED_REFCOUNT", inj_shared_ref, DEV_PFN + 512 * 6 },
	{ "PGMAP_REF_LOW", inj_ref_low, DEV_PFN },
	{ "HVO_MAPPING", inj_hvo, 0x4200 },
	{ "HVO_FLAG_MISMATCH", inj_hvo_flag, 0x4400 },
	{ "HVO_KEY_MISMATCH", inj_hvo_key, 0 },
	{ "DEVMAP_KEY_MISMATCH", inj_devmap_key, 0 },
	{ "HUGETLB_LIST_CORRUPT", inj_huge_cycle, 0 },
};

/* Each code on a minimal synthetic case: exactly one finding, at its pfn. */
static void t_codes(void)
{
	for (size_t i = 0; i < sizeof(injections) / sizeof(injections[0]); i++) {
		struct mock *m = mock_new();
		struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 9);
		struct mock_pgmap_spec s2 = { .type = MT_FS_DAX, .start_pfn = DEV2_PFN,
			.nr_pages = 2048, .altmap = true, .reserve = 2, .free = 40,
			.in_array = true };
		uint64_t g = mock_add_pgmap(m, &s), g2 = mock_add_pgmap(m, &s2);
		const struct li_finding *f;
		struct li_report *r;
		char name[64];

		injections[i].fn(m, g, g2);
		r = run(m, NULL);
		f = first(r, injections[i].code);
		snprintf(name, sizeof(name), "code-%s", injections[i].code);
		result(r && total(r, injections[i].code) == 1 && f &&
		       f->pfn == injections[i].pfn && only(r, injections[i].code), name,
		       "total %llu pfn %#llx want %#llx",
		       (unsigned long long)total(r, injections[i].code),
		       f ? (unsigned long long)f->pfn : 0,
		       (unsigned long long)injections[i].pfn);
		li_report_free(r);
		mock_free(m);
	}
}

/* A corrupted tail in the shared frame of a 256 KiB compound: one finding. */
static void t_shared_frame(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 8192, 12);	/* V = 64 */
	const struct li_finding *f;
	struct li_report *r;

	mock_add_pgmap(m, &s);
	/* tail 4096+70 aliases tail 70 (and 62 more) */
	mock_w32(m, mock_page(DEV_PFN + 4096 + 200) + 52, 7);
	r = run(m, NULL);
	f = first(r, "TAIL_REFCOUNT");
	result(r && total(r, "TAIL_REFCOUNT") == 1 && f && f->aliases == 63 && f->frame &&
	       only(r, "TAIL_REFCOUNT"), "shared-frame-one-finding",
	       "total %llu aliases %llu", (unsigned long long)total(r, "TAIL_REFCOUNT"),
	       f ? (unsigned long long)f->aliases : 0);
	result(f && f->pfn == DEV_PFN + 4096 + 72, "shared-frame-first-alias-pfn", "pfn %#llx",
	       f ? (unsigned long long)f->pfn : 0);
	li_report_free(r);
	mock_free(m);
}

/* Cap per code, exact totals; --pfn and --pgmap filters. */
static void t_caps_filters(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 9);
	struct li_options o = { .max_findings = 5 };
	struct li_report *r;
	int err;
	uint64_t g;

	s.dedup = false;
	g = mock_add_pgmap(m, &s);
	for (int i = 1; i < 100; i++)
		mock_w32(m, mock_page(DEV_PFN + i) + 52, 1);
	r = run(m, &o);
	result(r && total(r, "TAIL_REFCOUNT") == 99 &&
	       r->buckets[li_code_index("TAIL_REFCOUNT")].nr == 5, "max-findings-cap",
	       "total %llu", (unsigned long long)total(r, "TAIL_REFCOUNT"));
	li_report_free(r);
	o = (struct li_options){ .pfn_start = DEV_PFN + 50, .pfn_end = DEV_PFN + 59 };
	r = run(m, &o);
	result(r && total(r, "TAIL_REFCOUNT") == 10 && r->pages_checked == 10, "pfn-filter",
	       "total %llu checked %llu", (unsigned long long)total(r, "TAIL_REFCOUNT"),
	       r ? (unsigned long long)r->pages_checked : 0);
	li_report_free(r);
	o = (struct li_options){ .pgmap = g };
	r = run(m, &o);
	result(r && r->pages_checked > 0, "pgmap-filter", "checked %llu",
	       r ? (unsigned long long)r->pages_checked : 0);
	li_report_free(r);
	/* an address that is not a registered pgmap is an error, not "clean" */
	o = (struct li_options){ .pgmap = g + 64 };
	r = NULL;
	err = li_check(mock_target(m), &o, &r);
	result(err == -ENOENT && !r && strstr(li_last_error(), "not a registered"),
	       "pgmap-filter-unknown", "err %d: %s", err, li_last_error());
	li_report_free(r);
	mock_free(m);
}

/* order and nr_pages both off (as set_compound_order does): one finding each head */
static void t_order_nr(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 9);
	const struct li_finding *f;
	struct li_report *r;

	mock_add_pgmap(m, &s);
	inj_nr_pages(m, 0, 0);
	r = run(m, NULL);
	f = first(r, "HEAD_ORDER_MISMATCH");
	result(r && total(r, "HEAD_ORDER_MISMATCH") == 2 && f && f->pfn == DEV_PFN + 1024 &&
	       only(r, "HEAD_ORDER_MISMATCH"), "head-order-nr-one-finding-per-head",
	       "total %llu", (unsigned long long)total(r, "HEAD_ORDER_MISMATCH"));
	li_report_free(r);
	mock_free(m);
}

/* PRIVATE pgmaps: idle 0 on 6.1, owner required */
static void t_private(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = { .type = MT_PRIVATE, .start_pfn = DEV_PFN,
		.nr_pages = 1024, .in_array = true };
	uint64_t g = mock_add_pgmap(m, &s);
	struct li_report *r;

	mock_w64(m, g + 112, mock_kmalloc(m, 64));	/* ops */
	mock_w64(m, g + 120, g);			/* owner */
	r = run(m, NULL);
	result(r && only(r, NULL) && r->pgmaps[0].mtype == LI_MT_PRIVATE &&
	       r->model.rules.idle_ref[LI_MT_PRIVATE] == 0, "private-idle-zero", "");
	li_report_free(r);
	mock_w64(m, g + 120, 0);
	r = run(m, NULL);
	result(r && total(r, "PGMAP_INVALID") == 1 && only(r, "PGMAP_INVALID"),
	       "private-without-owner", "%llu", (unsigned long long)total(r, "PGMAP_INVALID"));
	li_report_free(r);
	mock_free(m);
}

/*
 * Garbage everywhere: random words written cumulatively into the pgmap, its
 * ref data, the xarray nodes and the struct pages; every run must return
 * (no crash, no hang, sanitizer clean) with bounded findings.
 */
static void t_fuzz(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 2048, 9);
	uint64_t g = mock_add_pgmap(m, &s), root = mock_xa_root_node(m);
	uint64_t child = mock_r64(m, root + 40 + 8 * (DEV_PFN >> 12)) - 2;
	uint64_t data = mock_r64(m, g + 56);
	struct { uint64_t base, len; } areas[] = {
		{ g, 152 }, { data, 56 }, { root, 576 }, { child, 576 },
		{ mock_page(DEV_PFN), 64 * 2048 },
	};
	unsigned int seed = 12345, runs = 0, bounded = 0;

	for (int i = 0; i < 300; i++) {
		size_t a = rand_r(&seed) % (sizeof(areas) / sizeof(areas[0]));
		uint64_t off = (rand_r(&seed) % areas[a].len) & ~7ULL;
		uint64_t v = ((uint64_t)rand_r(&seed) << 33) ^ rand_r(&seed);
		struct li_options o = { .max_findings = 50 };
		struct li_report *r = NULL;

		if (rand_r(&seed) % 3 == 0)
			v = (v & 0xfff) | (rand_r(&seed) % 2 ? 2 : 0);	/* small / internal */
		mock_w64(m, areas[a].base + off, v);
		alarm(20);
		if (!li_check(mock_target(m), &o, &r))
			runs++;
		alarm(0);
		if (r) {
			bool ok = true;

			for (size_t k = 0; k < r->nr_codes; k++)
				ok &= r->buckets[k].nr <= 50;
			bounded += ok;
		}
		li_report_free(r);
	}
	result(runs == bounded && runs > 250, "fuzz-garbage-no-crash", "runs %u bounded %u",
	       runs, bounded);
	mock_free(m);
}

/* 6.15+: an FS_DAX folio made compound by a PMD mapping is not a fault */
static void t_dynamic_folio(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = { .type = MT_FS_DAX, .start_pfn = DEV_PFN,
		.nr_pages = 2048, .in_array = true };
	uint64_t head = DEV_PFN + 512, g;
	struct li_report *r;

	mock_set_folio_pgmap(m);
	g = mock_add_pgmap(m, &s);
	mock_w64(m, mock_page(head), mock_r64(m, mock_page(head)) | (1ULL << 16));
	mock_w32(m, mock_page(head) + 52, 1);		/* one mapping */
	for (uint64_t i = 1; i < 512; i++)
		mock_w64(m, mock_page(head + i) + 8, mock_page(head) | 1);
	mock_w8(m, mock_page(head + 1) + 17, 9);
	mock_w32(m, mock_page(head + 1) + 28, 512);
	r = run(m, NULL);
	result(r && r->model.page.pgmap_in_folio &&
	       r->model.rules.idle_ref[LI_MT_FS_DAX] == 0 &&
	       only(r, NULL), "folio-pgmap-dynamic-fsdax-folio", "");
	li_report_free(r);
	mock_w32(m, mock_page(head + 100) + 52, 1);	/* a tail takes a ref */
	r = run(m, NULL);
	result(r && total(r, "TAIL_REFCOUNT") == 1 && first(r, "TAIL_REFCOUNT")->pfn == head + 100 &&
	       only(r, "TAIL_REFCOUNT"), "folio-pgmap-dynamic-tail-refcount", "%llu",
	       (unsigned long long)total(r, "TAIL_REFCOUNT"));
	li_report_free(r);
	(void)g;
	mock_free(m);
}

static int cancel_cb(void *arg, const char *phase, uint64_t done, uint64_t tot)
{
	(void)phase; (void)done; (void)tot;
	return ++*(int *)arg >= 2;
}

static void t_cancel(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 65536, 9);
	int calls = 0;
	struct li_options o = { .progress = cancel_cb, .progress_arg = &calls };
	struct li_report *r = NULL;
	int err;

	mock_add_pgmap(m, &s);
	err = li_check(mock_target(m), &o, &r);
	result(err == -EINTR && !r && calls == 2, "progress-cancel", "err %d calls %d",
	       err, calls);
	mock_free(m);
}

/* The JSON document goes to a file for the .t to validate with python. */
static void t_json(const char *path)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 9);
	struct li_report *r;
	FILE *f;
	char *js;

	uint64_t mm = mock_mm_new(m);

	mock_add_pgmap(m, &s);
	inj_tail_ref(m, 0, 0);
	mock_hugetlb_add(m, 0x4000, true);
	mock_task_new(m, 100, "holder", mm, false);
	mock_user_set(m, mm, UVA, 2, PMD_LEAF(DEV_PFN));
	r = run(m, NULL);
	js = li_report_json(r);
	f = fopen(path, "w");
	if (f && js)
		fputs(js, f);
	if (f)
		fclose(f);
	result(js && r && r->nr_huge == 1 && r->huge[0].fake_heads == 7 &&
	       r->huge[0].frames == 1, "hugetlb-hvo-fake-heads", "fake %llu frames %llu",
	       r && r->nr_huge ? (unsigned long long)r->huge[0].fake_heads : 0,
	       r && r->nr_huge ? (unsigned long long)r->huge[0].frames : 0);
	li_free(js);
	li_report_free(r);
	mock_free(m);
}

static void t_model_errors(void)
{
	struct mock *m = mock_new();
	struct li_report *r = NULL;
	int err;

	/* zone self-test: RAM decodes to ZONE_DEVICE -> refuse the model */
	mock_w64(m, mock_page(mock_virt_to_phys(m, mock_symbol(m, "init_top_pgt")) / 4096),
		 4ULL << 51);
	err = li_check(mock_target(m), NULL, &r);
	result(err && !r && strstr(li_last_error(), "self-test"), "zone-selftest-refuses",
	       "err %d: %s", err, li_last_error());
	mock_free(m);

	/* nr_cpu_ids beyond the possible mask: damaged data, said once */
	m = mock_new();
	mock_set_nr_cpus(m, 4);
	mock_w64(m, mock_symbol(m, "__cpu_possible_mask"), 0x3);
	err = li_check(mock_target(m), NULL, &r);
	result(err && !r && strstr(li_last_error(), "__cpu_possible_mask"),
	       "nr-cpu-ids-vs-possible-mask", "err %d: %s", err, li_last_error());
	mock_free(m);
}

/* ---- holders: user page tables naming device memory ---- */

static const struct li_holder *holder_at(const struct li_report *r, uint64_t va)
{
	for (size_t i = 0; r && i < r->nr_holders; i++)
		if (r->holders[i].vaddr == va)
			return &r->holders[i];
	return NULL;
}

/*
 * A devdax holder with two PMDs (one run), a thread-group sharing its mm
 * (walked once), kernel threads (skipped), a PROT_NONE PTE (L1TF-inverted
 * pfn), RAM PTEs (ignored) and a process mapping 3 orphaned devmap PTEs.
 */
static void t_holders(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 9);
	uint64_t g = mock_add_pgmap(m, &s), mm = mock_mm_new(m), mm2 = mock_mm_new(m);
	const struct li_holder *h, *p;
	const struct li_finding *f;
	struct li_report *r;
	struct li_options o = { .flags = LI_OPT_NO_HOLDERS };

	mock_task_new(m, 2, "kthreadd", 0, true);
	mock_task_new(m, 100, "holder", mm, false);
	mock_task_new(m, 101, "holder-clone", mm, false);
	/* a zombie leader (pthread_exit): the mm is found on its thread */
	mock_thread_new(m, mock_task_new(m, 102, "orphan", 0, false), 103, mm2);
	mock_user_set(m, mm, UVA, 2, PMD_LEAF(DEV_PFN + 512));
	mock_user_set(m, mm, UVA + (2 << 20), 2, PMD_LEAF(DEV_PFN + 1024));
	mock_user_set(m, mm, UVA + (4 << 20), 1, (~((DEV_PFN + 7) << 12) &
		      0x000ffffffffff000ULL) | 0x100);
	mock_user_set(m, mm, UVA + (4 << 20) + 4096, 1, (0x1234ULL << 12) | 7);
	for (int i = 0; i < 3; i++)
		mock_user_set(m, mm2, UVA + i * 4096ULL, 1, PTE_LEAF(ORPHAN_PFN + i));
	/*
	 * Device memory is told by iomem, never by a PTE bit: RAM with bit 58
	 * (6.12 _PAGE_SAVED_DIRTY, once _PAGE_DEVMAP) is RAM; a pfn outside
	 * every resource, with no memmap, is not device memory (MMIO).
	 */
	mock_iomem_add(m, 0, (DEV_PFN << 12) - 1, MOCK_IORES_SYSTEM_RAM, 0);
	mock_iomem_add(m, ORPHAN_PFN << 12, ((ORPHAN_PFN + 16) << 12) - 1,
		       MOCK_IORES_MEM, MOCK_IORES_DESC_PMEM_LEGACY);
	mock_user_set(m, mm2, UVA + 16 * 4096ULL, 1, ((ORPHAN_PFN + 99) << 12) | 7);
	mock_user_set(m, mm2, UVA + 17 * 4096ULL, 1, (0x1235ULL << 12) | 7 | (1ULL << 58));

	r = run(m, NULL);
	h = holder_at(r, UVA);
	p = holder_at(r, UVA + (4 << 20));
	f = first(r, "HOLDER_ORPHANED");
	result(r && r->hw.walked && r->hw.tasks == 4 && r->hw.mms == 2 && !r->hw.stopped,
	       "holders-walk-tasks", "walked %d tasks %llu mms %llu stopped %s",
	       r ? r->hw.walked : 0, r ? (unsigned long long)r->hw.tasks : 0,
	       r ? (unsigned long long)r->hw.mms : 0,
	       r && r->hw.stopped ? r->hw.stopped : "-");
	result(r && r->nr_holders == 3 && h && h->pid == 100 && !strcmp(h->comm, "holder") &&
	       h->pfn == DEV_PFN + 512 && h->nr_pages == 1024 && h->level == LI_HL_PMD &&
	       h->kind == LI_HK_PRESENT && h->pgmap == g && h->mm == mm,
	       "holders-devdax-pmd-run", "%zu holders, pid %d pfn %#llx nr %llu",
	       r ? r->nr_holders : 0, h ? h->pid : -1,
	       h ? (unsigned long long)h->pfn : 0, h ? (unsigned long long)h->nr_pages : 0);
	result(p && p->pfn == DEV_PFN + 7 && p->nr_pages == 1 && p->level == LI_HL_PTE &&
	       p->pgmap == g, "holders-protnone-pfn-inverted", "pfn %#llx",
	       p ? (unsigned long long)p->pfn : 0);
	result(r && total(r, "HOLDER_ORPHANED") == 1 && f && f->pfn == ORPHAN_PFN &&
	       f->count == 3 && only(r, "HOLDER_ORPHANED") &&
	       r->holders[r->nr_holders - 1].pid == 102 &&
	       r->pgmaps[0].pages_mapped == 1025,
	       "code-HOLDER_ORPHANED", "total %llu pfn %#llx count %llu",
	       (unsigned long long)total(r, "HOLDER_ORPHANED"),
	       f ? (unsigned long long)f->pfn : 0, f ? (unsigned long long)f->count : 0);
	li_report_free(r);
	r = run(m, &o);
	result(r && !r->hw.walked && !r->nr_holders && !total(r, "HOLDER_ORPHANED"),
	       "holders-opt-out", "holders %zu", r ? r->nr_holders : 0);
	li_report_free(r);
	o.flags = 0;
	o.pgmap = g;
	r = run(m, &o);
	result(r && r->nr_holders == 2 && !total(r, "HOLDER_ORPHANED"),
	       "holders-pgmap-filter", "holders %zu", r ? r->nr_holders : 0);
	li_report_free(r);
	mock_free(m);
}

/*
 * Two pgmaps whose ranges overlap (I1): one PGMAP_ARRAY_MISMATCH naming the
 * earlier pgmap, on the later one's range (sorted sweep, not all pairs).
 */
static void t_overlap(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec a = devdax(DEV_PFN, 4096, 9);
	struct mock_pgmap_spec b = devdax(DEV_PFN + 2048, 4096, 9);
	const struct li_finding *f = NULL;
	uint64_t ga, gb, n = 0;
	struct li_report *r;
	char want[64];

	b.in_array = false;	/* the registry can hold one entry per pfn */
	ga = mock_add_pgmap(m, &a);
	gb = mock_add_pgmap(m, &b);
	mock_xa_store(m, DEV_PFN + 4096, DEV_PFN + 4096 + 2047, gb);
	r = run(m, NULL);
	snprintf(want, sizeof(want), "range overlaps pgmap %#llx",
		 (unsigned long long)ga);
	for (size_t i = 0; r && i < r->buckets[li_code_index("PGMAP_ARRAY_MISMATCH")].nr; i++) {
		const struct li_finding *x =
			&r->buckets[li_code_index("PGMAP_ARRAY_MISMATCH")].v[i];

		if (strstr(x->detail, "range overlaps")) {
			n++;
			f = x;
		}
	}
	result(n == 1 && f && !strcmp(f->detail, want) && f->pgmap == gb &&
	       f->pfn == DEV_PFN + 2048, "pgmap-overlap-sorted",
	       "%llu overlap findings, pfn %#llx pgmap %#llx (%s)",
	       (unsigned long long)n, f ? (unsigned long long)f->pfn : 0,
	       f ? (unsigned long long)f->pgmap : 0, f ? f->detail : "-");
	li_report_free(r);
	mock_free(m);
}

/*
 * The arch layer alone, on page tables built here (a pool of pages, page n
 * at physical n * 4096, some marked not captured): translation of every
 * leaf size at both depths, hole ends, merged holes, the two views.
 */
#define AP_PAGES	32
struct apool {
	uint64_t pg[AP_PAGES][512];
	bool lost[AP_PAGES];
	unsigned int next;		/* next free page; page 0 unused */
};

static int ap_read(void *ctx, uint64_t phys, uint64_t *buf)
{
	struct apool *a = ctx;
	uint64_t n = phys >> 12;

	if (n >= AP_PAGES || a->lost[n])
		return -ENODATA;
	memcpy(buf, a->pg[n], 4096);
	return 0;
}

/* Map va by a leaf of 1 << shift bytes at depth levels: entry raw | phys. */
static void ap_map(struct apool *a, uint64_t root, int levels, uint64_t va,
		   int shift, uint64_t raw)
{
	uint64_t t = root >> 12;

	for (int s = 12 + 9 * (levels - 1); s > shift; s -= 9) {
		uint64_t *e = &a->pg[t][(va >> s) & 511];

		if (!*e)
			*e = ((uint64_t)a->next++ << 12) | 0x63;
		t = (*e & 0x000ffffffffff000ULL) >> 12;
	}
	a->pg[t][(va >> shift) & 511] = raw;
}

/* The page of the table at depth d (0: the root, page 1) on va's path. */
static uint64_t ap_table(struct apool *a, int levels, uint64_t va, int d)
{
	uint64_t t = 1;

	for (int i = 0; i < d; i++)
		t = (a->pg[t][(va >> (12 + 9 * (levels - 1 - i))) & 511] &
		     0x000ffffffffff000ULL) >> 12;
	return t;
}

struct avisits {
	int n, tables;
	struct li_pt_entry v[16];
};

static int av_entry(void *arg, const struct li_pt_entry *e)
{
	struct avisits *av = arg;

	if (av->n < 16)
		av->v[av->n] = *e;
	av->n++;
	return 0;
}

static int av_table(void *arg, int level, uint64_t phys, uint64_t va)
{
	struct avisits *av = arg;

	(void)level, (void)va;
	/* the root (page 1) a second time: skip it, as a visited set would */
	return av->tables++ && phys == 4096;
}

static bool av_is(const struct avisits *av, int i, enum li_pt_kind k,
		  uint64_t va, uint64_t end, int err)
{
	return i < av->n && av->v[i].kind == k && av->v[i].va == va &&
	       av->v[i].end == end && av->v[i].err == err;
}

static void t_arch(void)
{
	static struct apool a;
	const uint64_t K = 0xffffea0000000000ULL, G = 1ULL << 30, M2 = 1ULL << 21;
	struct avisits av;
	struct li_pt_visitor v = { .entry = av_entry, .arg = &av };
	struct li_paging p;
	struct li_xlat x[5];
	int e[5];

	for (int levels = 4; levels <= 5; levels++) {
		char name[64];
		bool ok;

		memset(&a, 0, sizeof(a));
		a.next = 2;
		li_paging_init(&p, levels == 5, 4096, 0, ap_read, &a);
		ap_map(&a, 4096, levels, K, 12, 0x7000 | 0x63);
		ap_map(&a, 4096, levels, K + M2, 21, 0x40000000ULL | 0xe3);
		ap_map(&a, 4096, levels, K + G, 30, 0x80000000ULL | 0xe3);
		e[0] = li_xlat(&p, K + 0x10, &x[0]);
		e[1] = li_xlat(&p, K + M2 + 0x5123, &x[1]);
		e[2] = li_xlat(&p, K + G + 0x12345678, &x[2]);
		e[3] = li_xlat(&p, K + 3 * G, &x[3]);
		/* non-canonical: a fault, up to the high half */
		e[4] = li_xlat(&p, 1ULL << (9 * levels + 11), &x[4]);
		ok = !e[4] && x[4].status == LI_XLAT_UNMAPPED &&
		     x[4].hole_end == -(1ULL << (9 * levels + 11)) && !e[0] && x[0].status == LI_XLAT_MAPPED && x[0].level == LI_PTE_4K &&
		     x[0].phys == 0x7000 && !e[1] && x[1].level == LI_PTE_2M &&
		     x[1].phys == 0x40005000ULL && !e[2] && x[2].level == LI_PTE_1G &&
		     x[2].phys == 0x92345000ULL && !e[3] &&
		     x[3].status == LI_XLAT_UNMAPPED && x[3].hole_end == K + 4 * G &&
		     li_paging_maps(&p, levels, K + G, 0x80000000ULL) == 1 &&
		     li_paging_maps(&p, 9 - levels, K + G, 0x80000000ULL) == 0;
		snprintf(name, sizeof(name), "arch-xlat-%d-level", levels);
		result(ok, name, "e %d %d %d %d phys %#llx %#llx %#llx hole_end %#llx",
		       e[0], e[1], e[2], e[3], (unsigned long long)x[0].phys,
		       (unsigned long long)x[1].phys, (unsigned long long)x[2].phys,
		       (unsigned long long)x[3].hole_end);
		/* leaves in order, the holes between them one visit each */
		memset(&av, 0, sizeof(av));
		e[0] = li_pt_walk(&p, p.root, K, K + 2 * G, LI_PT_KERNEL, &v);
		ok = !e[0] && av.n == 5 && av_is(&av, 0, LI_PT_LEAF, K, K + 4096, 0) &&
		     av_is(&av, 1, LI_PT_HOLE, K + 4096, K + M2, 0) &&
		     av_is(&av, 2, LI_PT_LEAF, K + M2, K + 2 * M2, 0) &&
		     av.v[2].phys == 0x40000000ULL && av.v[2].level == LI_PTE_2M &&
		     av_is(&av, 3, LI_PT_HOLE, K + 2 * M2, K + G, 0) &&
		     av_is(&av, 4, LI_PT_LEAF, K + G, K + 2 * G, 0);
		snprintf(name, sizeof(name), "arch-walk-%d-level", levels);
		result(ok, name, "err %d visits %d", e[0], av.n);
		/* all of memory but the top byte: a handful of visits */
		memset(&av, 0, sizeof(av));
		e[0] = li_pt_walk(&p, p.root, 0, UINT64_MAX, LI_PT_KERNEL, &v);
		snprintf(name, sizeof(name), "arch-walk-all-%d-level", levels);
		result(!e[0] && av.n == 7 && av_is(&av, 0, LI_PT_HOLE, 0, K, 0) &&
		       av_is(&av, 6, LI_PT_HOLE, K + 2 * G, UINT64_MAX, 0), name,
		       "err %d visits %d", e[0], av.n);
		/* the PMD table not captured: one hole of what its PUD entry maps */
		a.lost[ap_table(&a, levels, K, levels - 2)] = true;
		li_paging_init(&p, levels == 5, 4096, 0, ap_read, &a);
		e[0] = li_xlat(&p, K + 0x10, &x[0]);
		memset(&av, 0, sizeof(av));
		e[1] = li_pt_walk(&p, p.root, K, K + 2 * G, LI_PT_KERNEL, &v);
		snprintf(name, sizeof(name), "arch-table-not-captured-%d-level", levels);
		result(e[0] == -ENODATA && x[0].status == LI_XLAT_NO_TABLE &&
		       x[0].hole_end == K + G && !e[1] && av.n == 2 &&
		       av_is(&av, 0, LI_PT_HOLE, K, K + G, -ENODATA) &&
		       av_is(&av, 1, LI_PT_LEAF, K + G, K + 2 * G, 0), name,
		       "xlat %d status %d hole_end %#llx walk %d visits %d", e[0],
		       x[0].status, (unsigned long long)x[0].hole_end, e[1], av.n);
	}
	/* the user view: PROT_NONE, swap, A/D-only, a bad PGD; the table hook */
	memset(&a, 0, sizeof(a));
	a.next = 2;
	li_paging_init(&p, false, 4096, 0, ap_read, &a);
	ap_map(&a, 4096, 4, UVA, 12, (~(0x1234ULL << 12) & 0x000ffffffffff000ULL) | 0x100);
	ap_map(&a, 4096, 4, UVA + 4096, 12, mock_swp_entry(27, 0x2345));
	ap_map(&a, 4096, 4, UVA + 8192, 12, 0x60);
	a.pg[1][1] = (1ULL << 12) | 0xe7;		/* PSE in a PGD entry, to the root */
	memset(&av, 0, sizeof(av));
	v.table = av_table;
	e[0] = li_pt_walk(&p, p.root, 0, li_pt_user_end(&p), LI_PT_USER, &v);
	result(!e[0] && li_pt_user_end(&p) == 1ULL << 47 && av.tables == 4 &&
	       av.n == 4 && av.v[1].kind == LI_PT_LEAF && av.v[1].va == UVA &&
	       av.v[1].phys == 0x1234000ULL && av.v[2].kind == LI_PT_SWAP &&
	       av.v[2].swp_type == 27 && av.v[2].swp_offset == 0x2345 &&
	       av_is(&av, 3, LI_PT_HOLE, UVA + 8192, 1ULL << 47, 0),
	       "arch-user-view", "err %d tables %d visits %d", e[0], av.tables, av.n);
	/* the kernel view follows that PGD entry: to the root again, skipped */
	memset(&av, 0, sizeof(av));
	e[0] = li_pt_walk(&p, p.root, 1ULL << 39, 2ULL << 39, LI_PT_KERNEL, &v);
	result(!e[0] && av.tables == 2 && av.n == 0, "arch-kernel-view-upper-pse",
	       "err %d tables %d visits %d", e[0], av.tables, av.n);
}

/* The bounded set keeps keys that differ only in bit 0 apart (pfns). */
static void t_u64set(void)
{
	struct li_u64set st = { 0 };
	int a = li_set_add(&st, 4), b = li_set_add(&st, 5), c = li_set_add(&st, 4);
	int d = 1;

	for (uint64_t k = 0; k < 5000; k++)
		d &= li_set_add(&st, 1000 + k) == 1;	/* across regrowth */
	result(a == 1 && b == 1 && c == 0 && d && st.nr == 5002 &&
	       li_set_add(&st, 5) == 0, "u64set-distinct-keys",
	       "add 4 %d, 5 %d, 4 again %d, nr %zu", a, b, c, st.nr);
	li_set_reset(&st);
}

/* The tasks list loops without returning to init_task, or breaks. */
static void t_holders_cycle(void)
{
	static const char *const cases[] = { "cycle", "unreadable" };

	for (int k = 0; k < 2; k++) {
		struct mock *m = mock_new();
		struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 9);
		uint64_t mm = mock_mm_new(m), t1, t3;
		struct li_report *r;
		char name[64];

		mock_add_pgmap(m, &s);
		t1 = mock_task_new(m, 100, "holder", mm, false);
		mock_task_new(m, 101, "b", mock_mm_new(m), false);
		t3 = mock_task_new(m, 102, "c", mock_mm_new(m), false);
		mock_w64(m, t3 + 256, k ? 0xffffc90000000000ULL : t1 + 256);
		mock_user_set(m, mm, UVA, 2, PMD_LEAF(DEV_PFN));
		alarm(10);
		r = run(m, NULL);
		alarm(0);
		snprintf(name, sizeof(name), "holders-tasks-%s", cases[k]);
		result(r && r->hw.stopped && !strcmp(r->hw.stopped, cases[k]) &&
		       r->hw.tasks == 3 && r->hw.mms == 3 && r->nr_holders == 1 &&
		       only(r, NULL), name, "stopped %s tasks %llu mms %llu",
		       r && r->hw.stopped ? r->hw.stopped : "-",
		       r ? (unsigned long long)r->hw.tasks : 0,
		       r ? (unsigned long long)r->hw.mms : 0);
		li_report_free(r);
		mock_free(m);
	}
}

/*
 * A user PGD entry pointing back at its own table, and a PMD entry at its
 * own PMD table: each found once per mm, walked once, and the holder walk
 * then judges no leak (PAGE_TABLE_CYCLE, warning).
 */
static void t_holders_pt_cycle(void)
{
	for (int k = 0; k < 2; k++) {
		struct mock *m = mock_new();
		struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 9);
		uint64_t mm = mock_mm_new(m), pgd, e, tab;
		struct li_report *r;
		char name[64];

		mock_add_pgmap(m, &s);
		mock_task_new(m, 100, "holder", mm, false);
		mock_user_set(m, mm, UVA, 2, PMD_LEAF(DEV_PFN));
		pgd = mock_r64(m, mm + 80);
		tab = pgd;
		/* k = 1: down to the PMD table that maps UVA */
		for (int l = 0; k && l < 2; l++) {
			e = mock_r64(m, tab + ((UVA >> (39 - 9 * l)) & 511) * 8);
			tab = MOCK_PAGE_OFFSET + (e & 0x000ffffffffff000ULL);
		}
		/* a user slot: only the lower 256 of the PGD are walked */
		mock_w64(m, tab + 8 * 200, mock_virt_to_phys(m, tab) | 0x67);
		alarm(10);
		r = run(m, NULL);
		alarm(0);
		snprintf(name, sizeof(name), "code-PAGE_TABLE_CYCLE%s", k ? "-pmd" : "");
		result(r && total(r, "PAGE_TABLE_CYCLE") == 1 &&
		       only(r, "PAGE_TABLE_CYCLE") && r->hw.table_cycles >= 1 &&
		       r->nr_holders == 1, name, "total %llu cycles %llu holders %zu",
		       r ? (unsigned long long)total(r, "PAGE_TABLE_CYCLE") : 0,
		       r ? (unsigned long long)r->hw.table_cycles : 0,
		       r ? r->nr_holders : 0);
		li_report_free(r);
		mock_free(m);
	}
}

/*
 * A dead pgmap ref: with no page referenced but a user mapping left, one
 * HOLDER_DEAD_PGMAP instead of PGMAP_TEARDOWN; with a referenced page,
 * PGMAP_REF_DEAD alone says it (one fact, one finding).
 */
static void t_holders_dead(void)
{
	for (int k = 0; k < 2; k++) {
		struct mock *m = mock_new();
		struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 9);
		uint64_t g = mock_add_pgmap(m, &s), mm = mock_mm_new(m);
		const char *want = k ? "PGMAP_REF_DEAD" : "HOLDER_DEAD_PGMAP";
		const struct li_finding *f;
		struct li_report *r;
		char name[64];

		mock_task_new(m, 100, "holder", mm, false);
		mock_user_set(m, mm, UVA, 2, PMD_LEAF(DEV_PFN + 3584));
		if (k)
			inj_ref_dead(m, g, 0);
		else
			inj_teardown(m, g, 0);
		r = run(m, NULL);
		f = first(r, want);
		snprintf(name, sizeof(name), "holders-dead-ref-%s", want);
		result(r && total(r, want) == 1 && f && f->pfn == DEV_PFN + 3584 &&
		       only(r, want) && !total(r, "PGMAP_TEARDOWN"), name,
		       "total %llu pfn %#llx teardown %llu", (unsigned long long)total(r, want),
		       f ? (unsigned long long)f->pfn : 0,
		       (unsigned long long)total(r, "PGMAP_TEARDOWN"));
		li_report_free(r);
		mock_free(m);
	}
}

/*
 * DEVICE_PRIVATE swap entries: device_private held, device_exclusive
 * orphaned; with 4 device types (<= 6.14) and 3 (6.15+).
 */
static void t_holders_swap(void)
{
	for (int k = 0; k < 2; k++) {
		struct mock *m = mock_new();
		struct mock_pgmap_spec s = { .type = MT_PRIVATE, .start_pfn = DEV2_PFN,
			.nr_pages = 2048, .in_array = true };
		unsigned int wr = MOCK_SWP_DEVICE_WRITE + k;
		uint64_t g, mm = mock_mm_new(m);
		const struct li_holder *h, *x;
		const struct li_finding *f;
		struct li_report *r;
		char name[64];

		mock_enable_device_private(m, k);
		g = mock_add_pgmap(m, &s);
		/* a PRIVATE pgmap has ops and an owner */
		mock_w64(m, g + 112, mock_symbol(m, "dev_pagemap_percpu_release"));
		mock_w64(m, g + 120, g);
		mock_task_new(m, 100, "hmm", mm, false);
		for (int i = 0; i < 4; i++)
			mock_user_set(m, mm, UVA + i * 4096ULL, 1,
				      mock_swp_entry(wr + (i & 1), DEV2_PFN + 10 + i));
		mock_user_set(m, mm, UVA + 8 * 4096ULL, 1, mock_swp_entry(wr + 2, ORPHAN_PFN));
		/* ordinary swap, a migration entry and a PTE marker: not holders */
		mock_user_set(m, mm, UVA + 9 * 4096ULL, 1, mock_swp_entry(0, 1234));
		mock_user_set(m, mm, UVA + 10 * 4096ULL, 1,
			      mock_swp_entry(wr - 1, DEV2_PFN + 20));
		mock_user_set(m, mm, UVA + 11 * 4096ULL, 1, mock_swp_entry(31, 1));
		r = run(m, NULL);
		h = holder_at(r, UVA);
		x = holder_at(r, UVA + 8 * 4096ULL);
		f = first(r, "HOLDER_ORPHANED");
		snprintf(name, sizeof(name), "holders-device-private-swap-%d-types", 4 - k);
		result(r && r->model.task.swp_dev_first == (int)wr &&
		       r->model.task.swp_dev_num == 4 - k &&
		       r->nr_holders == 2 && h && h->kind == LI_HK_DEVICE_PRIVATE &&
		       h->pfn == DEV2_PFN + 10 && h->nr_pages == 4 && h->pgmap == g,
		       name, "first type %d, %zu holders, pfn %#llx nr %llu",
		       r ? r->model.task.swp_dev_first : -1, r ? r->nr_holders : 0,
		       h ? (unsigned long long)h->pfn : 0, h ? (unsigned long long)h->nr_pages : 0);
		snprintf(name, sizeof(name), "holders-device-exclusive-orphaned-%d-types", 4 - k);
		result(x && x->kind == LI_HK_DEVICE_EXCLUSIVE && !x->pgmap && f &&
		       f->pfn == ORPHAN_PFN && total(r, "HOLDER_ORPHANED") == 1 &&
		       only(r, "HOLDER_ORPHANED"), name, "kind %d pgmap %#llx",
		       x ? (int)x->kind : -1, x ? (unsigned long long)x->pgmap : 0);
		li_report_free(r);
		mock_free(m);
	}
}

/* A device pgmap with ops and an owner; extra: references its pages hold. */
static uint64_t device_pgmap(struct mock *m, int type, uint64_t pfn, int extra)
{
	struct mock_pgmap_spec s = { .type = type, .start_pfn = pfn,
		.nr_pages = 2048, .in_array = true };
	uint64_t g = mock_add_pgmap(m, &s), data = mock_r64(m, g + 56);

	mock_w64(m, g + 112, mock_symbol(m, "dev_pagemap_percpu_release"));
	mock_w64(m, g + 120, g);
	mock_w64(m, data, mock_r64(m, data) + extra);
	return g;
}

static uint64_t leaks_in(const struct li_report *r, uint64_t lo, uint64_t hi)
{
	int i = li_code_index("PRIVATE_PAGE_LEAKED");
	uint64_t n = 0;

	for (size_t k = 0; r && i >= 0 && k < r->buckets[i].nr; k++)
		n += r->buckets[i].v[k].pfn >= lo && r->buckets[i].v[k].pfn <= hi;
	return n;
}

/*
 * PRIVATE_PAGE_LEAKED: allocated PRIVATE/COHERENT pages (refcount above
 * idle 0) that no page table names are reported; pages held through a
 * device-private or device-exclusive entry or a present PTE are not; no
 * verdict without a complete holder walk.
 */
static void t_holders_leak(void)
{
	struct mock *m = mock_new();
	unsigned int wr = MOCK_SWP_DEVICE_WRITE;
	uint64_t gc, gp, mm = mock_mm_new(m), t2;
	const struct li_finding *f;
	struct li_options o = { .flags = LI_OPT_NO_HOLDERS };
	struct li_report *r;

	mock_enable_device_private(m, false);
	gc = device_pgmap(m, MT_COHERENT, DEV_PFN, 2);
	gp = device_pgmap(m, MT_PRIVATE, DEV2_PFN, 3);
	mock_task_new(m, 100, "hmm", mm, false);
	t2 = mock_task_new(m, 101, "idle", mock_mm_new(m), false);
	/* coherent: +5 mapped present, +6 leaked (refcount 2) */
	mock_w32(m, mock_page(DEV_PFN + 5) + 52, 1);
	mock_w32(m, mock_page(DEV_PFN + 6) + 52, 2);
	mock_user_set(m, mm, UVA, 1, PTE_LEAF(DEV_PFN + 5));
	/* private: +10 device_private, +30 device_exclusive, +20 leaked */
	for (int i = 10; i <= 30; i += 10)
		mock_w32(m, mock_page(DEV2_PFN + i) + 52, 1);
	mock_user_set(m, mm, UVA + 4096, 1, mock_swp_entry(wr, DEV2_PFN + 10));
	mock_user_set(m, mm, UVA + 8192, 1, mock_swp_entry(wr + 2, DEV2_PFN + 30));
	r = run(m, NULL);
	f = first(r, "PRIVATE_PAGE_LEAKED");
	result(r && total(r, "PRIVATE_PAGE_LEAKED") == 2 && f && f->pfn == DEV_PFN + 6 &&
	       f->pgmap == gc && f->page == mock_page(DEV_PFN + 6) &&
	       leaks_in(r, DEV2_PFN + 20, DEV2_PFN + 20) == 1 &&
	       li_code(f->code)->severity == LI_SEV_WARNING &&
	       only(r, "PRIVATE_PAGE_LEAKED"), "code-PRIVATE_PAGE_LEAKED",
	       "total %llu first pfn %#llx", (unsigned long long)total(r, "PRIVATE_PAGE_LEAKED"),
	       f ? (unsigned long long)f->pfn : 0);
	result(r && r->pgmaps[1].addr == gp && r->pgmaps[1].pages_referenced == 3 &&
	       !leaks_in(r, DEV2_PFN + 10, DEV2_PFN + 10) &&
	       !leaks_in(r, DEV2_PFN + 30, DEV2_PFN + 30) &&
	       !leaks_in(r, DEV_PFN + 5, DEV_PFN + 5), "leak-held-pages-not-reported",
	       "referenced %llu", r ? (unsigned long long)r->pgmaps[1].pages_referenced : 0);
	li_report_free(r);
	r = run(m, &o);
	result(r && !total(r, "PRIVATE_PAGE_LEAKED") && only(r, NULL), "leak-no-holders",
	       "total %llu", (unsigned long long)total(r, "PRIVATE_PAGE_LEAKED"));
	li_report_free(r);
	/* filters cut the pages and the holder runs alike */
	o = (struct li_options){ .pfn_start = DEV2_PFN + 10, .pfn_end = DEV2_PFN + 25 };
	r = run(m, &o);
	result(r && total(r, "PRIVATE_PAGE_LEAKED") == 1 &&
	       leaks_in(r, DEV2_PFN + 20, DEV2_PFN + 20) == 1, "leak-pfn-filter",
	       "total %llu", (unsigned long long)total(r, "PRIVATE_PAGE_LEAKED"));
	li_report_free(r);
	o = (struct li_options){ .pgmap = gc };
	r = run(m, &o);
	result(r && total(r, "PRIVATE_PAGE_LEAKED") == 1 &&
	       leaks_in(r, DEV_PFN + 6, DEV_PFN + 6) == 1, "leak-pgmap-filter",
	       "total %llu", (unsigned long long)total(r, "PRIVATE_PAGE_LEAKED"));
	li_report_free(r);
	/* the tasks list breaks after the holder: the walk is not complete */
	mock_w64(m, t2 + 256, 0xffffc90000000000ULL);
	r = run(m, NULL);
	result(r && r->hw.stopped && !total(r, "PRIVATE_PAGE_LEAKED") && only(r, NULL),
	       "leak-walk-incomplete", "stopped %s total %llu",
	       r && r->hw.stopped ? r->hw.stopped : "-",
	       (unsigned long long)total(r, "PRIVATE_PAGE_LEAKED"));
	li_report_free(r);
	mock_free(m);
}

/* The candidates kept between the page walk and the holder walk are bounded. */
static void t_leak_cap(void)
{
	struct li_ctx c = { 0 };

	for (uint64_t pfn = 0; pfn <= LI_MAX_LEAK_CANDS; pfn++)
		li_leak_note(&c, pfn, 1, 0, 1, 0);
	result(c.leaks.nr == LI_MAX_LEAK_CANDS && c.leaks.dropped == 1 &&
	       c.leaks.v[LI_MAX_LEAK_CANDS - 1].pfn == LI_MAX_LEAK_CANDS - 1,
	       "leak-candidates-bounded", "kept %zu dropped %llu", c.leaks.nr,
	       (unsigned long long)c.leaks.dropped);
	free(c.leaks.v);
}

/* The LIBINSPECT_1.4 getters: what the JSON holds, size-prefixed. */
static void t_accessors(void)
{
	struct mock *m = mock_new();
	struct mock_pgmap_spec s = devdax(DEV_PFN, 4096, 9);
	struct li_options o = { .max_findings = 5 };
	struct li_finding_info fi = { .sz = sizeof(fi) }, part;
	struct li_pgmap_info pi = { .sz = sizeof(pi) };
	struct li_vmemmap_info vi = { .sz = sizeof(vi) };
	uint64_t g, start = 0, end = 0, first_pfn = 0;
	struct li_report *r;
	bool ok = true;
	size_t n, k = 0, stored = 0;

	s.dedup = false;
	g = mock_add_pgmap(m, &s);
	for (int i = 1; i < 100; i++)
		mock_w32(m, mock_page(DEV_PFN + i) + 52, 1);
	r = run(m, &o);
	n = li_report_nfindings(r);
	for (size_t i = 0; r && i < r->nr_codes; i++)
		stored += r->buckets[i].nr;
	for (size_t i = 0; r && i < n; i++) {
		ok &= !li_report_finding(r, i, &fi);
		if (strcmp(fi.code, "TAIL_REFCOUNT"))
			continue;	/* VMEMMAP_UNEXPECTED: no reuse here */
		ok &= fi.severity == LI_SEV_ERROR && fi.pfn == DEV_PFN + 1 + k &&
		      fi.pgmap == g && fi.page == mock_page(DEV_PFN + 1 + k) &&
		      strstr(fi.detail, "tail refcount 1");
		k++;
	}
	result(r && n == stored && k == 5 && ok &&
	       li_report_finding(r, n, &fi) == -ERANGE &&
	       li_report_code_count(r, "TAIL_REFCOUNT") == 99 &&
	       li_report_code_count(r, "NO_SUCH_CODE") == 0, "accessors-findings",
	       "%zu findings, ok %d", n, ok);
	/* a struct of an older header: what lies beyond its sz is not written */
	memset(&part, 0xa5, sizeof(part));
	part.sz = offsetof(struct li_finding_info, pfn);
	result(r && !li_report_finding(r, 0, &part) && part.code &&
	       !strcmp(part.code, "TAIL_REFCOUNT") &&
	       part.pfn == 0xa5a5a5a5a5a5a5a5ULL &&
	       part.sz == offsetof(struct li_finding_info, pfn),
	       "accessors-size-prefix", "pfn %#llx", (unsigned long long)part.pfn);
	part.sz = 1;
	result(r && li_report_finding(r, 0, &part) == -EINVAL &&
	       li_report_finding(r, 0, NULL) == -EINVAL,
	       "accessors-bad-sz", "accepted");
	result(r && li_report_npgmaps(r) == 1 && !li_report_pgmap(r, 0, &pi) &&
	       pi.address == g && !strcmp(pi.type, li_mtype_name(r->pgmaps[0].mtype)) &&
	       pi.vmemmap_shift == 9 && pi.nr_ranges == 1 &&
	       !strcmp(pi.ref_state, "live") &&
	       pi.pages_checked == r->pgmaps[0].pages_checked &&
	       !li_report_pgmap_range(r, 0, 0, &start, &end, &first_pfn) &&
	       start == DEV_PFN && end == DEV_PFN + 4095 && first_pfn == DEV_PFN &&
	       li_report_pgmap_range(r, 0, 1, NULL, NULL, NULL) == -ERANGE &&
	       li_report_pgmap(r, 1, &pi) == -ERANGE,
	       "accessors-pgmaps", "pgmap %#llx range %#llx-%#llx",
	       (unsigned long long)pi.address, (unsigned long long)start,
	       (unsigned long long)end);
	result(r && li_report_nvmemmap(r) == r->nr_vmem && r->nr_vmem &&
	       !li_report_vmemmap(r, 0, &vi) && vi.pgmap == g &&
	       vi.struct_pages == r->vmem[0].nr_pages &&
	       vi.frames == r->vmem[0].frames &&
	       li_report_vmemmap(r, r->nr_vmem, &vi) == -ERANGE,
	       "accessors-vmemmap", "%zu rows", r ? r->nr_vmem : 0);
	li_report_free(r);
	mock_free(m);
}

static const struct li_target *hiding;

/* The mock's types without page._mapcount. */
static int member_but_mapcount(void *ctx, const char *type,
			       const char *member, uint64_t *off)
{
	if (!strcmp(type, "struct page") && !strcmp(member, "_mapcount"))
		return -ENOENT;
	return hiding->ops->member_offset(ctx, type, member, off);
}

/* model.assumed: what the model takes without the kernel saying it. */
static void t_model_assumed(void)
{
	struct mock *m = mock_new();
	struct li_target t = *mock_target(m);
	struct li_target_ops ops = *t.ops;
	struct li_report *r0 = NULL, *r = NULL;
	char *text = NULL;
	size_t len = 0;
	unsigned int n0;
	bool said = false;
	FILE *f;

	li_check(&t, NULL, &r0);
	n0 = r0 ? r0->model.nr_assumed : 0;
	hiding = mock_target(m);
	ops.member_offset = member_but_mapcount;
	t.ops = &ops;
	li_check(&t, NULL, &r);
	f = open_memstream(&text, &len);
	if (r && f)
		li_report_write_text(r, f, LI_TEXT_VERBOSE);
	if (f)
		fclose(f);
	for (unsigned int i = 0; r && i < r->model.nr_assumed; i++)
		said |= !strcmp(r->model.assumed[i],
				"page._mapcount just before _refcount");
	result(r0 && r && r->model.nr_assumed == n0 + 1 && said &&
	       r->model.page.off_mapcount == r->model.page.off_refcount - 4 &&
	       text && strstr(text, "assumed, not probed: ") &&
	       strstr(text, "page._mapcount just before _refcount"),
	       "model-assumed-said", "%u assumed (%u without the hiding)",
	       r ? r->model.nr_assumed : 0, n0);
	free(text);
	li_report_free(r0);
	li_report_free(r);
	mock_free(m);
}

int main(int argc, char **argv)
{
	signal(SIGALRM, SIG_DFL);
	t_clean();
	t_xa_cycle();
	t_xa_bomb();
	t_xa_siblings();
	t_garbage_counts();
	t_not_captured();
	t_plain_fault();
	t_xlat_vmemmap();
	t_symbols_unrelocated();
	t_codes();
	t_shared_frame();
	t_order_nr();
	t_fuzz();
	t_dynamic_folio();
	t_private();
	t_caps_filters();
	t_accessors();
	t_overlap();
	t_cancel();
	t_u64set();
	t_arch();
	t_holders();
	t_holders_cycle();
	t_holders_pt_cycle();
	t_holders_dead();
	t_holders_swap();
	t_holders_leak();
	t_leak_cap();
	t_json(argc > 1 ? argv[1] : "/dev/null");
	t_model_errors();
	t_model_assumed();
	return 0;
}
