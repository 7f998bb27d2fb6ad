/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Open-addressing set of u64 keys, bounded (u64set.c): frames, tables
 * and list nodes seen by the walkers.
 */
#ifndef LI_U64SET_H
#define LI_U64SET_H

#include "internal.h"

/* 1 if added, 0 if present (or the set is full), -ENOMEM */
int li_set_add(struct li_u64set *s, uint64_t key);
/* Empty it and free its table. */
void li_set_reset(struct li_u64set *s);

#endif /* LI_U64SET_H */
