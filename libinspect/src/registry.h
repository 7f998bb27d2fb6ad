/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The registry (registry.c): pgmap_array -> dev_pagemaps, their fields,
 * refs and ranges; the pgmap lookups the walkers use; the ref verdicts
 * that need the walkers' counts.
 */
#ifndef LI_REGISTRY_H
#define LI_REGISTRY_H

#include "internal.h"

/* Reads the registry into c->r->pgmaps and judges it. */
int li_check_pgmaps(struct li_ctx *c);
/* Index in r->pgmaps of the pgmap at addr, or covering pfn; else -1. */
int li_pgmap_lookup(const struct li_report *r, uint64_t addr);
int li_pgmap_of_pfn(const struct li_report *r, uint64_t pfn);
/* After the page and holder walks: dead refs, refs too low (I5). */
void li_check_refs(struct li_ctx *c);

#endif /* LI_REGISTRY_H */
