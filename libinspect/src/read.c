// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reads through the target: the one place the core calls its read
 * callback, so that a positive return (a backend bug) is an error.
 */
#include "internal.h"
#include "read.h"

int li_read(struct li_ctx *c, enum li_addr_space sp, uint64_t addr,
	    void *buf, size_t len)
{
	int err = c->t->ops->read(c->t->ctx, sp, addr, buf, len);

	return err > 0 ? -EIO : err;
}

/* A page-table page: physical, else (no physical reads: some live
   targets) through the direct map; memory not in the dump stays that. */
int li_read_table(void *ctx, uint64_t phys, uint64_t *buf)
{
	struct li_ctx *c = ctx;
	int err = li_read(c, LI_PHYSADDR, phys, buf, LI_PAGE_SIZE);

	if (err && err != -ENODATA)
		err = li_read(c, LI_KVADDR, c->m->mem.page_offset + phys, buf,
			      LI_PAGE_SIZE);
	return err;
}

int li_read_u64(struct li_ctx *c, uint64_t addr, uint64_t *v)
{
	return li_read(c, LI_KVADDR, addr, v, sizeof(*v));
}

int li_read_u32(struct li_ctx *c, uint64_t addr, uint32_t *v)
{
	return li_read(c, LI_KVADDR, addr, v, sizeof(*v));
}
