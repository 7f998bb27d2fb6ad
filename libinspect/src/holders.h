/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Holders: the user page tables that map device memory (holders.c).
 */
#ifndef LI_HOLDERS_H
#define LI_HOLDERS_H

#include "internal.h"

int li_holders_walk(struct li_ctx *c);
const char *li_holder_level_name(enum li_holder_level l);
const char *li_holder_kind_name(enum li_holder_kind k);
/* An allocated PRIVATE/COHERENT page, judged by li_holders_leaks(). */
void li_leak_note(struct li_ctx *c, uint64_t pfn, uint64_t nr,
		  uint64_t pgmap, int32_t ref, int idle);
int li_holders_leaks(struct li_ctx *c);

#endif /* LI_HOLDERS_H */
