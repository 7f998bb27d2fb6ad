// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The registry: pgmap_array -> dev_pagemaps, their fields, refs and
 * ranges (the first phase of li_check()), the pgmap lookups of the
 * walkers, and the ref verdicts that need the walkers' page counts.
 */
#include <stdlib.h>
#include "internal.h"
#include "findings.h"
#include "model.h"
#include "progress.h"
#include "read.h"
#include "registry.h"
#include "xarray.h"

#define PERCPU_REF_ATOMIC	1ULL
#define PERCPU_REF_DEAD		2ULL
#define PERCPU_COUNT_BIAS	(1ULL << 63)
#define PGMAP_ALTMAP_VALID	1u
#define SUBSECTION_PAGES	512ULL	/* 2 MiB */

int li_pgmap_lookup(const struct li_report *r, uint64_t addr)
{
	for (size_t i = 0; i < r->nr_pgmaps; i++)
		if (r->pgmaps[i].addr == addr)
			return (int)i;
	return -1;
}

int li_pgmap_of_pfn(const struct li_report *r, uint64_t pfn)
{
	for (size_t i = 0; i < r->nr_pgmaps; i++) {
		const struct li_pgmap *g = &r->pgmaps[i];

		for (int k = 0; k < g->nr_valid; k++)
			if (pfn >= g->ranges[k].start_pfn &&
			    pfn <= g->ranges[k].end_pfn)
				return (int)i;
	}
	return -1;
}

/*
 * A percpu_ref (or its data) the dump lacks: the ref state is unknown, so
 * nothing is judged on it (no PGMAP_INVALID, no dead/low-ref verdicts).
 * An address with no translation is different: the pointer is garbage.
 */
static void ref_unreadable(struct li_ctx *c, struct li_pgmap *g,
			   const char *what, uint64_t addr)
{
	int err = li_read_u64(c, addr, &(uint64_t){ 0 });

	if (err == -EFAULT) {
		g->ref_valid = false;
		return;
	}
	g->ref_unreadable = true;
	li_report_add(c->r,
		      LI_FINDING(STRUCT_NOT_CAPTURED, .page = addr,
				 .pgmap = g->addr),
		      "%s %#llx of pgmap %#llx is not in the dump: its ref state is unknown",
		      what, (unsigned long long)addr, (unsigned long long)g->addr);
}

/* Logical percpu_ref count (kernel-spec §1.4). */
static void decode_ref(struct li_ctx *c, struct li_pgmap *g)
{
	const struct li_model *m = c->m;
	uint64_t count, back, release, base, sum = 0;

	g->ref_atomic = g->pcr_ptr & PERCPU_REF_ATOMIC;
	g->ref_dead = g->pcr_ptr & PERCPU_REF_DEAD;
	if (!g->ref_data) {
		/* percpu_ref_exit(): count kept in the pointer bits */
		g->ref_exited = true;
		g->ref_count = (int64_t)(g->pcr_ptr >> 2);
		g->ref_count_known = (g->pcr_ptr & 3) == 3;
		return;
	}
	if (li_read_u64(c, g->ref_data + m->ref.prd_count, &count) ||
	    li_read_u64(c, g->ref_data + m->ref.prd_ref, &back) ||
	    li_read_u64(c, g->ref_data + m->ref.prd_release, &release)) {
		ref_unreadable(c, g, "percpu_ref_data", g->ref_data);
		return;
	}
	/* 5.10 - 5.14 fsdax: an external ref (request_queue) has its own release */
	g->ref_valid = back == g->ref_addr &&
		       (!m->ref.release_fn || release == m->ref.release_fn ||
			(m->pgmap.ref_is_pointer &&
			 g->ref_addr != g->addr + m->pgmap.pm_internal_ref));
	if (g->ref_atomic) {
		g->ref_count = (int64_t)count;
		g->ref_count_known = true;
		return;
	}
	base = g->pcr_ptr & ~3ULL;
	for (unsigned int cpu = 0; cpu < m->ref.nr_cpus; cpu++) {
		uint64_t off = 0, v;

		if (m->ref.per_cpu_offset &&
		    li_read_u64(c, m->ref.per_cpu_offset + 8ULL * cpu, &off))
			return;	/* count unknown; the ref itself was read */
		if (li_read_u64(c, base + off, &v))
			return;
		sum += v;
	}
	g->ref_count = (int64_t)(count - PERCPU_COUNT_BIAS + sum);
	g->ref_count_known = true;
}

static void read_altmap(const struct li_model *m, const uint8_t *buf,
			struct li_pgmap *g)
{
	uint64_t a = m->pgmap.pm_altmap;

	g->alt_base_pfn = li_get_u64(buf, a + m->pgmap.alt_base_pfn);
	g->alt_end_pfn = li_get_u64(buf, a + m->pgmap.alt_end_pfn);
	g->alt_reserve = li_get_u64(buf, a + m->pgmap.alt_reserve);
	g->alt_free = li_get_u64(buf, a + m->pgmap.alt_free);
	g->alt_alloc = li_get_u64(buf, a + m->pgmap.alt_alloc);
	g->alt_align = m->pgmap.alt_align == UINT64_MAX ? 0 :
		       li_get_u64(buf, a + m->pgmap.alt_align);
}

/* Ranges, bounded: a garbage nr_range or range is reported, not walked. */
static void read_ranges(struct li_ctx *c, struct li_pgmap *g)
{
	const struct li_model *m = c->m;
	struct li_range *rg;

	g->nr_valid = 0;
	if (g->nr_range < 1 || g->nr_range > LI_MAX_NR_RANGE) {
		li_report_add(c->r, LI_FINDING(PGMAP_INVALID, .pgmap = g->addr),
			      "nr_range %d out of bounds", g->nr_range);
		return;
	}
	for (int k = 0; k < g->nr_range; k++) {
		uint64_t r[2];

		if (li_read(c, LI_KVADDR,
			    g->addr + m->pgmap.pm_ranges + k * m->pgmap.range_size,
			    r, sizeof(r))) {
			li_report_add(c->r,
				      LI_FINDING(PGMAP_INVALID,
						 .pgmap = g->addr),
				      "range %d unreadable", k);
			return;
		}
		/* beyond the machine's physical address bits: never walked */
		if (r[1] < r[0] || r[1] >> m->mem.max_physmem_bits) {
			li_report_add(c->r,
				      LI_FINDING(PGMAP_INVALID,
						 .pfn = r[0] >> LI_PAGE_SHIFT,
						 .pgmap = g->addr),
				      "range %d [%#llx-%#llx] is garbage", k,
				      (unsigned long long)r[0], (unsigned long long)r[1]);
			return;
		}
		rg = &g->ranges[g->nr_valid++];
		rg->start_pfn = r[0] >> LI_PAGE_SHIFT;
		rg->end_pfn = r[1] >> LI_PAGE_SHIFT;
		rg->first_pfn = rg->start_pfn;
		if ((r[0] >> LI_PAGE_SHIFT) % SUBSECTION_PAGES ||
		    ((r[1] + 1) >> LI_PAGE_SHIFT) % SUBSECTION_PAGES)
			li_report_add(c->r,
				      LI_FINDING(PGMAP_INVALID,
						 .pfn = rg->start_pfn,
						 .pgmap = g->addr),
				      "range %d [%#llx-%#llx] not subsection aligned", k,
				      (unsigned long long)r[0], (unsigned long long)r[1]);
	}
}

/* Every altmap finding names range 0's first pfn and the pgmap. */
#define ALTMAP_FINDING(...)						\
	li_report_add(c->r, LI_FINDING(ALTMAP_ACCOUNTING,		\
				       .pfn = r0->start_pfn,		\
				       .pgmap = g->addr), __VA_ARGS__)

/* I2/S11: altmap invariants and the first initialised pfn of range 0. */
static void check_altmap(struct li_ctx *c, struct li_pgmap *g)
{
	struct li_range *r0 = &g->ranges[0];
	uint64_t len, off;

	if (!g->altmap_valid || !g->nr_valid)
		return;
	len = r0->end_pfn - r0->start_pfn + 1;
	off = g->alt_reserve + g->alt_free;
	if (g->alt_alloc + g->alt_align > g->alt_free)
		ALTMAP_FINDING("alloc %llu + align %llu > free %llu",
			      (unsigned long long)g->alt_alloc,
			       (unsigned long long)g->alt_align,
			       (unsigned long long)g->alt_free);
	if (g->alt_base_pfn != r0->start_pfn || g->alt_end_pfn != r0->end_pfn)
		ALTMAP_FINDING("altmap [%#llx-%#llx] differs from range 0 [%#llx-%#llx]",
			      (unsigned long long)g->alt_base_pfn,
			      (unsigned long long)g->alt_end_pfn,
			      (unsigned long long)r0->start_pfn,
			      (unsigned long long)r0->end_pfn);
	if (g->nr_range != 1)
		ALTMAP_FINDING("altmap valid with nr_range %d", g->nr_range);
	if (off > len) {
		ALTMAP_FINDING("reserve %llu + free %llu exceed the range (%llu pfns)",
			      (unsigned long long)g->alt_reserve,
			      (unsigned long long)g->alt_free,
			      (unsigned long long)len);
		off = len;
	}
	r0->first_pfn = r0->start_pfn + off;
}
#undef ALTMAP_FINDING

static void check_fields(struct li_ctx *c, struct li_pgmap *g)
{
	if (g->mtype == LI_MT_UNKNOWN)
		li_report_add(c->r, LI_FINDING(PGMAP_INVALID, .pgmap = g->addr),
			      "type %lld is not a memory_type",
			      (long long)g->type_val);
	if (g->flags & ~PGMAP_ALTMAP_VALID)
		li_report_add(c->r, LI_FINDING(PGMAP_INVALID, .pgmap = g->addr),
			      "unknown flags %#x", g->flags);
	if (g->vmemmap_shift > LI_MAX_VMEMMAP_SHIFT) {
		li_report_add(c->r, LI_FINDING(PGMAP_INVALID, .pgmap = g->addr),
			      "vmemmap_shift %llu out of bounds",
			      (unsigned long long)g->vmemmap_shift);
		g->vmemmap_shift = 0;
	}
	for (int k = 0; k < g->nr_valid; k++) {
		uint64_t n = 1ULL << g->vmemmap_shift;
		struct li_range *r = &g->ranges[k];

		if ((r->first_pfn - r->start_pfn) % n ||
		    (r->end_pfn + 1 - r->start_pfn) % n)
			li_report_add(c->r,
				      LI_FINDING(PGMAP_INVALID,
						 .pfn = r->start_pfn,
						 .pgmap = g->addr),
				      "range %d not a multiple of 2^vmemmap_shift", k);
	}
	/* memremap_pages() refuses PRIVATE/COHERENT without ops and owner */
	if ((g->mtype == LI_MT_PRIVATE || g->mtype == LI_MT_COHERENT) &&
	    c->m->pgmap.pm_ops != UINT64_MAX && (!g->ops || !g->owner))
		li_report_add(c->r, LI_FINDING(PGMAP_INVALID, .pgmap = g->addr),
			      "%s pgmap without ops (%#llx) or owner (%#llx)",
			      li_mtype_name(g->mtype), (unsigned long long)g->ops,
			      (unsigned long long)g->owner);
	if (!g->ref_exited && !g->ref_valid && !g->ref_unreadable)
		li_report_add(c->r, LI_FINDING(PGMAP_INVALID, .pgmap = g->addr),
			      "percpu_ref data %#llx does not point back to the pgmap's ref",
			      (unsigned long long)g->ref_data);
}

static int read_pgmap(struct li_ctx *c, struct li_pgmap *g)
{
	const struct li_model *m = c->m;
	uint8_t *buf;
	int err;

	if (m->pgmap.pgmap_size > 4096)
		return -ENOTSUP;
	buf = calloc(1, m->pgmap.pgmap_size);
	if (!buf)
		return -ENOMEM;
	err = li_read(c, LI_KVADDR, g->addr, buf, m->pgmap.pgmap_size);
	if (err) {
		/* its ranges are unknown: a mapping of them is no orphan */
		c->r->registry_incomplete = true;
		if (err == -ENODATA)
			li_report_add(c->r,
				      LI_FINDING(STRUCT_NOT_CAPTURED,
						 .page = g->addr,
						 .pgmap = g->addr),
				      "dev_pagemap %#llx is not in the dump: its pages are not checked",
				      (unsigned long long)g->addr);
		else
			li_report_add(c->r,
				      LI_FINDING(PGMAP_INVALID,
						 .pgmap = g->addr),
				      "dev_pagemap unreadable: %s", li_strerror(err));
		free(buf);
		return 0;
	}
	g->readable = true;
	g->type_val = (int32_t)li_get_u32(buf, m->pgmap.pm_type);
	g->mtype = li_mtype_of(m, g->type_val);
	g->flags = li_get_u32(buf, m->pgmap.pm_flags);
	g->vmemmap_shift = m->pgmap.has_vmemmap_shift ? li_get_u64(buf, m->pgmap.pm_shift) : 0;
	g->nr_range = (int32_t)li_get_u32(buf, m->pgmap.pm_nr_range);
	g->altmap_valid = g->flags & PGMAP_ALTMAP_VALID;
	if (m->pgmap.pm_done != UINT64_MAX)
		g->done = li_get_u32(buf, m->pgmap.pm_done);
	read_altmap(m, buf, g);
	g->ops = m->pgmap.pm_ops == UINT64_MAX ? 0 : li_get_u64(buf, m->pgmap.pm_ops);
	g->owner = m->pgmap.pm_owner == UINT64_MAX ? 0 : li_get_u64(buf, m->pgmap.pm_owner);
	g->ref_addr = m->pgmap.ref_is_pointer ? li_get_u64(buf, m->pgmap.pm_ref) :
		      g->addr + m->pgmap.pm_ref;
	free(buf);
	if (!li_read_u64(c, g->ref_addr + m->ref.pcr_ptr, &g->pcr_ptr) &&
	    !li_read_u64(c, g->ref_addr + m->ref.pcr_data, &g->ref_data))
		decode_ref(c, g);
	else
		ref_unreadable(c, g, "percpu_ref", g->ref_addr);
	read_ranges(c, g);
	check_altmap(c, g);
	check_fields(c, g);
	return 0;
}

/*
 * S10: the runs naming g must be exactly its ranges (adjacent ranges
 * merge into one run).  One finding per pgmap, at the first pfn where
 * the registry and the ranges disagree.
 */
static void check_runs(struct li_ctx *c, struct li_pgmap *g)
{
	struct li_range merged[LI_MAX_NR_RANGE];
	size_t nm = 0, k = 0, nruns = 0;
	uint64_t bad = UINT64_MAX;

	for (int i = 0; i < g->nr_valid; i++) {
		if (nm && merged[nm - 1].end_pfn + 1 == g->ranges[i].start_pfn)
			merged[nm - 1].end_pfn = g->ranges[i].end_pfn;
		else
			merged[nm++] = g->ranges[i];
	}
	if (!g->nr_valid)
		return;
	/* runs come out of the walk sorted by index */
	for (size_t i = 0; i < c->r->nr_runs && bad == UINT64_MAX; i++) {
		const struct li_run *run = &c->r->runs[i];

		if (run->entry != g->addr)
			continue;
		nruns++;
		if (k >= nm)
			bad = run->first;
		else if (run->first != merged[k].start_pfn)
			bad = run->first < merged[k].start_pfn ? run->first :
			      merged[k].start_pfn;
		else if (run->last != merged[k].end_pfn)
			bad = (run->last < merged[k].end_pfn ? run->last :
			       merged[k].end_pfn) + 1;
		k++;
	}
	if (bad == UINT64_MAX && k < nm)
		bad = merged[k].start_pfn;
	if (bad != UINT64_MAX)
		li_report_add(c->r,
			      LI_FINDING(PGMAP_ARRAY_MISMATCH, .pfn = bad,
					 .pgmap = g->addr),
			      "pgmap_array disagrees with the ranges from pfn %#llx (%zu runs for %zu ranges)",
			      (unsigned long long)bad, nruns, nm);
}

struct range_ref {
	uint64_t start, end;
	uint32_t pgmap;
};

static int range_ref_cmp(const void *a, const void *b)
{
	const struct range_ref *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->pgmap < y->pgmap ? -1 : x->pgmap > y->pgmap;
}

/*
 * Ranges of two pgmaps must not overlap (I1).  Sorted by start, each range
 * meets only the ranges that begin inside it: O(n log n) for sane input,
 * and at most OVERLAP_SCAN neighbours per range for garbage (4096 pgmaps
 * of 64 ranges each all overlapping would otherwise be 2^35 pairs).  The
 * finding goes to the later pgmap of the registry, naming the earlier.
 */
#define OVERLAP_SCAN	64
static int check_overlaps(struct li_ctx *c)
{
	struct li_report *r = c->r;
	struct range_ref *v;
	size_t n = 0;

	for (size_t i = 0; i < r->nr_pgmaps; i++)
		n += r->pgmaps[i].nr_valid;
	if (n < 2)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < r->nr_pgmaps; i++)
		for (int a = 0; a < r->pgmaps[i].nr_valid; a++)
			v[n++] = (struct range_ref){ r->pgmaps[i].ranges[a].start_pfn,
						     r->pgmaps[i].ranges[a].end_pfn,
						     (uint32_t)i };
	qsort(v, n, sizeof(*v), range_ref_cmp);
	for (size_t k = 0; k < n; k++)
		for (size_t l = k + 1; l < n && l <= k + OVERLAP_SCAN &&
				       v[l].start <= v[k].end; l++) {
			const struct range_ref *x = &v[k], *y = &v[l];

			if (x->pgmap == y->pgmap)
				continue;
			if (x->pgmap > y->pgmap) {
				const struct range_ref *t = x;

				x = y;
				y = t;
			}
			li_report_add(r,
				      LI_FINDING(PGMAP_ARRAY_MISMATCH,
						 .pfn = y->start,
						 .pgmap = r->pgmaps[y->pgmap].addr),
				      "range overlaps pgmap %#llx",
				      (unsigned long long)r->pgmaps[x->pgmap].addr);
		}
	free(v);
	return 0;
}

/* S16/I11: devmap_managed_key counts the FS_DAX (+PRIVATE <= 5.17) pgmaps. */
static void check_devmap_key(struct li_ctx *c)
{
	const struct li_model *m = c->m;
	uint64_t want = 0;
	uint32_t enabled;

	if (!m->pgmap.devmap_key || c->r->xa_error ||
	    li_read_u32(c, m->pgmap.devmap_key, &enabled))
		return;
	for (size_t i = 0; i < c->r->nr_pgmaps; i++) {
		enum li_mtype t = c->r->pgmaps[i].mtype;

		want += t == LI_MT_FS_DAX ||
			(m->pgmap.devmap_key_private && t == LI_MT_PRIVATE);
	}
	if (enabled != want)
		li_report_add(c->r, LI_FINDING(DEVMAP_KEY_MISMATCH),
			      "devmap_managed_key is %u but %llu registered pgmaps need it",
			      enabled, (unsigned long long)want);
}

int li_check_pgmaps(struct li_ctx *c)
{
	struct li_report *r = c->r;
	int err;

	err = li_xa_walk(c, c->m->xa.pgmap_array, &r->runs, &r->nr_runs,
			 &r->xa_nodes);
	r->xa_error = err;
	if (err == -ENOMEM)
		return err;
	if (err && err != -EINVAL && err != -ELOOP && err != -E2BIG && !r->nr_runs)
		return err;	/* pgmap_array itself unreadable */
	r->pgmaps = calloc(r->nr_runs ? r->nr_runs : 1, sizeof(*r->pgmaps));
	if (!r->pgmaps)
		return -ENOMEM;
	for (size_t i = 0; i < r->nr_runs; i++) {
		uint64_t e = r->runs[i].entry;
		struct li_pgmap *g;

		if (li_pgmap_lookup(r, e) >= 0 || r->nr_pgmaps >= LI_MAX_PGMAPS)
			continue;
		g = &r->pgmaps[r->nr_pgmaps++];
		g->addr = e;
		err = read_pgmap(c, g);
		if (err)
			return err;
		err = li_progress(c, "pgmaps", i + 1, r->nr_runs);
		if (err)
			return err;
	}
	for (size_t i = 0; i < r->nr_pgmaps; i++)
		check_runs(c, &r->pgmaps[i]);
	err = check_overlaps(c);
	if (err)
		return err;
	check_devmap_key(c);
	return 0;
}

/* After the page walk: dead refs and I5 (count >= refs pages must hold). */
void li_check_refs(struct li_ctx *c)
{
	for (size_t i = 0; i < c->r->nr_pgmaps; i++) {
		struct li_pgmap *g = &c->r->pgmaps[i];
		uint64_t need = 1;

		if (!g->readable || !g->nr_valid)
			continue;
		/* these verdicts count g's pages: all of them must be walked */
		if ((c->opts->pgmap && c->opts->pgmap != g->addr) ||
		    c->opts->pfn_start || c->opts->pfn_end)
			continue;
		/* one fact, one finding: referenced pages are PGMAP_REF_DEAD */
		if ((g->ref_dead || g->ref_exited) && !g->pages_referenced &&
		    g->pages_mapped)
			li_report_add(c->r,
				      LI_FINDING(HOLDER_DEAD_PGMAP,
						 .pfn = g->first_mapped_pfn,
						 .pgmap = g->addr),
				      "ref %s, no page referenced, but %llu pages still mapped in user page tables",
				      g->ref_exited ? "exited" : "dead",
				      (unsigned long long)g->pages_mapped);
		else if ((g->ref_dead || g->ref_exited) && !g->pages_referenced)
			li_report_add(c->r,
				      LI_FINDING(PGMAP_TEARDOWN,
						 .pfn = g->ranges[0].start_pfn,
						 .pgmap = g->addr),
				      "ref %s, no page referenced (done=%llu)",
				      g->ref_exited ? "exited" : "dead",
				      (unsigned long long)g->done);
		if (g->ref_dead || g->ref_exited || !g->ref_count_known ||
		    !c->m->pgmap.has_vmemmap_shift || g->pages_not_captured)
			continue;
		if (c->m->rules.pgmap_ref_per_page &&
		    (g->mtype == LI_MT_PRIVATE || g->mtype == LI_MT_COHERENT)) {
			need += g->pages_referenced;
		} else {
			for (int k = 0; k < g->nr_valid; k++)
				need += (g->ranges[k].end_pfn + 1 - g->ranges[k].first_pfn)
					>> g->vmemmap_shift;
		}
		if (g->ref_count < 0 || (uint64_t)g->ref_count < need)
			li_report_add(c->r,
				      LI_FINDING(PGMAP_REF_LOW,
						 .pfn = g->ranges[0].start_pfn,
						 .pgmap = g->addr),
				      "percpu_ref count %lld < %llu references its pages hold",
				      (long long)g->ref_count, (unsigned long long)need);
	}
}
