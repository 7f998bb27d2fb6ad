/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libinspect target implemented with crash's own memory, type and
 * symbol access (crash_target.c).
 */
#ifndef PGMAPCHECK_CRASH_TARGET_H
#define PGMAPCHECK_CRASH_TARGET_H

#include <stdio.h>
#include "libinspect.h"

/* Fill t for the kernel crash is looking at; t stays valid until exit. */
void crash_target_init(struct li_target *t);
/* frees what the target keeps for the session (the dump file's map) */
void crash_target_fini(void);

/*
 * crash puts its own SIGINT handler back after every call into gdb, which
 * the type callbacks make: while sa is set (NULL: stop), they reinstall it
 * after each such call.
 */
struct sigaction;
void crash_target_keep_sigint(const struct sigaction *sa);

/*
 * Answer one adapter query ("sizeof:struct page", "offsetof:struct
 * page:flags", "enum:ZONE_DEVICE", "symbol:pgmap_array",
 * "vmcoreinfo:OSRELEASE", "read:kv|phys:ADDR:LEN") on out: the debugging
 * face of the callbacks, so that they can be checked against crash's own
 * commands.  Returns 0 or a negative errno (-EINVAL: malformed query).
 */
int crash_target_query(const struct li_target *t, const char *query,
		       FILE *out);

#endif /* PGMAPCHECK_CRASH_TARGET_H */
