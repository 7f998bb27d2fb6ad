/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Progress and cancellation of a check (progress.c).
 */
#ifndef LI_PROGRESS_H
#define LI_PROGRESS_H

#include "internal.h"

/* Reports progress; -EINTR once the caller's callback asked to stop. */
int li_progress(struct li_ctx *c, const char *phase, uint64_t done,
		uint64_t total);

#endif /* LI_PROGRESS_H */
