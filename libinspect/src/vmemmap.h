/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Vmemmap accounting (vmemmap.c).
 */
#ifndef LI_VMEMMAP_H
#define LI_VMEMMAP_H

#include "internal.h"

bool li_pgmap_dedups(const struct li_model *m, const struct li_pgmap *g);
int li_vmemmap_account(struct li_ctx *c);
/* How many of nr_vpages vmemmap pages from first_va map frame. */
uint64_t li_frame_aliases(struct li_ctx *c, uint64_t first_va,
			  uint64_t nr_vpages, uint64_t frame);

#endif /* LI_VMEMMAP_H */
