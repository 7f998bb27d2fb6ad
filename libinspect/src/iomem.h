/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RAM and device memory by the iomem resource tree (iomem.c).
 */
#ifndef LI_IOMEM_H
#define LI_IOMEM_H

#include "internal.h"

int li_iomem_load(struct li_ctx *c);
enum li_pfn_kind li_pfn_kind(struct li_ctx *c, uint64_t pfn);
void li_iomem_free(struct li_ctx *c);

#endif /* LI_IOMEM_H */
