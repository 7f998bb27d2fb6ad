// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Memo of type/symbol answers per vmlinux build-id, in
 * $PGMAPCHECK_CACHE/types/<build-id>.memo:
 *
 *   pgmapcheck-type-memo 1 <build-id> <vmlinux size>
 *   <err> <val hex> <aux hex> <key>
 *   ...
 *
 * Keys are one letter (the question) and the question's arguments; they
 * hold no tab or newline.  A file that does not parse is ignored and
 * rewritten; a cache directory that cannot be written only costs speed.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dwarf_memo.h"

#define DWM_MAGIC	"pgmapcheck-type-memo 1"
#define DWM_MAX_ENTRIES	(1u << 16)

struct dwm_ent {
	char *key;
	struct dwm_answer a;
};

struct dwm {
	char path[4096];
	char header[256];
	struct dwm_ent *v;
	size_t cap, nr;		/* open addressing, cap a power of two */
	bool dirty;
};

void dwm_cache_dir(char *buf, size_t len)
{
	const char *env = getenv("PGMAPCHECK_CACHE");
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	/* a guest's init or a cron job may run without $HOME */
	if (!home || !*home) {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "";
	}
	snprintf(buf, len, "%s/.cache/pgmapcheck", home);
}

static uint32_t key_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct dwm_ent *slot(struct dwm *m, const char *key)
{
	size_t i;

	for (i = key_hash(key) & (m->cap - 1); m->v[i].key;
	     i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->v[i].key, key))
			break;
	return &m->v[i];
}

static int grow(struct dwm *m)
{
	struct dwm old = *m;
	size_t i;

	m->cap = m->cap ? m->cap * 2 : 256;
	m->v = calloc(m->cap, sizeof(*m->v));
	if (!m->v) {
		*m = old;
		return -ENOMEM;
	}
	for (i = 0; i < old.cap; i++)
		if (old.v[i].key)
			*slot(m, old.v[i].key) = old.v[i];
	free(old.v);
	return 0;
}

static void insert(struct dwm *m, const char *key, const struct dwm_answer *a)
{
	struct dwm_ent *e;

	if (m->nr >= DWM_MAX_ENTRIES || ((m->nr + 1) * 2 > m->cap && grow(m)))
		return;
	e = slot(m, key);
	if (e->key) {
		e->a = *a;
		return;
	}
	e->key = strdup(key);
	if (!e->key)
		return;
	e->a = *a;
	m->nr++;
}

static bool valid_key(const char *key)
{
	return *key && !strpbrk(key, "\t\n");
}

/* Entries after a matching header; anything malformed drops the rest. */
static void load(struct dwm *m, FILE *f)
{
	char line[1024], *key;
	unsigned long long val, aux;
	struct dwm_answer a;
	int err, n;

	if (!fgets(line, sizeof(line), f) || strcmp(line, m->header))
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d %llx %llx %n", &err, &val, &aux, &n) != 3 ||
		    (err && err != -ENOENT))
			return;
		key = line + n;
		key[strcspn(key, "\n")] = '\0';
		if (!valid_key(key))
			return;
		a = (struct dwm_answer){ .err = err, .val = val, .aux = aux };
		insert(m, key, &a);
	}
}

struct dwm *dwm_open(const char *build_id, uint64_t file_size)
{
	const char *env = getenv("PGMAPCHECK_TYPE_CACHE");
	char dir[4096];
	struct dwm *m;
	int n, h;
	FILE *f;

	if (!build_id || !*build_id || (env && !strcmp(env, "0")))
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	dwm_cache_dir(dir, sizeof(dir));
	n = snprintf(m->path, sizeof(m->path), "%s/types/%s.memo", dir,
		     build_id);
	h = snprintf(m->header, sizeof(m->header), "%s %s %llu\n", DWM_MAGIC,
		     build_id, (unsigned long long)file_size);
	if (n < 0 || (size_t)n >= sizeof(m->path) || h < 0 ||
	    (size_t)h >= sizeof(m->header) || grow(m)) {
		free(m);
		return NULL;
	}
	f = fopen(m->path, "re");
	if (f) {
		load(m, f);
		fclose(f);
	}
	return m;
}

bool dwm_get(struct dwm *m, const char *key, struct dwm_answer *a)
{
	struct dwm_ent *e;

	if (!m)
		return false;
	e = slot(m, key);
	if (!e->key)
		return false;
	*a = e->a;
	return true;
}

void dwm_put(struct dwm *m, const char *key, const struct dwm_answer *a)
{
	if (!m || (a->err && a->err != -ENOENT) || !valid_key(key))
		return;
	insert(m, key, a);
	m->dirty = true;
}

static void save(struct dwm *m)
{
	char tmp[4200], *slash;
	size_t i;
	FILE *f;
	int n;

	/* mkdir -p of the cache directory and its types/ */
	strcpy(tmp, m->path);
	for (slash = strchr(tmp + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(tmp, 0755);
		*slash = '/';
	}
	n = snprintf(tmp, sizeof(tmp), "%s.%d.tmp", m->path, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return;
	f = fopen(tmp, "we");
	if (!f)
		return;
	fputs(m->header, f);
	for (i = 0; i < m->cap; i++)
		if (m->v[i].key)
			fprintf(f, "%d %llx %llx %s\n", m->v[i].a.err,
				(unsigned long long)m->v[i].a.val,
				(unsigned long long)m->v[i].a.aux, m->v[i].key);
	if (fclose(f) || rename(tmp, m->path))
		unlink(tmp);
}

void dwm_close(struct dwm *m)
{
	size_t i;

	if (!m)
		return;
	if (m->dirty)
		save(m);
	for (i = 0; i < m->cap; i++)
		free(m->v[i].key);
	free(m->v);
	free(m);
}
