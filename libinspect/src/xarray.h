/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pgmap_array (an xarray) walked into runs (xarray.c).
 */
#ifndef LI_XARRAY_H
#define LI_XARRAY_H

#include "internal.h"

int li_xa_walk(struct li_ctx *c, uint64_t xa, struct li_run **runs,
	       size_t *nr, uint64_t *nodes);

#endif /* LI_XARRAY_H */
