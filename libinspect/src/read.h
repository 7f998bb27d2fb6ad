/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reads through the target (read.c): the bottom layer every walker
 * uses.  Failures are negative errnos; -ENODATA is memory the dump lacks.
 */
#ifndef LI_READ_H
#define LI_READ_H

#include "internal.h"

int li_read(struct li_ctx *c, enum li_addr_space sp, uint64_t addr,
	    void *buf, size_t len);
int li_read_u64(struct li_ctx *c, uint64_t addr, uint64_t *v);
int li_read_u32(struct li_ctx *c, uint64_t addr, uint32_t *v);
/* a page-table page (li_paging.read_table, ctx a struct li_ctx) */
int li_read_table(void *ctx, uint64_t phys, uint64_t *buf);

#endif /* LI_READ_H */
