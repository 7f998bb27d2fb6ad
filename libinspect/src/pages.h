/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The struct page walk over every pgmap range (pages.c).
 */
#ifndef LI_PAGES_H
#define LI_PAGES_H

#include "internal.h"

int li_walk_pages(struct li_ctx *c);

#endif /* LI_PAGES_H */
