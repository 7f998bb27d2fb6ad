// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Is a pfn device memory?  The holder walk must tell a user mapping of
 * device memory whose pgmap is gone (kernel-spec §10 S7) from one of RAM.
 * PTE bits cannot say so across kernels: x86 _PAGE_DEVMAP was bit 58 up to
 * 6.11, bit 57 from 6.12 (58 became _PAGE_SAVED_DIRTY, set on ordinary
 * anonymous RAM) and is gone from 6.17.  The kernel's own data can:
 *   1. the iomem resource tree: any resource flagged IORESOURCE_SYSRAM is
 *      RAM (also "System RAM (kmem)", device memory onlined as RAM, which
 *      sits under its dax region); a resource whose desc is persistent
 *      memory, soft-reserved or device-private/public memory is device
 *      memory (the desc values are probed from enum names);
 *   2. otherwise the struct page, if a memmap exists: ZONE_DEVICE or not.
 *   3. otherwise (MMIO, a BAR, nothing known): not device memory.
 * The tree walk is bounded by a node count and a depth, so a corrupted
 * sibling/child cycle ends it (the partial table still answers).
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "iomem.h"
#include "model.h"
#include "read.h"

#define IORESOURCE_SYSRAM	0x01000000ULL	/* include/linux/ioport.h, 4.6+ */
#define LI_MAX_IORES		16384
#define LI_MAX_IORES_DEPTH	16

static const char *const dev_descs[] = {
	"IORES_DESC_PERSISTENT_MEMORY",
	"IORES_DESC_PERSISTENT_MEMORY_LEGACY",
	"IORES_DESC_DEVICE_PRIVATE_MEMORY",
	"IORES_DESC_DEVICE_PUBLIC_MEMORY",
	"IORES_DESC_SOFT_RESERVED",
};

struct res_walk {
	struct li_ctx *c;
	uint64_t off_start, off_end, off_flags, off_desc, off_sibling, off_child;
	int64_t desc[sizeof(dev_descs) / sizeof(dev_descs[0])];
	unsigned int nodes;
};

static int push(struct li_iomem_set *s, uint64_t first, uint64_t last)
{
	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct li_pfn_span *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->nr].first = first;
	s->v[s->nr].last = last;
	s->nr++;
	return 0;
}

static bool is_dev_desc(const struct res_walk *w, int64_t desc)
{
	for (size_t i = 0; i < sizeof(w->desc) / sizeof(w->desc[0]); i++)
		if (w->desc[i] >= 0 && w->desc[i] == desc)
			return true;
	return false;
}

/* The children of the resource at @res, depth-first. */
static int walk_children(struct res_walk *w, uint64_t res, int depth)
{
	struct li_ctx *c = w->c;
	uint64_t r;

	if (depth > LI_MAX_IORES_DEPTH ||
	    li_read_u64(c, res + w->off_child, &r))
		return 0;
	while (r && w->nodes < LI_MAX_IORES) {
		uint64_t start, end, flags = 0, next;
		uint32_t desc = 0;
		int err = 0;

		w->nodes++;
		if (li_read_u64(c, r + w->off_start, &start) ||
		    li_read_u64(c, r + w->off_end, &end) ||
		    li_read_u64(c, r + w->off_flags, &flags))
			return 0;
		if (w->off_desc != UINT64_MAX)
			li_read_u32(c, r + w->off_desc, &desc);
		if (start <= end) {
			uint64_t first = start >> LI_PAGE_SHIFT, last = end >> LI_PAGE_SHIFT;

			if (flags & IORESOURCE_SYSRAM)
				err = push(&c->iomem.ram, first, last);
			else if (is_dev_desc(w, (int32_t)desc))
				err = push(&c->iomem.dev, first, last);
		}
		if (!err)
			err = walk_children(w, r, depth + 1);
		if (err)
			return err;
		if (li_read_u64(c, r + w->off_sibling, &next))
			return 0;
		r = next;
	}
	return 0;
}

int li_iomem_load(struct li_ctx *c)
{
	const struct li_target_ops *o = c->t->ops;
	struct res_walk w = { .c = c };
	const char *rs = "struct resource";
	uint64_t root;

	if (c->iomem.loaded)
		return 0;
	c->iomem.loaded = true;
	if (o->symbol_address(c->t->ctx, "iomem_resource", &root) ||
	    o->member_offset(c->t->ctx, rs, "start", &w.off_start) ||
	    o->member_offset(c->t->ctx, rs, "end", &w.off_end) ||
	    o->member_offset(c->t->ctx, rs, "flags", &w.off_flags) ||
	    o->member_offset(c->t->ctx, rs, "sibling", &w.off_sibling) ||
	    o->member_offset(c->t->ctx, rs, "child", &w.off_child))
		return 0;	/* no tree: the struct page decides alone */
	if (o->member_offset(c->t->ctx, rs, "desc", &w.off_desc))
		w.off_desc = UINT64_MAX;
	for (size_t i = 0; i < sizeof(w.desc) / sizeof(w.desc[0]); i++)
		if (o->enum_value(c->t->ctx, dev_descs[i], &w.desc[i]))
			w.desc[i] = -1;
	c->iomem.available = true;
	return walk_children(&w, root, 0);
}

static bool in_set(const struct li_iomem_set *s, uint64_t pfn, size_t *hint)
{
	if (*hint < s->nr && pfn >= s->v[*hint].first && pfn <= s->v[*hint].last)
		return true;
	for (size_t i = 0; i < s->nr; i++)
		if (pfn >= s->v[i].first && pfn <= s->v[i].last) {
			*hint = i;
			return true;
		}
	return false;
}

enum li_pfn_kind li_pfn_kind(struct li_ctx *c, uint64_t pfn)
{
	uint64_t flags;

	if (!c->iomem.loaded && li_iomem_load(c) == -ENOMEM)
		return LI_PFN_OTHER;
	if (in_set(&c->iomem.ram, pfn, &c->iomem.ram_hint))
		return LI_PFN_RAM;
	if (in_set(&c->iomem.dev, pfn, &c->iomem.dev_hint))
		return LI_PFN_DEVICE;
	if (pfn < LI_PFN_MAX &&
	    !li_read_u64(c, li_page_va(c->m, pfn) + c->m->page.off_flags, &flags))
		return li_page_zone(c->m, flags) == c->m->pflags.zone_device ?
		       LI_PFN_DEVICE : LI_PFN_RAM;
	return LI_PFN_OTHER;
}

void li_iomem_free(struct li_ctx *c)
{
	free(c->iomem.ram.v);
	free(c->iomem.dev.v);
	memset(&c->iomem, 0, sizeof(c->iomem));
}
