/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Vmemmap accounting (vmemmap.c).
 */
#ifndef LI_VMEMMAP_H
#define LI_VMEMMAP_H

#include "internal.h"

bool li_pgmap_dedups(const struct li_model *m, const struct li_pgmap *g);
/* The accounting, unless the page walk did it already. */
int li_vmemmap_account(struct li_ctx *c);

/*
 * The accounting fed by another walk of the same page tables (the page
 * walk's), so that a range's tables are read once: li_vacct_open() (*out
 * NULL: nothing to account), then per range li_vacct_begin(), its entries
 * in address order (li_vacct_feed(); li_vacct_fill() walks a part no other
 * walk covers), li_vacct_end(); li_vacct_pgmap() does a pgmap alone.
 */
struct li_vacct;
int li_vacct_open(struct li_ctx *c, struct li_vacct **out);
void li_vacct_begin(struct li_vacct *a, size_t gi, int k);
int li_vacct_feed(struct li_vacct *a, const struct li_pt_entry *e);
int li_vacct_fill(struct li_vacct *a, uint64_t upto);
int li_vacct_end(struct li_vacct *a);
int li_vacct_pgmap(struct li_vacct *a, size_t i);
/* Free it; the accounting is done unless err. */
void li_vacct_close(struct li_vacct *a, int err);
/* How many of nr_vpages vmemmap pages from first_va map frame. */
uint64_t li_frame_aliases(struct li_ctx *c, uint64_t first_va,
			  uint64_t nr_vpages, uint64_t frame);

#endif /* LI_VMEMMAP_H */
