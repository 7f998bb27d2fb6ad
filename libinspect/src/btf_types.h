/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Types and enumerators of a kernel from its BTF, parsed by libbpf: the
 * .BTF bytes read out of a dump (between __start_BTF and __stop_BTF),
 * /sys/kernel/btf/vmlinux of the running kernel, or a vmlinux's .BTF
 * section.  The same questions as dwarf_types.h, with the same answers;
 * BTF has no plain global variables, only per-cpu ones (btt_var_size).
 */
#ifndef LI_BTF_TYPES_H
#define LI_BTF_TYPES_H

#include <stddef.h>
#include <stdint.h>

struct btt;

/*
 * Parse raw BTF bytes (copied; what names the source in messages).  A blob
 * that libbpf refuses is -EINVAL with libbpf's reason in errbuf.
 */
int btt_open_mem(const void *data, size_t len, const char *what,
		 struct btt **out, char *errbuf, size_t errlen);
/* A raw BTF file (/sys/kernel/btf/vmlinux) or an ELF file's .BTF section. */
int btt_open_file(const char *path, struct btt **out, char *errbuf,
		  size_t errlen);
void btt_close(struct btt *b);

/* As dwt_type_size(): "struct page", "union X", "enum X", typedefs, base
 * types in C spelling ("unsigned long"), a bare tag; '*' for pointers. */
int btt_type_size(struct btt *b, const char *type, uint64_t *size);
/* As dwt_member_offset(): "flags.f", "ref.data", "ranges[1].end"; a
 * bitfield gives the byte holding its first bit. */
int btt_member_offset(struct btt *b, const char *type, const char *path,
		      uint64_t *offset);
/* Any enumerator of an ENUM or ENUM64; the first definition wins. */
int btt_enum_value(struct btt *b, const char *name, int64_t *value);
/* Size of a variable BTF describes (a DATASEC's VAR: per-cpu ones). */
int btt_var_size(struct btt *b, const char *name, uint64_t *size);

/* Number of types, for messages. */
unsigned int btt_type_count(const struct btt *b);

#endif /* LI_BTF_TYPES_H */
