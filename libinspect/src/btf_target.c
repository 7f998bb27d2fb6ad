// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * li_btf_target_open(): types from a kernel's own BTF and symbols from its
 * kallsyms, both read through the memory of a frontend's target, for a
 * frontend that has memory but no types (drgn opened without a vmlinux).
 * The reading and checking is the shipped target's ("btf:",
 * kdump_target.c), shared through btf_target.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libinspect.h"
#include "btf_target.h"
#include "errbuf.h"

/* vmlinux BTF is 4-6 MiB today */
#define BKT_BTF_MAX	(256u << 20)
#define BKT_BANNER	256

int bkt_check_kallsyms(const struct ksym_mem *mem, struct ksym *ks,
		       const char *path, const char *rel, const char *hint,
		       char *errbuf, size_t errlen)
{
	static const char prefix[] = "Linux version ";
	char got[BKT_BANNER];
	uint64_t addr;
	size_t n;
	int err;

	if (!ksym_data_count(ks))
		return li_errbuf(errbuf, errlen, -EINVAL,
				 "%s: kallsyms holds no data symbols (a kernel without CONFIG_KALLSYMS_ALL)%s",
				 path, hint);
	if (ksym_lookup(ks, "linux_banner", &addr, NULL))
		return li_errbuf(errbuf, errlen, -EINVAL,
				 "%s: kallsyms has no linux_banner", path);
	err = mem->read(mem->ctx, addr, got, sizeof(got));
	if (err)
		return li_errbuf(errbuf, errlen, -EIO,
				 "%s: cannot read linux_banner at 0x%llx (%s): an incomplete dump?",
				 path, (unsigned long long)addr, strerror(-err));
	got[sizeof(got) - 1] = '\0';
	n = strlen(prefix);
	if (strncmp(got, prefix, n) ||
	    (rel[0] && (strncmp(got + n, rel, strlen(rel)) ||
			got[n + strlen(rel)] != ' ')))
		return li_errbuf(errbuf, errlen, -EINVAL,
				 "%s: linux_banner at 0x%llx reads \"%.100s\", not a banner of %s",
				 path, (unsigned long long)addr, got,
				 rel[0] ? rel : "a Linux kernel");
	return 0;
}

int bkt_btf_from_memory(const struct ksym_mem *mem, struct ksym *ks,
			const char *path, const char *hint, struct btt **out,
			char *errbuf, size_t errlen)
{
	uint64_t start, stop;
	char what[4200];
	const void *btf;
	void *buf = NULL;
	size_t maplen = 0;
	int err;

	if (ksym_lookup(ks, "__start_BTF", &start, NULL) ||
	    ksym_lookup(ks, "__stop_BTF", &stop, NULL))
		return li_errbuf(errbuf, errlen, -ENOENT,
				 "%s: kallsyms has no __start_BTF/__stop_BTF: a kernel without CONFIG_DEBUG_INFO_BTF%s",
				 path, hint);
	if (stop <= start || stop - start > BKT_BTF_MAX)
		return li_errbuf(errbuf, errlen, -EINVAL,
				 "%s: implausible BTF bounds __start_BTF 0x%llx, __stop_BTF 0x%llx",
				 path, (unsigned long long)start,
				 (unsigned long long)stop);
	/* a mapping of the dump file where the target has one: libbpf copies
	 * the blob anyway, so a 4-6 MiB buffer of ours would be a second copy */
	btf = mem->map ? mem->map(mem->ctx, start, stop - start, &buf, &maplen) : NULL;
	if (!btf) {
		btf = buf = malloc(stop - start);
		if (!buf)
			return -ENOMEM;
		maplen = 0;
		err = mem->read(mem->ctx, start, buf, stop - start);
		if (err) {
			free(buf);
			return li_errbuf(errbuf, errlen, err,
					 "%s: cannot read the kernel's BTF at 0x%llx-0x%llx: %s",
					 path, (unsigned long long)start,
					 (unsigned long long)stop, strerror(-err));
		}
	}
	snprintf(what, sizeof(what), "%s: the BTF at 0x%llx (%llu bytes)", path,
		 (unsigned long long)start, (unsigned long long)(stop - start));
	err = btt_open_mem(btf, stop - start, what, out, errbuf, errlen);
	if (maplen)
		mem->unmap(buf, maplen);
	else
		free(buf);
	return err;
}

/* ---- the public target ------------------------------------------------- */

struct bkt_ctx {
	struct li_target target;	/* first: close() gets back here */
	const struct li_target *mem;
	struct ksym *ks;
	struct btt *bt;
	char *info;			/* VMCOREINFO text; NULL: mem's */
	char vmlinux[32];
};

static int bkt_read(void *ctx, enum li_addr_space space, uint64_t addr,
		    void *buf, size_t len)
{
	const struct li_target *m = ((struct bkt_ctx *)ctx)->mem;

	return m->ops->read(m->ctx, space, addr, buf, len);
}

static int bkt_type_size(void *ctx, const char *type, uint64_t *size)
{
	return btt_type_size(((struct bkt_ctx *)ctx)->bt, type, size);
}

static int bkt_member_offset(void *ctx, const char *type, const char *member,
			     uint64_t *offset)
{
	return btt_member_offset(((struct bkt_ctx *)ctx)->bt, type, member,
				 offset);
}

static int bkt_enum_value(void *ctx, const char *name, int64_t *value)
{
	return btt_enum_value(((struct bkt_ctx *)ctx)->bt, name, value);
}

/* kallsyms holds run-time addresses: nothing to relocate. */
static int bkt_symbol_address(void *ctx, const char *name, uint64_t *addr)
{
	return ksym_lookup(((struct bkt_ctx *)ctx)->ks, name, addr, NULL);
}

/* BTF only knows the sizes of the variables it describes (per-cpu ones). */
static int bkt_symbol_size(void *ctx, const char *name, uint64_t *size)
{
	return btt_var_size(((struct bkt_ctx *)ctx)->bt, name, size);
}

static int bkt_vmcoreinfo(void *ctx, const char *key, char *val, size_t len)
{
	struct bkt_ctx *b = ctx;
	const char *p, *end;
	size_t klen, vlen;

	if (!key || !val || !len)
		return -EINVAL;
	if (!b->info)
		return b->mem->ops->vmcoreinfo(b->mem->ctx, key, val, len);
	klen = strlen(key);
	for (p = b->info; *p; p = *end ? end + 1 : end) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) <= klen || p[klen] != '=' ||
		    strncmp(p, key, klen))
			continue;
		vlen = end - p - klen - 1;
		snprintf(val, len, "%.*s", (int)vlen, p + klen + 1);
		return vlen >= len ? -ENOSPC : 0;
	}
	return -ENOENT;
}

static const struct li_target_ops bkt_ops = {
	.read = bkt_read,
	.type_size = bkt_type_size,
	.member_offset = bkt_member_offset,
	.enum_value = bkt_enum_value,
	.symbol_address = bkt_symbol_address,
	.symbol_size = bkt_symbol_size,
	.vmcoreinfo = bkt_vmcoreinfo,
};

/*
 * The kallsyms tables and the BTF, read while opening: any failure is
 * fatal there, so a fault not told apart is only worded as a read error
 * (the messages say strerror()).
 */
static int bkt_mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	int err = bkt_read(ctx, LI_KVADDR, addr, buf, len);

	return err == -LI_READ_FAULT ? -EIO : err;
}

static int bkt_mem_info(void *ctx, const char *key, char *val, size_t len)
{
	return bkt_vmcoreinfo(ctx, key, val, len);
}

/*
 * libbpf's rule for size-prefixed options: a caller built against an older
 * header passes a smaller sz (its missing fields read as zero); one built
 * against a newer header may pass a larger sz only if what we do not know
 * is zero.
 */
static bool bkt_opts_valid(const struct li_btf_target_opts *o)
{
	const char *p = (const char *)o;
	size_t i;

	if (!o)
		return true;
	if (o->sz < sizeof(o->sz))
		return false;
	for (i = sizeof(*o); i < o->sz; i++)
		if (p[i])
			return false;
	return true;
}

int li_btf_target_open(const struct li_target *mem,
		       const struct li_btf_target_opts *opts,
		       struct li_target **out, char *errbuf, size_t errlen)
{
	struct ksym_mem m = { .read = bkt_mem_read, .info = bkt_mem_info };
	const char *info = NULL, *path, *src;
	char rel[128] = "", why[512];
	uint64_t size;
	struct bkt_ctx *b;
	int err;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!mem || !mem->ops || !mem->ops->read || !bkt_opts_valid(opts))
		return li_errbuf(errbuf, errlen, -EINVAL,
				 "li_btf_target_open: bad arguments");
	if (opts && opts->sz >= offsetof(struct li_btf_target_opts,
					 vmcoreinfo) + sizeof(opts->vmcoreinfo))
		info = opts->vmcoreinfo;
	if (!info && !mem->ops->vmcoreinfo)
		return li_errbuf(errbuf, errlen, -EINVAL,
				 "li_btf_target_open: no VMCOREINFO (neither opts->vmcoreinfo nor a vmcoreinfo callback)");
	b = calloc(1, sizeof(*b));
	if (!b)
		return li_errbuf(errbuf, errlen, -ENOMEM, "out of memory");
	b->target.ops = &bkt_ops;	/* what close() recognises */
	b->mem = mem;
	if (info && !(b->info = strdup(info))) {
		free(b);
		return li_errbuf(errbuf, errlen, -ENOMEM, "out of memory");
	}
	m.ctx = b;
	path = mem->source && mem->source[0] ? mem->source : "kernel memory";
	src = mem->source && !strcmp(mem->source, "live") ? "kcore" : "dump";
	bkt_vmcoreinfo(b, "OSRELEASE", rel, sizeof(rel));
	err = ksym_open_mem(&m, &b->ks, why, sizeof(why));
	if (err)
		li_errbuf(errbuf, errlen, err,
			  "%s: no kernel symbols without a vmlinux: %s", path,
			  why);
	if (!err)
		err = bkt_check_kallsyms(&m, b->ks, path, rel, "", errbuf,
					 errlen);
	if (!err)
		err = bkt_btf_from_memory(&m, b->ks, path, "", &b->bt, errbuf,
					  errlen);
	if (!err && btt_type_size(b->bt, "struct page", &size))
		err = li_errbuf(errbuf, errlen, -EINVAL,
				"the BTF of %s has no struct page: not the BTF of a kernel",
				path);
	if (err) {
		if (err == -ENOMEM && errbuf && errlen && !errbuf[0])
			snprintf(errbuf, errlen, "out of memory");
		li_btf_target_close(&b->target);
		return err;
	}
	snprintf(b->vmlinux, sizeof(b->vmlinux), "btf:%s+kallsyms:%s", src,
		 src);
	b->target.ctx = b;
	b->target.frontend = mem->frontend;
	b->target.source = mem->source;
	b->target.vmlinux = b->vmlinux;
	*out = &b->target;
	return 0;
}

void li_btf_target_close(struct li_target *target)
{
	struct bkt_ctx *b = (struct bkt_ctx *)target;

	if (!b || target->ops != &bkt_ops)
		return;
	ksym_close(b->ks);
	btt_close(b->bt);
	free(b->info);
	free(b);
}
