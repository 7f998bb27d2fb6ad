// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * li_dwarf_target_open(): a frontend's target whose type questions (sizes,
 * member offsets, enumerators) libinspect answers from the vmlinux's DWARF
 * with its own reader and memo (dwarf_types.c, as the CLI does), while
 * memory, symbols and VMCOREINFO stay the frontend's.  For crash: its gdb
 * takes 1-3 ms a type question and a check asks about a hundred, most of
 * the first check of a session; the memo answers them in microseconds,
 * and the answers are the CLI's by construction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "libinspect.h"
#include "dwarf_types.h"
#include "errbuf.h"
#include "export.h"

struct dkt_ctx {
	struct li_target target;	/* first: close() gets back here */
	const struct li_target *mem;
	struct dwt *dw;
};

static int dkt_read(void *ctx, enum li_addr_space space, uint64_t addr,
		    void *buf, size_t len)
{
	const struct li_target *m = ((struct dkt_ctx *)ctx)->mem;

	return m->ops->read(m->ctx, space, addr, buf, len);
}

static int dkt_type_size(void *ctx, const char *type, uint64_t *size)
{
	return dwt_type_size(((struct dkt_ctx *)ctx)->dw, type, size);
}

static int dkt_member_offset(void *ctx, const char *type, const char *member,
			     uint64_t *offset)
{
	return dwt_member_offset(((struct dkt_ctx *)ctx)->dw, type, member,
				 offset);
}

static int dkt_enum_value(void *ctx, const char *name, int64_t *value)
{
	return dwt_enum_value(((struct dkt_ctx *)ctx)->dw, name, value);
}

/* Symbols are the frontend's: it knows where KASLR put them. */
static int dkt_symbol_address(void *ctx, const char *name, uint64_t *addr)
{
	const struct li_target *m = ((struct dkt_ctx *)ctx)->mem;

	return m->ops->symbol_address(m->ctx, name, addr);
}

static int dkt_symbol_size(void *ctx, const char *name, uint64_t *size)
{
	const struct li_target *m = ((struct dkt_ctx *)ctx)->mem;

	if (!m->ops->symbol_size)
		return -ENOENT;
	return m->ops->symbol_size(m->ctx, name, size);
}

static int dkt_vmcoreinfo(void *ctx, const char *key, char *val, size_t len)
{
	const struct li_target *m = ((struct dkt_ctx *)ctx)->mem;

	return m->ops->vmcoreinfo(m->ctx, key, val, len);
}

static const struct li_target_ops dkt_ops = {
	.read = dkt_read,
	.type_size = dkt_type_size,
	.member_offset = dkt_member_offset,
	.enum_value = dkt_enum_value,
	.symbol_address = dkt_symbol_address,
	.symbol_size = dkt_symbol_size,
	.vmcoreinfo = dkt_vmcoreinfo,
};

/* Types of another build would be wrong everywhere: the dump's BUILD-ID
 * must be the file's (li_check_build_id: unknown is no mismatch). */
static int dkt_same_build(const struct li_target *mem, const char *vmlinux,
			  char *errbuf, size_t errlen)
{
	char want[128];

	if (mem->ops->vmcoreinfo(mem->ctx, "BUILD-ID", want, sizeof(want)))
		return 0;
	return li_check_build_id(vmlinux, want, errbuf, errlen);
}

LI_EXPORT int li_dwarf_target_open(const struct li_target *mem,
				   const char *vmlinux,
				   struct li_target **out, char *errbuf,
				   size_t errlen)
{
	struct dkt_ctx *c;
	int err;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!mem || !mem->ops || !mem->ops->read || !mem->ops->symbol_address ||
	    !mem->ops->vmcoreinfo || !vmlinux || !out)
		return li_errbuf(errbuf, errlen, -EINVAL, "invalid argument");
	c = calloc(1, sizeof(*c));
	if (!c)
		return li_errbuf(errbuf, errlen, -ENOMEM, "out of memory");
	err = dkt_same_build(mem, vmlinux, errbuf, errlen);
	if (!err)
		err = dwt_open(vmlinux, &c->dw, errbuf, errlen);
	if (err) {
		dwt_close(c->dw);
		free(c);
		return err;
	}
	c->mem = mem;
	c->target = *mem;
	c->target.ops = &dkt_ops;
	c->target.ctx = c;
	c->target.vmlinux = vmlinux;
	*out = &c->target;
	return 0;
}

LI_EXPORT void li_dwarf_target_close(struct li_target *target)
{
	struct dkt_ctx *c = (struct dkt_ctx *)target;

	if (!c)
		return;
	dwt_close(c->dw);
	free(c);
}
