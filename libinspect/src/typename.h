/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a type name the kernel model asks for means, for both type sources
 * (dwarf_types.c, btf_types.c). */
#ifndef LI_TYPENAME_H
#define LI_TYPENAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What both type indexes file a name under (the same numbers in each). */
enum li_tn_index {
	LI_TI_STRUCT = 1,
	LI_TI_UNION,
	LI_TI_ENUM,
	LI_TI_TYPEDEF,
	LI_TI_BASE,
};

enum li_tn_kind {
	LI_TN_PLAIN,		/* "page", "u64": a typedef, base, struct or union */
	LI_TN_STRUCT,		/* "struct page": a struct only */
	LI_TN_UNION,
	LI_TN_ENUM,
};

struct li_typename {
	enum li_tn_kind kind;
	const char *name;	/* not NUL-terminated: len bytes */
	size_t len;
	bool pointer;		/* it ended in '*' */
	/* the index kinds (enum li_tn_index) to look it up under, most
	 * likely first */
	const int *kinds;
	size_t nkinds;
};

/*
 * "struct page *" -> LI_TN_STRUCT "page", pointer.  A plain base type in
 * its C spelling ("unsigned long") comes back as the compilers name it in
 * DWARF and pahole in BTF ("long unsigned int").  -EINVAL: no name left.
 */
int li_typename_parse(const char *type, struct li_typename *tn);

/*
 * A member path of the kernel model ("ref.data", "a[3].b"), walked once
 * for both type indexes: member() steps into member name[0..n) of the
 * current type (its offset in *off), element() into the element type of
 * the current array (its size in *size); each -ENOENT where the current
 * type has no such thing.  The sum of offsets in *offset; -EINVAL for a
 * malformed path ("a..b", "a[x]").
 */
struct li_path_ops {
	int (*member)(void *ctx, const char *name, size_t n, uint64_t *off);
	int (*element)(void *ctx, uint64_t *size);
};

int li_member_path(const char *path, const struct li_path_ops *ops,
		   void *ctx, uint64_t *offset);

#endif
