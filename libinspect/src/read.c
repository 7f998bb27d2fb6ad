// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reads through the target: the one place the core calls its read
 * callback, so that a positive return (a backend bug) is an error.
 */
#include "internal.h"
#include "read.h"

/*
 * A kernel virtual read the target could not do, page by page through the
 * kernel's page tables and physical reads from the same target.
 *
 * -LI_READ_FAULT (the target failed and cannot say why): told apart as the
 * contract says (libinspect.h), the first page that does not translate
 * (-EFAULT) or does but cannot be read physically (-ENODATA) decides, as
 * the first faulting address decides for a target that knows.  A missing
 * page table, page tables not known yet (the model probe's first reads),
 * or every page readable after all (the target failed for reasons of its
 * own) are not captured: never an invalid address without proof, never
 * data the target itself would not give.
 *
 * -LI_READ_XLAT (serve): the target reads physical memory but does not
 * translate this address (crash --minimal), so the physical reads are the
 * answer: 0 when every page reads.  buf is garbage on failure either way.
 */
static int read_by_tables(struct li_ctx *c, enum li_addr_space sp,
			  uint64_t addr, uint8_t *buf, size_t len, bool serve)
{
	struct li_paging *p = &c->fault_pg;
	int err = -ENODATA;

	if (sp != LI_KVADDR || !c->pg.root || c->in_fault)
		return -ENODATA;
	/* its own table cache: a fault may come in the middle of a walk */
	if (p->root != c->pg.root || p->levels != c->pg.levels ||
	    p->sme_mask != c->pg.sme_mask)
		li_paging_init(p, c->pg.levels == 5, c->pg.root,
			       c->pg.sme_mask, li_read_table, c);
	/* a table read that falls back to the direct map must not recurse */
	c->in_fault = true;
	for (size_t done = 0, n; done < len; done += n) {
		uint64_t va = addr + done;
		struct li_xlat x;
		int rerr;

		n = LI_PAGE_SIZE - (va & (LI_PAGE_SIZE - 1));
		if (n > len - done)
			n = len - done;
		if (li_xlat(p, va, &x))
			break;
		if (x.status != LI_XLAT_MAPPED) {
			err = -EFAULT;
			break;
		}
		rerr = li_read(c, LI_PHYSADDR, x.phys + (va & (LI_PAGE_SIZE - 1)),
			       buf + done, n);
		if (rerr) {
			if (serve && rerr != -EFAULT)
				err = rerr;
			break;
		}
		if (serve && done + n == len)
			err = 0;
	}
	c->in_fault = false;
	return err;
}

int li_read(struct li_ctx *c, enum li_addr_space sp, uint64_t addr,
	    void *buf, size_t len)
{
	int err = c->t->ops->read(c->t->ctx, sp, addr, buf, len);

	if (err == -LI_READ_FAULT || err == -LI_READ_XLAT)
		return read_by_tables(c, sp, addr, buf, len,
				      err == -LI_READ_XLAT);
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
