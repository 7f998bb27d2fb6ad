/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The finding codes (codes.def) as an enum, and the table's lookups
 * (codes.c).  Depends on nothing but the public header.
 */
#ifndef LI_CODES_H
#define LI_CODES_H

#include "libinspect.h"

/* The finding codes, in the order of codes.def (the report's order). */
enum li_code {
#define LI_CODE_ROW(name, sev, summary) LI_CODE_##name,
#include "codes.def"
#undef LI_CODE_ROW
	LI_NR_CODES
};

const struct li_code_info *li_code(int idx);
/* By name: for tests and readers of names; the walkers use enum li_code. */
int li_code_index(const char *code);

#endif /* LI_CODES_H */
