/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A persistent memo of type/symbol answers for one vmlinux, keyed by its
 * build-id: the second run on a kernel answers every question the core
 * asks without touching its 170 MiB of DWARF or its symtab.
 */
#ifndef LI_DWARF_MEMO_H
#define LI_DWARF_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dwm;

struct dwm_answer {
	int err;		/* 0 or -ENOENT; other errors are not kept */
	uint64_t val, aux;
};

/*
 * $PGMAPCHECK_CACHE (default ~/.cache/pgmapcheck), for the vmlinux search
 * and the memo files.
 */
void dwm_cache_dir(char *buf, size_t len);

/*
 * NULL (no memo, every call below is then a no-op) without a build-id or
 * when PGMAPCHECK_TYPE_CACHE=0.
 */
struct dwm *dwm_open(const char *build_id, uint64_t file_size);
bool dwm_get(struct dwm *m, const char *key, struct dwm_answer *a);
void dwm_put(struct dwm *m, const char *key, const struct dwm_answer *a);
/* Writes the file back (atomically) when answers were added. */
void dwm_close(struct dwm *m);

#endif /* LI_DWARF_MEMO_H */
