// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The table of finding codes, made of codes.def (the one list of them),
 * and the library's small lookups: severity and error names, version.
 */
#include <errno.h>
#include <string.h>
#include "codes.h"
#include "export.h"

static const struct li_code_info codes[] = {
#define LI_CODE_ROW(name, sev, summary) \
	[LI_CODE_##name] = { #name, LI_SEV_##sev, summary },
#include "codes.def"
#undef LI_CODE_ROW
};

_Static_assert(sizeof(codes) / sizeof(codes[0]) == LI_NR_CODES,
	       "codes.def and enum li_code disagree");

#define NR_CODES (sizeof(codes) / sizeof(codes[0]))

LI_EXPORT const struct li_code_info *li_codes(size_t *count)
{
	if (count)
		*count = NR_CODES;
	return codes;
}

const struct li_code_info *li_code(int idx)
{
	return idx >= 0 && (size_t)idx < NR_CODES ? &codes[idx] : NULL;
}

int li_code_index(const char *code)
{
	for (size_t i = 0; i < NR_CODES; i++)
		if (!strcmp(codes[i].code, code))
			return (int)i;
	return -ENOENT;
}

LI_EXPORT const char *li_severity_name(enum li_severity sev)
{
	switch (sev) {
	case LI_SEV_INFO:
		return "info";
	case LI_SEV_WARNING:
		return "warning";
	case LI_SEV_ERROR:
		return "error";
	}
	return "unknown";
}

LI_EXPORT const char *li_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case ENODATA:
		return "memory not captured in the dump";
	case EFAULT:
		return "invalid address";
	case ENOENT:
		return "type, member, enumerator or symbol not found";
	case EINVAL:
		return "invalid argument";
	case EINTR:
		return "cancelled";
	case ENOMEM:
		return "out of memory";
	case EIO:
		return "read error";
	case ENOTSUP:
		return "kernel layout not supported";
	case LI_READ_FAULT:
		return "read fault (memory not captured or invalid address)";
	case LI_READ_XLAT:
		return "kernel virtual address the target does not translate";
	}
	return "unknown error";
}

#ifndef LI_VERSION_STRING
#define LI_VERSION_STRING "0.1.0"
#endif

LI_EXPORT const char *li_version(void)
{
	return LI_VERSION_STRING;
}
