// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel model: every layout fact the walkers need, probed through the
 * target's type, enum and symbol callbacks rather than from a version
 * string.  Kernel-spec references are to ../shared/docs/kernel-spec.md.
 *
 * Zone bits (§3.2): with SPARSEMEM_VMEMMAP (required by ZONE_DEVICE)
 * SECTIONS_WIDTH is 0, so page->flags holds, from bit 63 down, the node
 * then the zone:  ZONES_PGSHIFT = 64 - NODES_SHIFT - ZONES_SHIFT.
 *   ZONES_SHIFT  from __MAX_NR_ZONES (enum zone_type): 0/1/2/3 for
 *                <2 / <=2 / <=4 / <=8 zones (page-flags-layout.h);
 *   NODES_SHIFT  log2(MAX_NUMNODES), MAX_NUMNODES from VMCOREINFO
 *                LENGTH(node_data), else the ELF size of node_data / 8,
 *                else 0 (!NUMA).
 * Debian 6.1: 5 zones -> 3, node_data 8192 bytes -> 10, so shift 51.
 * The decode is self-tested on a RAM page (the kernel's own page table,
 * must not be ZONE_DEVICE) here and on every device pfn by the page walk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "model.h"
#include "read.h"

static const char *const mtype_enum[LI_MT_NR] = {
	[LI_MT_PRIVATE] = "MEMORY_DEVICE_PRIVATE",
	[LI_MT_COHERENT] = "MEMORY_DEVICE_COHERENT",
	[LI_MT_FS_DAX] = "MEMORY_DEVICE_FS_DAX",
	[LI_MT_GENERIC] = "MEMORY_DEVICE_GENERIC",
	[LI_MT_P2PDMA] = "MEMORY_DEVICE_PCI_P2PDMA",
};

const char *li_mtype_name(enum li_mtype t)
{
	if (t <= LI_MT_UNKNOWN || t >= LI_MT_NR)
		return "UNKNOWN";
	return mtype_enum[t];
}

enum li_mtype li_mtype_of(const struct li_model *m, int64_t val)
{
	for (int i = 1; i < LI_MT_NR; i++)
		if (m->rules.mtype_val[i] >= 0 && m->rules.mtype_val[i] == val)
			return i;
	return LI_MT_UNKNOWN;
}

int li_page_zone(const struct li_model *m, uint64_t flags)
{
	return (int)((flags >> m->pflags.zones_pgshift) & m->pflags.zones_mask);
}

static int moff(struct li_ctx *c, const char *type, const char *member,
		uint64_t *off)
{
	return c->t->ops->member_offset(c->t->ctx, type, member, off);
}

static int tsize(struct li_ctx *c, const char *type, uint64_t *sz)
{
	return c->t->ops->type_size(c->t->ctx, type, sz);
}

static int evalue(struct li_ctx *c, const char *name, int64_t *v)
{
	return c->t->ops->enum_value(c->t->ctx, name, v);
}

static int sym(struct li_ctx *c, const char *name, uint64_t *addr)
{
	return c->t->ops->symbol_address(c->t->ctx, name, addr);
}

bool li_has_sym(struct li_ctx *c, const char *name)
{
	uint64_t a;

	return sym(c, name, &a) == 0;
}

/* VMCOREINFO value as an integer; NUMBER() is decimal, SYMBOL() hex. */
static int vmci(struct li_ctx *c, const char *key, int base, uint64_t *v)
{
	char buf[80], *end;

	if (!c->t->ops->vmcoreinfo)
		return -ENOENT;
	if (c->t->ops->vmcoreinfo(c->t->ctx, key, buf, sizeof(buf)))
		return -ENOENT;
	errno = 0;
	*v = strtoull(buf, &end, base);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

static int ilog2_exact(uint64_t v)
{
	int n = 0;

	if (!v || (v & (v - 1)))
		return -1;
	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

/*
 * A value taken without the kernel saying it (a member the types lack,
 * VMCOREINFO that is not there): kept for the verbose report, so that a
 * wrong verdict can be traced to the guess behind it.
 */
static void assume(struct li_model *m, const char *what)
{
	if (m->nr_assumed < LI_MAX_ASSUMED)
		m->assumed[m->nr_assumed++] = what;
}

#define NEED(expr, what)						\
	do {								\
		int __e = (expr);					\
		if (__e) {						\
			snprintf(err, errlen, "cannot probe %s: %s", what, \
				 li_strerror(__e));			\
			return __e;					\
		}							\
	} while (0)

static int probe_page(struct li_ctx *c, struct li_model *m, char *err,
		      size_t errlen)
{
	uint64_t off;

	NEED(tsize(c, "struct page", &m->page.page_size), "sizeof(struct page)");
	if (m->page.page_size < 32 || m->page.page_size > 256) {
		snprintf(err, errlen, "implausible sizeof(struct page) %llu",
			 (unsigned long long)m->page.page_size);
		return -ENOTSUP;
	}
	if (moff(c, "struct page", "flags.f", &m->page.off_flags))
		NEED(moff(c, "struct page", "flags", &m->page.off_flags), "page.flags");
	NEED(moff(c, "struct page", "_refcount", &m->page.off_refcount),
	     "page._refcount");
	if (moff(c, "struct page", "_mapcount", &m->page.off_mapcount)) {
		m->page.off_mapcount = m->page.off_refcount - 4;
		assume(m, "page._mapcount just before _refcount");
	}
	if (moff(c, "struct page", "compound_head", &m->page.off_head)) {
		NEED(moff(c, "struct page", "compound_info", &m->page.off_head),
		     "page.compound_head");
		/*
		 * 7.x compound_info_has_mask(): HVO configured (struct zone
		 * then has vmemmap_tails) and sizeof(struct page) a power of
		 * two.  Tails then hold GENMASK(63, order + 6) | 1, and
		 * head = page & (info | ((info & 1) - 1)) (page-flags.h).
		 */
		m->page.head_is_mask = !moff(c, "struct zone", "vmemmap_tails", &off) &&
				  !(m->page.page_size & (m->page.page_size - 1));
	}
	if (moff(c, "struct page", "mapping", &m->page.off_mapping)) {
		m->page.off_mapping = 24;
		assume(m, "page.mapping at 24");
	}
	if (moff(c, "struct page", "private", &m->page.off_private)) {
		m->page.off_private = 40;
		assume(m, "page.private at 40");
	}

	/* pgmap: page (<= 6.14) or folio (6.15+) */
	if (!moff(c, "struct page", "pgmap", &m->page.off_pgmap)) {
		m->page.pgmap_in_folio = false;
	} else {
		NEED(moff(c, "struct folio", "pgmap", &m->page.off_pgmap),
		     "page.pgmap / folio.pgmap");
		m->page.pgmap_in_folio = true;
	}

	/* compound order */
	if (!moff(c, "struct page", "compound_order", &off)) {
		m->page.order_loc = LI_ORDER_COMPOUND_ORDER;
		m->page.off_order = m->page.page_size + off;
	} else if (!moff(c, "struct folio", "_folio_order", &off)) {
		m->page.order_loc = LI_ORDER_FOLIO_ORDER;
		m->page.off_order = off;
	} else if (!moff(c, "struct folio", "_flags_1", &off)) {
		m->page.order_loc = LI_ORDER_FLAGS1;
		m->page.off_order = off;
	} else {
		m->page.order_loc = LI_ORDER_FLAGS1;
		m->page.off_order = m->page.page_size + m->page.off_flags;
		assume(m, "compound order in the low byte of page[1].flags");
	}

	/* nr_pages: folio (6.1 - 6.14), page[1].compound_nr (5.10 - 6.2) */
	m->page.has_nr_pages = true;
	if (!moff(c, "struct folio", "_folio_nr_pages", &off) ||
	    !moff(c, "struct folio", "_nr_pages", &off))
		m->page.off_nr_pages = off;
	else if (!moff(c, "struct page", "compound_nr", &off))
		m->page.off_nr_pages = m->page.page_size + off;
	else
		m->page.has_nr_pages = false;

	/* pincount: folio (6.1+), page[1] (5.18+), page[2] (<= 5.17) */
	m->page.has_pincount = true;
	if (!moff(c, "struct folio", "_pincount", &off))
		m->page.off_pincount = off;
	else if (!moff(c, "struct page", "compound_pincount", &off))
		m->page.off_pincount = m->page.page_size + off;
	else if (!moff(c, "struct page", "hpage_pinned_refcount", &off))
		m->page.off_pincount = 2 * m->page.page_size + off;
	else
		m->page.has_pincount = false;
	return 0;
}

static int probe_flags(struct li_ctx *c, struct li_model *m, char *err,
		       size_t errlen)
{
	uint64_t v, sz;
	int64_t e;

	if (!vmci(c, "NUMBER(PG_head_mask)", 10, &v) && v) {
		m->pflags.pg_head_mask = v;
		/*
		 * VMCOREINFO is data of the dump, the enum is the kernel's
		 * type information: if they disagree one of them is damaged,
		 * and every compound head would be a finding.
		 */
		if (!evalue(c, "PG_head", &e) && e >= 0 && e <= 63 &&
		    v != 1ULL << e) {
			snprintf(err, errlen,
				 "VMCOREINFO NUMBER(PG_head_mask)=%#llx contradicts enum pageflags PG_head=%lld (mask %#llx): the dump's metadata is damaged",
				 (unsigned long long)v, (long long)e,
				 (unsigned long long)(1ULL << e));
			return -ENOTSUP;
		}
	} else {
		NEED(evalue(c, "PG_head", &e), "PG_head");
		if (e < 0 || e > 63)
			return -ENOTSUP;
		m->pflags.pg_head_mask = 1ULL << e;
	}
	m->pflags.pg_reserved = evalue(c, "PG_reserved", &e) || e < 0 || e > 63 ?
			 -1 : (int)e;

	NEED(evalue(c, "ZONE_DEVICE", &m->pflags.zone_device), "ZONE_DEVICE");
	NEED(evalue(c, "__MAX_NR_ZONES", &m->pflags.nr_zones), "__MAX_NR_ZONES");
	if (m->pflags.nr_zones < 1 || m->pflags.nr_zones > 8 ||
	    m->pflags.zone_device < 0 || m->pflags.zone_device >= m->pflags.nr_zones) {
		snprintf(err, errlen, "implausible zone enum (%lld zones)",
			 (long long)m->pflags.nr_zones);
		return -ENOTSUP;
	}
	m->pflags.zones_shift = m->pflags.nr_zones < 2 ? 0 : m->pflags.nr_zones <= 2 ? 1 :
			 m->pflags.nr_zones <= 4 ? 2 : 3;

	m->pflags.nodes_shift = 0;
	if (!vmci(c, "LENGTH(node_data)", 10, &v) && v)
		m->huge.max_numnodes = v;
	else if (c->t->ops->symbol_size &&
		 !c->t->ops->symbol_size(c->t->ctx, "node_data", &sz) && sz)
		m->huge.max_numnodes = sz / 8;
	else {
		m->huge.max_numnodes = 1;
		assume(m, "MAX_NUMNODES 1 (no length of node_data)");
	}
	m->pflags.nodes_shift = ilog2_exact(m->huge.max_numnodes);
	if (m->pflags.nodes_shift < 0 || m->pflags.nodes_shift > 10) {
		snprintf(err, errlen, "implausible MAX_NUMNODES %llu",
			 (unsigned long long)m->huge.max_numnodes);
		return -ENOTSUP;
	}
	m->pflags.zones_pgshift = 64 - m->pflags.nodes_shift - m->pflags.zones_shift;
	m->pflags.zones_mask = (1ULL << m->pflags.zones_shift) - 1;
	return 0;
}

static int probe_pgmap(struct li_ctx *c, struct li_model *m, char *err,
		       size_t errlen)
{
	const char *pm = "struct dev_pagemap";

	NEED(tsize(c, pm, &m->pgmap.pgmap_size), "sizeof(struct dev_pagemap)");
	NEED(moff(c, pm, "altmap", &m->pgmap.pm_altmap), "dev_pagemap.altmap");
	NEED(moff(c, pm, "type", &m->pgmap.pm_type), "dev_pagemap.type");
	NEED(moff(c, pm, "flags", &m->pgmap.pm_flags), "dev_pagemap.flags");
	NEED(moff(c, pm, "nr_range", &m->pgmap.pm_nr_range), "dev_pagemap.nr_range");
	if (moff(c, pm, "ranges", &m->pgmap.pm_ranges))
		NEED(moff(c, pm, "range", &m->pgmap.pm_ranges), "dev_pagemap.ranges");
	if (tsize(c, "struct range", &m->pgmap.range_size)) {
		m->pgmap.range_size = 16;
		assume(m, "sizeof(struct range) 16");
	}
	m->pgmap.has_vmemmap_shift = !moff(c, pm, "vmemmap_shift", &m->pgmap.pm_shift);
	if (moff(c, pm, "ops", &m->pgmap.pm_ops))
		m->pgmap.pm_ops = UINT64_MAX;
	if (moff(c, pm, "owner", &m->pgmap.pm_owner))
		m->pgmap.pm_owner = UINT64_MAX;
	if (moff(c, pm, "done.done", &m->pgmap.pm_done))
		m->pgmap.pm_done = UINT64_MAX;
	/* 5.10 - 5.14: ref is a pointer next to internal_ref (§1.3 A) */
	m->pgmap.ref_is_pointer = !moff(c, pm, "internal_ref", &m->pgmap.pm_internal_ref);
	NEED(moff(c, pm, "ref", &m->pgmap.pm_ref), "dev_pagemap.ref");

	NEED(moff(c, "struct vmem_altmap", "base_pfn", &m->pgmap.alt_base_pfn), "altmap");
	NEED(moff(c, "struct vmem_altmap", "end_pfn", &m->pgmap.alt_end_pfn), "altmap");
	NEED(moff(c, "struct vmem_altmap", "reserve", &m->pgmap.alt_reserve), "altmap");
	NEED(moff(c, "struct vmem_altmap", "free", &m->pgmap.alt_free), "altmap");
	NEED(moff(c, "struct vmem_altmap", "alloc", &m->pgmap.alt_alloc), "altmap");
	if (moff(c, "struct vmem_altmap", "align", &m->pgmap.alt_align))
		m->pgmap.alt_align = UINT64_MAX;

	NEED(moff(c, "struct percpu_ref", "percpu_count_ptr", &m->ref.pcr_ptr),
	     "percpu_ref.percpu_count_ptr");
	NEED(moff(c, "struct percpu_ref", "data", &m->ref.pcr_data), "percpu_ref.data");
	NEED(moff(c, "struct percpu_ref_data", "count", &m->ref.prd_count),
	     "percpu_ref_data.count");
	NEED(moff(c, "struct percpu_ref_data", "release", &m->ref.prd_release),
	     "percpu_ref_data.release");
	NEED(moff(c, "struct percpu_ref_data", "ref", &m->ref.prd_ref),
	     "percpu_ref_data.ref");
	if (sym(c, "dev_pagemap_percpu_release", &m->ref.release_fn))
		m->ref.release_fn = 0;

	for (int i = 1; i < LI_MT_NR; i++)
		if (evalue(c, mtype_enum[i], &m->rules.mtype_val[i]))
			m->rules.mtype_val[i] = -1;
	if (m->rules.mtype_val[LI_MT_GENERIC] < 0 && m->rules.mtype_val[LI_MT_FS_DAX] < 0) {
		snprintf(err, errlen, "enum memory_type not found");
		return -ENOENT;
	}
	return 0;
}

/*
 * Idle _refcount of an unused page per type (§3.4), chosen by features:
 *  - zone_device_page_init() exists (6.1+): PRIVATE/COHERENT idle at 0
 *    and each allocated page holds a pgmap ref;
 *  - free_zone_device_page/folio() exists (5.18+): PRIVATE back to 1 on
 *    free (5.18 - 6.0), otherwise 1-based as before;
 *  - pgmap lives in the folio (6.15+): FS_DAX and P2PDMA idle at 0.
 */
static void probe_idle_rules(struct li_ctx *c, struct li_model *m)
{
	bool dev_init = li_has_sym(c, "zone_device_page_init");

	for (int i = 0; i < LI_MT_NR; i++)
		m->rules.idle_ref[i] = 1;
	if (dev_init) {
		m->rules.idle_ref[LI_MT_PRIVATE] = 0;
		m->rules.idle_ref[LI_MT_COHERENT] = 0;
		m->rules.pgmap_ref_per_page = true;
	}
	if (m->page.pgmap_in_folio) {
		m->rules.idle_ref[LI_MT_FS_DAX] = 0;
		m->rules.idle_ref[LI_MT_P2PDMA] = 0;
	}
	m->rules.idle_ref[LI_MT_UNKNOWN] = 0;
	/* devmap_managed_key (<= 6.14): FS_DAX, and PRIVATE before 5.18 */
	if (sym(c, "devmap_managed_key", &m->pgmap.devmap_key))
		m->pgmap.devmap_key = 0;
	m->pgmap.devmap_key_private = !li_has_sym(c, "free_zone_device_page") &&
				!li_has_sym(c, "free_zone_device_folio");
	m->rules.dedup_supported = m->pgmap.has_vmemmap_shift &&
			     (li_has_sym(c, "vmemmap_populate_address") ||
			      li_has_sym(c, "vmemmap_populate_compound_pages"));
	/* 6.5+ vmemmap_can_optimize() needs more than 2 vmemmap pages */
	m->rules.dedup_needs_v_gt_2 = li_has_sym(c, "vmemmap_can_optimize") ||
				li_has_sym(c, "__vmemmap_can_optimize");
}

/*
 * nr_cpu_ids is set from the possible mask at boot (setup_nr_cpu_ids():
 * last possible cpu + 1); per-cpu sums walk that many __per_cpu_offset[]
 * slots.  A dump where they disagree has damaged data: say it once, not
 * as percpu_ref counts summed over garbage offsets.
 */
static int check_cpus(struct li_ctx *c, struct li_model *m, char *err,
		      size_t errlen)
{
	uint64_t a, words[LI_MAX_CPUS / 64];
	unsigned int last = 0;

	if (m->ref.nr_cpus <= 1 || sym(c, "__cpu_possible_mask", &a) ||
	    li_read(c, LI_KVADDR, a, words, (m->ref.nr_cpus + 63) / 64 * 8))
		return 0;	/* unknown or not captured: nothing to say */
	for (unsigned int i = 0; i < m->ref.nr_cpus; i++)
		if (words[i / 64] >> (i % 64) & 1)
			last = i + 1;
	if (last == m->ref.nr_cpus)
		return 0;
	snprintf(err, errlen,
		 "nr_cpu_ids is %u but the last possible cpu in __cpu_possible_mask is %u: the dump's data is damaged",
		 m->ref.nr_cpus, last ? last - 1 : 0);
	return -ENOTSUP;
}

static int probe_layout(struct li_ctx *c, struct li_model *m, char *err,
			size_t errlen)
{
	struct li_arch_layout def;
	uint64_t a, v;
	uint32_t v32;

	/* vmemmap_base: symbol (KASLR), VMCOREINFO SYMBOL(vmemmap), default */
	m->mem.l5 = false;
	if (!vmci(c, "NUMBER(pgtable_l5_enabled)", 10, &v))
		m->mem.l5 = v != 0;
	else if (!sym(c, "__pgtable_l5_enabled", &a) && !li_read_u32(c, a, &v32))
		m->mem.l5 = v32 != 0;
	li_arch_layout(m->mem.l5, &def);
	m->mem.max_physmem_bits = def.max_physmem_bits;
	if (!vmci(c, "NUMBER(MAX_PHYSMEM_BITS)", 10, &v) && v >= 32 && v <= 52)
		m->mem.max_physmem_bits = (unsigned int)v;
	else
		assume(m, "MAX_PHYSMEM_BITS the x86_64 default");
	if (!sym(c, "vmemmap_base", &a) && !li_read_u64(c, a, &v) && v)
		m->mem.vmemmap_base = v;
	else if (!vmci(c, "SYMBOL(vmemmap)", 16, &v) && v)
		m->mem.vmemmap_base = v;
	else {
		m->mem.vmemmap_base = def.vmemmap_base;
		assume(m, "vmemmap_base the x86_64 default (no KASLR)");
	}

	if (sym(c, "page_offset_base", &a) || li_read_u64(c, a, &m->mem.page_offset) ||
	    !m->mem.page_offset) {
		m->mem.page_offset = def.page_offset;
		assume(m, "page_offset_base the x86_64 default (no KASLR)");
	}
	if (vmci(c, "NUMBER(sme_mask)", 10, &m->mem.sme_mask)) {
		m->mem.sme_mask = 0;
		assume(m, "sme_mask 0 (no SME)");
	}
	/* root of the kernel page tables, physical (§7) */
	if (!sym(c, "init_top_pgt", &a) || !vmci(c, "SYMBOL(init_top_pgt)", 16, &a)) {
		uint64_t phys_base = 0;

		if (vmci(c, "NUMBER(phys_base)", 10, &phys_base) &&
		    (sym(c, "phys_base", &v) || li_read_u64(c, v, &phys_base))) {
			phys_base = 0;
			assume(m, "phys_base 0");
		}
		m->mem.pgd_phys = li_arch_kimage_phys(a, phys_base);
		m->mem.pgd_va = a;
	}
	li_paging_init(&c->pg, m->mem.l5, m->mem.pgd_phys, m->mem.sme_mask, li_read_table, c);

	NEED(sym(c, "pgmap_array", &m->xa.pgmap_array), "symbol pgmap_array");
	NEED(moff(c, "struct xarray", "xa_head", &m->xa.xa_head), "xarray.xa_head");
	NEED(moff(c, "struct xa_node", "shift", &m->xa.xn_shift), "xa_node.shift");
	NEED(moff(c, "struct xa_node", "slots", &m->xa.xn_slots), "xa_node.slots");

	m->ref.nr_cpus = 1;
	m->ref.per_cpu_offset = 0;
	if (!sym(c, "__per_cpu_offset", &m->ref.per_cpu_offset) &&
	    !sym(c, "nr_cpu_ids", &a) && !li_read_u32(c, a, &v32) &&
	    v32 >= 1 && v32 <= LI_MAX_CPUS)
		m->ref.nr_cpus = v32;
	return check_cpus(c, m, err, errlen);
}

static void probe_hugetlb(struct li_ctx *c, struct li_model *m)
{
	const char *hs = "struct hstate";
	uint64_t off;
	int64_t e;

	m->huge.has_hugetlb =
		!sym(c, "hstates", &m->huge.hstates) &&
		!sym(c, "hugetlb_max_hstate", &m->huge.hugetlb_max_hstate) &&
		!tsize(c, hs, &m->huge.hstate_size) &&
		!moff(c, hs, "order", &m->huge.hs_order) &&
		!moff(c, hs, "hugepage_activelist", &m->huge.hs_active) &&
		!moff(c, hs, "nr_huge_pages", &m->huge.hs_nr) &&
		!moff(c, hs, "hugepage_freelists", &m->huge.hs_freelists) &&
		!tsize(c, "struct list_head", &m->huge.list_head_size) &&
		!moff(c, "struct page", "lru", &m->huge.off_lru);
	if (moff(c, hs, "name", &m->huge.hs_name))
		m->huge.hs_name = UINT64_MAX;
	m->huge.hvo_flag_bit = evalue(c, "HPG_vmemmap_optimized", &e) || e < 0 ||
			  e > 63 ? 4 : (int)e;
	/* 7.x: HVO tails map a per-zone, per-order frame (mmzone.h) */
	m->huge.hvo_shared_tail = !moff(c, "struct zone", "vmemmap_tails", &off);
	/*
	 * Frames an HVO folio keeps of its own: 2 before 5.18; 1 from 5.18
	 * (fake heads; hugetlb_optimize_vmemmap_key appears with it) and on
	 * 7.x, where the key is gone and the tails are the zone's (§6).
	 */
	m->huge.hvo_reserve = li_has_sym(c, "hugetlb_optimize_vmemmap_key") ||
			 m->huge.hvo_shared_tail ? 1 : 2;
}

/*
 * The paging depth is a claim of VMCOREINFO (pgtable_l5_enabled) that the
 * dump can contradict: the kernel image maps init_top_pgt, so walking its
 * own address from it must land on it.  A wrong depth would make every
 * vmemmap translation garbage (thousands of findings): say it once.
 */
static int paging_selftest(struct li_ctx *c, struct li_model *m, char *err,
			   size_t errlen)
{
	int claimed = m->mem.l5 ? 5 : 4, other = m->mem.l5 ? 4 : 5;

	if (!m->mem.pgd_phys || !m->mem.pgd_va ||
	    li_paging_maps(&c->pg, claimed, m->mem.pgd_va, m->mem.pgd_phys))
		return 0;	/* as claimed, or not captured: nothing to say */
	/* neither depth: a kernel image not mapped by init_top_pgt (mock) */
	if (li_paging_maps(&c->pg, other, m->mem.pgd_va, m->mem.pgd_phys) != 1)
		return 0;
	snprintf(err, errlen,
		 "paging self-test failed: VMCOREINFO says %d-level paging, but init_top_pgt (%#llx, phys %#llx) maps itself with %d levels: the dump contradicts its metadata",
		 claimed, (unsigned long long)m->mem.pgd_va,
		 (unsigned long long)m->mem.pgd_phys, other);
	return -ENOTSUP;
}

/*
 * The symbol table must be the dump's, relocated: where VMCOREINFO names a
 * symbol's address, the target's must be the same.  A debugger that did not
 * apply the KASLR offset (crash 8.0.2 --minimal on 6.12) otherwise reads
 * other memory at every symbol and reports an empty, clean machine.
 */
static int symbol_selftest(struct li_ctx *c, char *err, size_t errlen)
{
	static const char *const names[] = { "_stext", "init_uts_ns", "init_top_pgt" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char key[64];
		uint64_t have, want;

		snprintf(key, sizeof(key), "SYMBOL(%s)", names[i]);
		if (sym(c, names[i], &have) || vmci(c, key, 16, &want) ||
		    have == want)
			continue;
		snprintf(err, errlen,
			 "symbol self-test failed: the symbol table puts %s at %#llx, VMCOREINFO at %#llx: the symbols are not relocated for this dump (KASLR offset not applied?)",
			 names[i], (unsigned long long)have,
			 (unsigned long long)want);
		return -ENOTSUP;
	}
	return 0;
}

/* S15: a RAM page (the kernel's page-table root) must not be ZONE_DEVICE. */
static int zone_selftest(struct li_ctx *c, struct li_model *m, char *err,
			 size_t errlen)
{
	uint64_t flags, pfn = m->mem.pgd_phys >> LI_PAGE_SHIFT;
	int zone;

	if (!m->mem.pgd_phys)
		return 0;
	if (li_read_u64(c, li_page_va(m, pfn) + m->page.off_flags, &flags))
		return 0;	/* not captured: nothing to say */
	zone = li_page_zone(m, flags);
	m->zone_selftest_pfn = pfn;
	m->zone_selftest_zone = zone;
	if (zone == m->pflags.zone_device || zone >= m->pflags.nr_zones) {
		snprintf(err, errlen,
			 "zone decode self-test failed: RAM pfn %#llx decodes to zone %d (ZONES_PGSHIFT %d)",
			 (unsigned long long)pfn, zone, m->pflags.zones_pgshift);
		return -ENOTSUP;
	}
	return 0;
}

/*
 * The SWP_DEVICE_* types (holders.c's top comment says where they sit);
 * -1 when not built.
 */
static void probe_swap_types(struct li_ctx *c, struct li_model *m)
{
	uint64_t sz;
	int first, num;

	m->task.swp_dev_first = -1;
	m->task.swp_dev_num = 0;
	/* 6.15 merged EXCLUSIVE_READ/WRITE along with this rename */
	if (li_has_sym(c, "make_device_exclusive_range"))
		num = 4;
	else if (li_has_sym(c, "make_device_exclusive"))
		num = 3;
	else
		return;
	if (!c->t->ops->symbol_size ||
	    c->t->ops->symbol_size(c->t->ctx, "swap_info", &sz) || !sz || sz % 8)
		return;
	first = (int)(sz / 8) + li_has_sym(c, "memory_failure") +
		(li_has_sym(c, "migrate_pages") ? 3 : 0);
	if (first + num > 32)
		return;
	m->task.swp_dev_first = first;
	m->task.swp_dev_num = num;
}

/* What the holder walk reads of tasks and mms. */
static void probe_tasks(struct li_ctx *c)
{
	struct li_model *m = c->m;
	const struct li_target_ops *o = c->t->ops;
	const char *ts = "struct task_struct";

	m->task.has_tasks =
		!o->symbol_address(c->t->ctx, "init_task", &m->task.init_task) &&
		!o->member_offset(c->t->ctx, ts, "tasks", &m->task.ts_tasks) &&
		!o->member_offset(c->t->ctx, ts, "mm", &m->task.ts_mm) &&
		!o->member_offset(c->t->ctx, ts, "pid", &m->task.ts_pid) &&
		!o->member_offset(c->t->ctx, ts, "comm", &m->task.ts_comm) &&
		!o->member_offset(c->t->ctx, "struct mm_struct", "pgd", &m->task.mm_pgd);
	if (o->member_offset(c->t->ctx, ts, "flags", &m->task.ts_flags))
		m->task.ts_flags = UINT64_MAX;
	m->task.has_threads =
		!o->member_offset(c->t->ctx, ts, "signal", &m->task.ts_signal) &&
		!o->member_offset(c->t->ctx, ts, "thread_node", &m->task.ts_thread_node) &&
		!o->member_offset(c->t->ctx, "struct signal_struct", "thread_head",
				  &m->task.sig_thread_head);
	probe_swap_types(c, m);
}

int li_model_probe(struct li_ctx *c, char *err, size_t errlen)
{
	struct li_model *m = c->m;
	char buf[80];
	int e;

	memset(m, 0, sizeof(*m));
	if (c->t->ops->vmcoreinfo &&
	    !c->t->ops->vmcoreinfo(c->t->ctx, "OSRELEASE", buf, sizeof(buf)))
		snprintf(m->release, sizeof(m->release), "%s", buf);
	if ((e = symbol_selftest(c, err, errlen)) ||
	    (e = probe_page(c, m, err, errlen)) ||
	    (e = probe_flags(c, m, err, errlen)) ||
	    (e = probe_pgmap(c, m, err, errlen)) ||
	    (e = probe_layout(c, m, err, errlen)))
		return e;
	probe_idle_rules(c, m);
	probe_hugetlb(c, m);
	probe_tasks(c);
	e = paging_selftest(c, m, err, errlen);
	return e ? e : zone_selftest(c, m, err, errlen);
}
