// SPDX-License-Identifier: LGPL-2.1-or-later
/* Progress and cancellation: once cancelled, every phase stops. */
#include "internal.h"
#include "progress.h"

int li_progress(struct li_ctx *c, const char *phase, uint64_t done,
		uint64_t total)
{
	if (c->cancelled)
		return -EINTR;
	if (c->opts->progress &&
	    c->opts->progress(c->opts->progress_arg, phase, done, total))
		c->cancelled = 1;
	return c->cancelled ? -EINTR : 0;
}
