/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hugetlb folios and HVO (hugetlb.c).
 */
#ifndef LI_HUGETLB_H
#define LI_HUGETLB_H

#include "internal.h"

int li_hugetlb_walk(struct li_ctx *c);

#endif /* LI_HUGETLB_H */
