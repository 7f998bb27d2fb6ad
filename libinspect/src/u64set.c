// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Open-addressing set of u64 keys, bounded: its table stops growing at
 * FRAMESET_MAX slots and the set says full (the callers then approximate).
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "u64set.h"

#define FRAMESET_MAX	(1u << 22)	/* 32 MiB of frames, then approximate */

/* Start over; the table regrows with the range, so cost stays O(range). */
void li_set_reset(struct li_u64set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int li_set_add(struct li_u64set *s, uint64_t frame)
{
	uint64_t key = frame + 1, h;	/* 0 marks an empty slot */

	if (s->nr * 2 >= s->cap) {
		struct li_u64set n = { .cap = s->cap ? s->cap * 2 : 1024 };

		if (n.cap > FRAMESET_MAX) {
			s->full = true;
			return 0;
		}
		n.v = calloc(n.cap, sizeof(*n.v));
		if (!n.v)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				li_set_add(&n, s->v[i] - 1);
		free(s->v);
		*s = n;
	}
	h = (frame * 0x9e3779b97f4a7c15ULL) >> 20;
	for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (s->v[i] == key)
			return 0;
		if (!s->v[i]) {
			s->v[i] = key;
			s->nr++;
			return 1;
		}
	}
}
