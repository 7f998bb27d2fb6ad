/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Types, enumerators and symbols of a vmlinux, from its DWARF (libdw) and
 * its ELF symtab (libelf).  Used by the shipped target (kdump_target.c);
 * addresses here are link-time ones: the caller applies KERNELOFFSET.
 */
#ifndef LI_DWARF_TYPES_H
#define LI_DWARF_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dwt;

/* Open an ELF file with DWARF; on error a message goes to errbuf. */
int dwt_open(const char *path, struct dwt **out, char *errbuf, size_t errlen);
void dwt_close(struct dwt *d);

/*
 * type: "struct page", "union X", "enum X", a typedef or base type name
 * ("pgd_t", "unsigned long"), or a bare struct tag ("page").  A trailing
 * '*' means a pointer to it.
 */
int dwt_type_size(struct dwt *d, const char *type, uint64_t *size);
/* path: dotted members, through anonymous structs/unions; "a[3].b" too. */
int dwt_member_offset(struct dwt *d, const char *type, const char *path,
		      uint64_t *offset);
int dwt_enum_value(struct dwt *d, const char *name, int64_t *value);

/*
 * Link-time address and size of a symbol; globals win over locals of the
 * same name.  *percpu tells a symbol of the zero-based .data..percpu
 * section, which KASLR does not move.
 */
int dwt_symbol(struct dwt *d, const char *name, uint64_t *addr,
	       uint64_t *size, bool *percpu);

/* Lower-case hex GNU build-id of the file; -ENOENT when it has none. */
int dwt_build_id(struct dwt *d, char *hex, size_t len);

/* libkdumpfile's name of the file's architecture, NULL if unknown. */
const char *dwt_arch_name(struct dwt *d);

/* Copy len bytes at a link-time address from the file's sections. */
int dwt_read_image(struct dwt *d, uint64_t addr, void *buf, size_t len);

#endif /* LI_DWARF_TYPES_H */
