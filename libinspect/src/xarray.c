// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Bounded walk of an xarray (pgmap_array, kernel-spec §2.1) into runs of
 * indices mapping to the same entry.  Garbage cannot make it loop: a
 * child's shift must be exactly its parent's minus XA_CHUNK_SHIFT (so the
 * depth is at most 11 and a cycle back to an ancestor fails that test),
 * and the total number of nodes read is capped.  Malformed nodes are
 * reported as XARRAY_CORRUPT and skipped.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "findings.h"
#include "read.h"
#include "xarray.h"

#define XA_CHUNK_SHIFT	6
#define XA_CHUNK_SIZE	(1u << XA_CHUNK_SHIFT)
#define XA_RETRY	((256ULL << 2) | 2)
#define XA_ZERO		((257ULL << 2) | 2)

struct xa_walk {
	struct li_ctx *c;
	uint64_t xa;
	struct li_run *runs;
	size_t nr, cap;
	uint64_t nodes;
	int err;
};

static bool xa_internal(uint64_t e)
{
	return (e & 3) == 2;
}

static bool xa_node(uint64_t e)
{
	return xa_internal(e) && e > 4096;
}

static bool xa_sibling(uint64_t e)
{
	return xa_internal(e) && (e >> 2) < XA_CHUNK_SIZE - 1;
}

static void corrupt(struct xa_walk *w, uint64_t node, const char *why)
{
	if (!w->err)
		w->err = -EINVAL;
	li_report_add(w->c->r, LI_FINDING(XARRAY_CORRUPT, .page = node),
		      "xarray %#llx node %#llx: %s",
		      (unsigned long long)w->xa, (unsigned long long)node, why);
}

static int emit(struct xa_walk *w, uint64_t first, uint64_t last,
		uint64_t entry)
{
	if (w->nr && w->runs[w->nr - 1].entry == entry &&
	    w->runs[w->nr - 1].last + 1 == first) {
		w->runs[w->nr - 1].last = last;
		return 0;
	}
	if (w->nr == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct li_run *n;

		if (cap > LI_MAX_RUNS)
			return -E2BIG;
		n = realloc(w->runs, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		w->runs = n;
		w->cap = cap;
	}
	w->runs[w->nr++] = (struct li_run){ first, last, entry };
	return 0;
}

static int walk_node(struct xa_walk *w, uint64_t node, uint64_t base,
		     int shift)
{
	const struct li_model *m = w->c->m;
	uint64_t slots[XA_CHUNK_SIZE];
	uint8_t nshift;
	int err;

	if (++w->nodes > LI_MAX_XA_NODES) {
		corrupt(w, node, "too many nodes (cycle or garbage)");
		return -ELOOP;
	}
	if ((err = li_read(w->c, LI_KVADDR, node + m->xa.xn_shift, &nshift, 1)) ||
	    (err = li_read(w->c, LI_KVADDR, node + m->xa.xn_slots, slots, sizeof(slots)))) {
		/* a filtered dump may lack the node: not captured, not corrupt */
		if (err == -ENODATA) {
			w->c->r->registry_incomplete = true;
			li_report_add(w->c->r,
				      LI_FINDING(STRUCT_NOT_CAPTURED,
						 .page = node),
				      "xarray %#llx node %#llx (indices %#llx-) is not in the dump: the pgmaps it indexes are not checked",
				      (unsigned long long)w->xa, (unsigned long long)node,
				      (unsigned long long)base);
		} else {
			corrupt(w, node, "unreadable node");
		}
		return 0;
	}
	if (nshift % XA_CHUNK_SHIFT || nshift > 60 ||
	    (shift >= 0 && nshift != shift)) {
		corrupt(w, node, "node shift does not fit its depth");
		return 0;
	}
	for (unsigned int i = 0; i < XA_CHUNK_SIZE; i++) {
		uint64_t e = slots[i], first, last;

		if (!e || e == XA_RETRY || e == XA_ZERO)
			continue;
		first = base + ((uint64_t)i << nshift);
		last = first + (1ULL << nshift) - 1;
		if (xa_node(e)) {
			if (!nshift) {
				corrupt(w, node, "node below a leaf level");
				continue;
			}
			err = walk_node(w, e - 2, first, nshift - XA_CHUNK_SHIFT);
			if (err)
				return err;
			continue;
		}
		if (xa_sibling(e)) {
			unsigned int canon = e >> 2;

			if (canon >= i || !slots[canon] || xa_internal(slots[canon])) {
				corrupt(w, node, "sibling entry without a canonical entry");
				continue;
			}
			e = slots[canon];
		} else if (xa_internal(e) || (e & 1)) {
			corrupt(w, node, "unexpected internal or value entry");
			continue;
		}
		err = emit(w, first, last, e);
		if (err)
			return err;
	}
	return 0;
}

int li_xa_walk(struct li_ctx *c, uint64_t xa, struct li_run **runs,
	       size_t *nr, uint64_t *nodes)
{
	struct xa_walk w = { .c = c, .xa = xa };
	uint64_t head;
	int err = 0;

	*runs = NULL;
	*nr = 0;
	*nodes = 0;
	err = li_read_u64(c, xa + c->m->xa.xa_head, &head);
	if (err)
		return err;
	if (!head)
		return 0;
	if (xa_node(head))
		err = walk_node(&w, head - 2, 0, -1);
	else if (!xa_internal(head) && !(head & 1))
		err = emit(&w, 0, 0, head);
	else
		corrupt(&w, xa, "bad xa_head");
	*runs = w.runs;
	*nr = w.nr;
	*nodes = w.nodes;
	return err ? err : w.err;
}
