/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a type name the kernel model asks for means, for both type sources
 * (dwarf_types.c, btf_types.c). */
#ifndef LI_TYPENAME_H
#define LI_TYPENAME_H

#include <stdbool.h>
#include <stddef.h>

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
};

/*
 * "struct page *" -> LI_TN_STRUCT "page", pointer.  A plain base type in
 * its C spelling ("unsigned long") comes back as the compilers name it in
 * DWARF and pahole in BTF ("long unsigned int").  -EINVAL: no name left.
 */
int li_typename_parse(const char *type, struct li_typename *tn);

/* What both type indexes file a name under (the same numbers in each). */
enum li_tn_index {
	LI_TI_STRUCT = 1,
	LI_TI_UNION,
	LI_TI_ENUM,
	LI_TI_TYPEDEF,
	LI_TI_BASE,
};

/* li_typename_parse(), and the index kinds the name may be filed under,
 * most likely first: *kinds, *nkinds of them. */
int li_typename_kinds(const char *type, struct li_typename *tn,
		      const int **kinds, size_t *nkinds);

#endif
