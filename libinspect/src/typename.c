// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "typename.h"

static const struct {
	const char *prefix;
	enum li_tn_kind kind;
} prefixes[] = {
	{ "struct ", LI_TN_STRUCT },
	{ "union ", LI_TN_UNION },
	{ "enum ", LI_TN_ENUM },
};

/* C spellings of base types -> the names GCC gives them (pahole copies). */
static const char *const base_aliases[][2] = {
	{ "unsigned long", "long unsigned int" },
	{ "long", "long int" },
	{ "unsigned long long", "long long unsigned int" },
	{ "long long", "long long int" },
	{ "unsigned", "unsigned int" },
	{ "short", "short int" },
	{ "unsigned short", "short unsigned int" },
};

static int parse_name(const char *type, struct li_typename *tn)
{
	size_t i, n;

	while (*type == ' ')
		type++;
	tn->kind = LI_TN_PLAIN;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i].prefix);

		if (!strncmp(type, prefixes[i].prefix, pl)) {
			tn->kind = prefixes[i].kind;
			type += pl;
			break;
		}
	}
	n = strlen(type);
	tn->pointer = false;
	while (n && (type[n - 1] == ' ' || type[n - 1] == '*')) {
		if (type[n - 1] == '*')
			tn->pointer = true;
		n--;
	}
	if (!n)
		return -EINVAL;
	if (tn->kind == LI_TN_PLAIN) {
		for (i = 0; i < sizeof(base_aliases) / sizeof(base_aliases[0]); i++) {
			if (strlen(base_aliases[i][0]) == n &&
			    !strncmp(type, base_aliases[i][0], n)) {
				type = base_aliases[i][1];
				n = strlen(type);
				break;
			}
		}
	}
	tn->name = type;
	tn->len = n;
	return 0;
}

int li_typename_parse(const char *type, struct li_typename *tn)
{
	static const int plain[] = { LI_TI_TYPEDEF, LI_TI_BASE, LI_TI_STRUCT,
				     LI_TI_UNION };
	static const int only[] = { [LI_TN_STRUCT] = LI_TI_STRUCT,
				    [LI_TN_UNION] = LI_TI_UNION,
				    [LI_TN_ENUM] = LI_TI_ENUM };
	int err = parse_name(type, tn);

	if (err)
		return err;
	if (tn->kind == LI_TN_PLAIN) {
		tn->kinds = plain;
		tn->nkinds = sizeof(plain) / sizeof(plain[0]);
	} else {
		tn->kinds = &only[tn->kind];
		tn->nkinds = 1;
	}
	return 0;
}

int li_member_path(const char *path, const struct li_path_ops *ops,
		   void *ctx, uint64_t *offset)
{
	uint64_t total = 0, v;
	const char *p = path;
	int err;

	while (*p) {
		size_t n = strcspn(p, ".[");

		if (!n)
			return -EINVAL;
		err = ops->member(ctx, p, n, &v);
		if (err)
			return err;
		total += v;
		for (p += n; *p == '['; ) {
			unsigned long long idx;
			char *end;

			idx = strtoull(p + 1, &end, 0);
			if (end == p + 1 || *end != ']')
				return -EINVAL;
			err = ops->element(ctx, &v);
			if (err)
				return err;
			total += idx * v;
			p = end + 1;
		}
		if (*p == '.')
			p++;
		else if (*p)
			return -EINVAL;
	}
	*offset = total;
	return 0;
}
