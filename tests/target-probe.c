// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * target-probe: ask the shipped target (li_kdump_target_open) questions and
 * print the answers, one line each, so tests/cli.t can compare them with
 * drgn and crash.
 *
 *   target-probe [-k VMLINUX] DUMP QUERY...
 *
 * QUERY                     prints
 *   size:TYPE               size:TYPE=<decimal>
 *   off:TYPE:MEMBER.PATH    off:TYPE:MEMBER.PATH=<decimal>
 *   enum:NAME               enum:NAME=<decimal>
 *   sym:NAME                sym:NAME=0x<hex>
 *   symsize:NAME            symsize:NAME=<decimal>
 *   info:KEY                info:KEY=<string>
 *   readv:ADDR:LEN          readv:ADDR:LEN=<hex bytes>   (kernel virtual)
 *   readp:ADDR:LEN          readp:ADDR:LEN=<hex bytes>   (physical)
 * and on failure QUERY=error <negative errno>.  DUMP "-" is the live kernel.
 *
 *   target-probe --elf FILE QUERY...
 *
 * asks the DWARF/symtab half of the target (dwarf_types.c) about any ELF
 * file with debug info, without a dump (tests/dwarf-types.t).
 *
 *   target-probe --btf FILE QUERY...
 *
 * asks the BTF half (btf_types.c) about a raw BTF file or an ELF file's
 * .BTF section (tests/btf.t); symsize:NAME is then the size BTF gives a
 * variable (per-cpu ones: BTF has no other), sym:NAME is -ENOENT.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libinspect.h"
#include "dwarf_types.h"
#include "btf_types.h"

static int do_read(const struct li_target *t, enum li_addr_space sp,
		   const char *arg)
{
	unsigned long long addr, len;
	unsigned char *buf;
	char *end;
	int err;

	addr = strtoull(arg, &end, 0);
	if (*end != ':')
		return -EINVAL;
	len = strtoull(end + 1, &end, 0);
	if (*end || !len || len > (1 << 24))
		return -EINVAL;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	err = t->ops->read(t->ctx, sp, addr, buf, len);
	if (!err)
		for (unsigned long long i = 0; i < len; i++)
			printf("%02x", buf[i]);
	free(buf);
	return err;
}

static int query(const struct li_target *t, const char *q)
{
	const struct li_target_ops *o = t->ops;
	char type[256], *colon;
	uint64_t u;
	int64_t s;
	int err;

	if (!strncmp(q, "size:", 5)) {
		err = o->type_size(t->ctx, q + 5, &u);
		if (!err)
			printf("%llu", (unsigned long long)u);
	} else if (!strncmp(q, "off:", 4)) {
		snprintf(type, sizeof(type), "%s", q + 4);
		colon = strchr(type, ':');
		if (!colon)
			return -EINVAL;
		*colon = '\0';
		err = o->member_offset(t->ctx, type, colon + 1, &u);
		if (!err)
			printf("%llu", (unsigned long long)u);
	} else if (!strncmp(q, "enum:", 5)) {
		err = o->enum_value(t->ctx, q + 5, &s);
		if (!err)
			printf("%lld", (long long)s);
	} else if (!strncmp(q, "sym:", 4)) {
		err = o->symbol_address(t->ctx, q + 4, &u);
		if (!err)
			printf("0x%llx", (unsigned long long)u);
	} else if (!strncmp(q, "symsize:", 8)) {
		err = o->symbol_size(t->ctx, q + 8, &u);
		if (!err)
			printf("%llu", (unsigned long long)u);
	} else if (!strncmp(q, "info:", 5)) {
		err = o->vmcoreinfo(t->ctx, q + 5, type, sizeof(type));
		if (!err)
			printf("%s", type);
	} else if (!strncmp(q, "readv:", 6)) {
		err = do_read(t, LI_KVADDR, q + 6);
	} else if (!strncmp(q, "readp:", 6)) {
		err = do_read(t, LI_PHYSADDR, q + 6);
	} else {
		err = -EINVAL;
	}
	return err;
}

/* Each QUERY=answer on a line of its own. */
static void answer(const struct li_target *t, int n, char **queries)
{
	int i, err;

	for (i = 0; i < n; i++) {
		printf("%s=", queries[i]);
		err = query(t, queries[i]);
		if (err)
			printf("error %d", err);
		putchar('\n');
	}
}

/* The li_target_ops of a type index alone, the DWARF one (--elf) or the
 * BTF one (--btf): no memory. */
struct index {
	struct dwt *d;
	struct btt *b;
};

static int ix_read(void *ctx, enum li_addr_space sp, uint64_t addr,
		   void *buf, size_t len)
{
	(void)ctx, (void)sp, (void)addr, (void)buf, (void)len;
	return -EFAULT;
}

static int ix_type_size(void *ctx, const char *type, uint64_t *size)
{
	const struct index *x = ctx;

	return x->b ? btt_type_size(x->b, type, size) :
		      dwt_type_size(x->d, type, size);
}

static int ix_member_offset(void *ctx, const char *type, const char *member,
			    uint64_t *off)
{
	const struct index *x = ctx;

	return x->b ? btt_member_offset(x->b, type, member, off) :
		      dwt_member_offset(x->d, type, member, off);
}

static int ix_enum_value(void *ctx, const char *name, int64_t *value)
{
	const struct index *x = ctx;

	return x->b ? btt_enum_value(x->b, name, value) :
		      dwt_enum_value(x->d, name, value);
}

static int ix_symbol_address(void *ctx, const char *name, uint64_t *addr)
{
	const struct index *x = ctx;

	return x->b ? -ENOENT : dwt_symbol(x->d, name, addr, NULL, NULL);
}

static int ix_symbol_size(void *ctx, const char *name, uint64_t *size)
{
	const struct index *x = ctx;

	return x->b ? btt_var_size(x->b, name, size) :
		      dwt_symbol(x->d, name, NULL, size, NULL);
}

static int ix_vmcoreinfo(void *ctx, const char *key, char *val, size_t len)
{
	(void)ctx, (void)key, (void)val, (void)len;
	return -ENOENT;
}

static const struct li_target_ops index_ops = {
	.read = ix_read,
	.type_size = ix_type_size,
	.member_offset = ix_member_offset,
	.enum_value = ix_enum_value,
	.symbol_address = ix_symbol_address,
	.symbol_size = ix_symbol_size,
	.vmcoreinfo = ix_vmcoreinfo,
};

static int probe_index(int argc, char **argv)
{
	struct index x = { NULL, NULL };
	struct li_target t = { .ops = &index_ops, .ctx = &x };
	char errbuf[1024];
	int err;

	if (!strcmp(argv[1], "--btf"))
		err = btt_open_file(argv[2], &x.b, errbuf, sizeof(errbuf));
	else
		err = dwt_open(argv[2], &x.d, errbuf, sizeof(errbuf));
	if (err) {
		fprintf(stderr, "target-probe: %s (%d)\n", errbuf, err);
		return 2;
	}
	answer(&t, argc - 3, argv + 3);
	if (x.b)
		btt_close(x.b);
	else
		dwt_close(x.d);
	return 0;
}

int main(int argc, char **argv)
{
	const char *vmlinux = NULL, *dump;
	struct li_target *t;
	char errbuf[1024];
	int i = 1, err;

	if (argc > 2 && (!strcmp(argv[1], "--elf") || !strcmp(argv[1], "--btf")))
		return probe_index(argc, argv);
	if (argc > 2 && !strcmp(argv[1], "-k")) {
		vmlinux = argv[2];
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: target-probe [-k VMLINUX] DUMP QUERY...\n");
		return 2;
	}
	dump = strcmp(argv[i], "-") ? argv[i] : NULL;
	err = li_kdump_target_open(dump, vmlinux, &t, errbuf, sizeof(errbuf));
	if (err) {
		fprintf(stderr, "target-probe: %s (%d)\n", errbuf, err);
		return 2;
	}
	printf("vmlinux=%s\n", t->vmlinux ? t->vmlinux : "");
	answer(t, argc - i - 1, argv + i + 1);
	li_kdump_target_close(t);
	return 0;
}
