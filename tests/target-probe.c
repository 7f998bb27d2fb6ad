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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libinspect.h"
#include "dwarf_types.h"

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

/* The li_target_ops of the DWARF index alone: no memory. */
static int elf_read(void *ctx, enum li_addr_space sp, uint64_t addr,
		    void *buf, size_t len)
{
	(void)ctx, (void)sp, (void)addr, (void)buf, (void)len;
	return -EFAULT;
}

static int elf_type_size(void *ctx, const char *type, uint64_t *size)
{
	return dwt_type_size(ctx, type, size);
}

static int elf_member_offset(void *ctx, const char *type, const char *member,
			     uint64_t *off)
{
	return dwt_member_offset(ctx, type, member, off);
}

static int elf_enum_value(void *ctx, const char *name, int64_t *value)
{
	return dwt_enum_value(ctx, name, value);
}

static int elf_symbol_address(void *ctx, const char *name, uint64_t *addr)
{
	return dwt_symbol(ctx, name, addr, NULL, NULL);
}

static int elf_symbol_size(void *ctx, const char *name, uint64_t *size)
{
	return dwt_symbol(ctx, name, NULL, size, NULL);
}

static int elf_vmcoreinfo(void *ctx, const char *key, char *val, size_t len)
{
	(void)ctx, (void)key, (void)val, (void)len;
	return -ENOENT;
}

static const struct li_target_ops elf_ops = {
	.read = elf_read,
	.type_size = elf_type_size,
	.member_offset = elf_member_offset,
	.enum_value = elf_enum_value,
	.symbol_address = elf_symbol_address,
	.symbol_size = elf_symbol_size,
	.vmcoreinfo = elf_vmcoreinfo,
};

static int probe_elf(int argc, char **argv)
{
	struct li_target t = { .ops = &elf_ops };
	char errbuf[1024];
	struct dwt *d;
	int i, err;

	err = dwt_open(argv[2], &d, errbuf, sizeof(errbuf));
	if (err) {
		fprintf(stderr, "target-probe: %s (%d)\n", errbuf, err);
		return 2;
	}
	t.ctx = d;
	for (i = 3; i < argc; i++) {
		printf("%s=", argv[i]);
		err = query(&t, argv[i]);
		if (err)
			printf("error %d", err);
		putchar('\n');
	}
	dwt_close(d);
	return 0;
}

int main(int argc, char **argv)
{
	const char *vmlinux = NULL, *dump;
	struct li_target *t;
	char errbuf[1024];
	int i = 1, err;

	if (argc > 2 && !strcmp(argv[1], "--elf"))
		return probe_elf(argc, argv);
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
	for (i++; i < argc; i++) {
		printf("%s=", argv[i]);
		err = query(t, argv[i]);
		if (err)
			printf("error %d", err);
		putchar('\n');
	}
	li_kdump_target_close(t);
	return 0;
}
