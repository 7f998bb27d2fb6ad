/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Symbols of a kernel without its vmlinux: the kernel's own compressed
 * kallsyms tables, decoded out of a dump through the VMCOREINFO symbols
 * (kernels 6.0 and later export them), or /proc/kallsyms of the running
 * kernel.  Addresses are run-time ones (KASLR applied); used by the shipped
 * target (kdump_target.c) beside the BTF type source (btf_types.c).
 */
#ifndef LI_KALLSYMS_H
#define LI_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksym;

/* How the dump's kallsyms_offsets[] were encoded (kernel/kallsyms.c). */
enum ksym_encoding {
	KSYM_ENC_TEXT,		/* /proc/kallsyms */
	KSYM_ENC_ABSOLUTE,	/* kallsyms_addresses[], !KALLSYMS_BASE_RELATIVE */
	KSYM_ENC_ABS_PERCPU,	/* relative base, KALLSYMS_ABSOLUTE_PERCPU (<= 6.14) */
	KSYM_ENC_BASE_RELATIVE,	/* relative_base + (u32)offset */
	KSYM_ENC_PLACE_RELATIVE, /* &offsets[i] + (s32)offsets[i] (7.0+) */
};

/* Kernel memory and VMCOREINFO of the dump, as the target reads them. */
struct ksym_mem {
	void *ctx;
	/* kernel virtual read of exactly len bytes; 0 or a negative errno */
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	/* VMCOREINFO value by key ("SYMBOL(_stext)"); 0 or -ENOENT */
	int (*info)(void *ctx, const char *key, char *val, size_t len);
	/*
	 * Optional: len bytes at addr, read-only, without a copy (a mapping
	 * of the dump file, which costs no new memory); NULL when not
	 * possible.  *map and *maplen are what unmap needs.
	 */
	const void *(*map)(void *ctx, uint64_t addr, size_t len, void **map,
			   size_t *maplen);
	void (*unmap)(void *map, size_t maplen);
};

/*
 * Decode the tables found through VMCOREINFO SYMBOL(kallsyms_names),
 * SYMBOL(kallsyms_token_table), SYMBOL(kallsyms_token_index),
 * SYMBOL(kallsyms_num_syms) and SYMBOL(kallsyms_offsets) with
 * SYMBOL(kallsyms_relative_base) when the kernel has one (or
 * SYMBOL(kallsyms_addresses)); which encoding the offsets use is decided by
 * the one that gives VMCOREINFO's SYMBOL(_stext).  On error a message goes
 * to errbuf.
 */
int ksym_open_mem(const struct ksym_mem *mem, struct ksym **out,
		  char *errbuf, size_t errlen);
/* A file in /proc/kallsyms format; module symbols ("[mod]") are skipped. */
int ksym_open_file(const char *path, struct ksym **out, char *errbuf,
		   size_t errlen);
void ksym_close(struct ksym *k);

/*
 * Run-time address and kallsyms type ('T', 't', 'D', 'b', ...) of a symbol;
 * a global (upper-case type) wins over a local of the same name, otherwise
 * the first one in kallsyms order.  -ENOENT when absent.
 */
int ksym_lookup(struct ksym *k, const char *name, uint64_t *addr, char *type);

size_t ksym_count(const struct ksym *k);
/*
 * Symbol i in kallsyms order (for tests and listings); -ENOENT past the end.
 * A dump's name is expanded into k: valid until the next ksym_get().
 */
int ksym_get(struct ksym *k, size_t i, const char **name,
	     uint64_t *addr, char *type);
/* Number of data symbols (d, D, b, B, r, R): 0 without KALLSYMS_ALL. */
size_t ksym_data_count(const struct ksym *k);
enum ksym_encoding ksym_encoding(const struct ksym *k);
const char *ksym_encoding_name(enum ksym_encoding e);

#endif /* LI_KALLSYMS_H */
