// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel's kallsyms tables, decoded out of a dump (see kallsyms.h).
 *
 * Layout (kernel/kallsyms.c, scripts/kallsyms.c):
 *   kallsyms_num_syms    u32, the number of symbols;
 *   kallsyms_names       per symbol a length (number of tokens; from 6.1 a
 *                        length with bit 7 set takes a second byte: "big"
 *                        symbols, (b0 & 0x7f) | b1 << 7) then that many token
 *                        numbers; the first character of the expansion is
 *                        the symbol's type ('T', 'd', ...);
 *   kallsyms_token_table 256 NUL-terminated tokens, kallsyms_token_index
 *                        the u16 offset of each;
 *   addresses            one of
 *     kallsyms_addresses[i]                      !KALLSYMS_BASE_RELATIVE
 *     offsets[i] >= 0 ? offsets[i]               KALLSYMS_ABSOLUTE_PERCPU
 *       : relative_base - 1 - offsets[i]         (x86_64 SMP up to 6.14)
 *     relative_base + (u32)offsets[i]            base-relative (6.15 - 6.19)
 *     &offsets[i] + (s32)offsets[i]              place-relative (7.0+, no
 *                                                kallsyms_relative_base)
 * The encoding is not written anywhere; like drgn we take the one that puts
 * _stext where VMCOREINFO says it is, and check a few more VMCOREINFO
 * symbols against the result.  Before 6.1 a length byte is never above 127
 * (KSYM_NAME_LEN was 128), so reading bit 7 as "big" is right for every
 * kernel that exports these symbols (6.0+).
 *
 * Every value read from the dump is checked before it is used: a corrupt
 * table is an input error, never a crash.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kallsyms.h"
#include "errbuf.h"
#include "file.h"

#define KSYM_MAX_SYMS		(1u << 23)
#define KSYM_MAX_TOKENS		1024		/* per symbol; KSYM_NAME_LEN is 512 */
#define KSYM_MAX_NAME		4096		/* bytes of one expanded name */
#define KSYM_MAX_NAMES_BYTES	(64u << 20)
#define KSYM_CHUNK		(256u << 10)

struct ksym_ent {
	uint64_t addr;
	uint32_t name;		/* offset in strings */
	char type;
};

struct ksym {
	struct ksym_ent *ents;
	size_t nr, cap;
	char *strings;
	size_t str_len, str_cap;
	uint32_t *hash;		/* index + 1 into ents; 0: empty */
	size_t hash_cap;	/* power of two */
	size_t nr_data;
	enum ksym_encoding enc;
};

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static bool is_global(char type)
{
	return isupper((unsigned char)type);
}

static int ksym_add(struct ksym *k, const char *name, size_t n, char type,
		    uint64_t addr)
{
	if (k->nr == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 4096;
		struct ksym_ent *e = realloc(k->ents, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		k->ents = e;
		k->cap = cap;
	}
	if (k->str_len + n + 1 > k->str_cap) {
		size_t cap = k->str_cap ? k->str_cap : 1 << 16;
		char *s;

		while (cap < k->str_len + n + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -EOVERFLOW;
		s = realloc(k->strings, cap);
		if (!s)
			return -ENOMEM;
		k->strings = s;
		k->str_cap = cap;
	}
	memcpy(k->strings + k->str_len, name, n);
	k->strings[k->str_len + n] = '\0';
	k->ents[k->nr++] = (struct ksym_ent){ .addr = addr,
					      .name = (uint32_t)k->str_len,
					      .type = type };
	k->str_len += n + 1;
	switch (tolower((unsigned char)type)) {
	case 'd': case 'b': case 'r': case 'g': case 's':
		k->nr_data++;
	}
	return 0;
}

static const char *ent_name(const struct ksym *k, size_t i)
{
	return k->strings + k->ents[i].name;
}

/* Index by name; a global wins over a local, otherwise the first one. */
static int ksym_index(struct ksym *k)
{
	size_t cap = 1, i, j;

	while (cap < k->nr * 2 + 2)
		cap *= 2;
	k->hash = calloc(cap, sizeof(*k->hash));
	if (!k->hash)
		return -ENOMEM;
	k->hash_cap = cap;
	for (i = 0; i < k->nr; i++) {
		const char *name = ent_name(k, i);

		for (j = str_hash(name) & (cap - 1); k->hash[j];
		     j = (j + 1) & (cap - 1)) {
			size_t o = k->hash[j] - 1;

			if (strcmp(ent_name(k, o), name))
				continue;
			if (!is_global(k->ents[o].type) &&
			    is_global(k->ents[i].type))
				k->hash[j] = (uint32_t)i + 1;
			break;
		}
		if (!k->hash[j])
			k->hash[j] = (uint32_t)i + 1;
	}
	return 0;
}

int ksym_lookup(struct ksym *k, const char *name, uint64_t *addr, char *type)
{
	size_t j;

	if (!k || !name)
		return -EINVAL;
	for (j = str_hash(name) & (k->hash_cap - 1); k->hash[j];
	     j = (j + 1) & (k->hash_cap - 1)) {
		const struct ksym_ent *e = &k->ents[k->hash[j] - 1];

		if (strcmp(k->strings + e->name, name))
			continue;
		if (addr)
			*addr = e->addr;
		if (type)
			*type = e->type;
		return 0;
	}
	return -ENOENT;
}

size_t ksym_count(const struct ksym *k)
{
	return k ? k->nr : 0;
}

int ksym_get(const struct ksym *k, size_t i, const char **name,
	     uint64_t *addr, char *type)
{
	if (!k || i >= k->nr)
		return -ENOENT;
	if (name)
		*name = ent_name(k, i);
	if (addr)
		*addr = k->ents[i].addr;
	if (type)
		*type = k->ents[i].type;
	return 0;
}

size_t ksym_data_count(const struct ksym *k)
{
	return k ? k->nr_data : 0;
}

enum ksym_encoding ksym_encoding(const struct ksym *k)
{
	return k->enc;
}

const char *ksym_encoding_name(enum ksym_encoding e)
{
	switch (e) {
	case KSYM_ENC_TEXT:
		return "text";
	case KSYM_ENC_ABSOLUTE:
		return "absolute";
	case KSYM_ENC_ABS_PERCPU:
		return "absolute-percpu";
	case KSYM_ENC_BASE_RELATIVE:
		return "base-relative";
	case KSYM_ENC_PLACE_RELATIVE:
		return "place-relative";
	}
	return "?";
}

void ksym_close(struct ksym *k)
{
	if (!k)
		return;
	free(k->ents);
	free(k->strings);
	free(k->hash);
	free(k);
}

/* ---- from a dump ------------------------------------------------------- */

/* A growing copy of a region of kernel memory that starts at base. */
struct kbuf {
	const struct ksym_mem *mem;
	uint64_t base;
	unsigned char *p;
	size_t len, limit;
};

/* Make [0, need) available; -EIO style errors from the read as they are. */
static int kbuf_need(struct kbuf *b, size_t need)
{
	size_t want;
	unsigned char *p;
	int err;

	if (need <= b->len)
		return 0;
	if (need > b->limit)
		return -E2BIG;
	want = b->len + KSYM_CHUNK;
	if (want < need)
		want = need;
	if (want > b->limit)
		want = b->limit;
	p = realloc(b->p, want);
	if (!p)
		return -ENOMEM;
	b->p = p;
	err = b->mem->read(b->mem->ctx, b->base + b->len, p + b->len,
			   want - b->len);
	if (err && want > need) {
		/* the chunk may run past mapped memory: only what is needed */
		want = need;
		err = b->mem->read(b->mem->ctx, b->base + b->len, p + b->len,
				   want - b->len);
	}
	if (err)
		return err;
	b->len = want;
	return 0;
}

static int info_addr(const struct ksym_mem *mem, const char *sym,
		     uint64_t *addr)
{
	char key[96], val[64], *end;

	snprintf(key, sizeof(key), "SYMBOL(%s)", sym);
	if (mem->info(mem->ctx, key, val, sizeof(val)))
		return -ENOENT;
	errno = 0;
	*addr = strtoull(val, &end, 16);
	if (errno || end == val || *end)
		return -EINVAL;
	return 0;
}

struct kdump_tabs {
	uint64_t names, token_table, token_index, num_syms, offsets,
		 relative_base, addresses, stext;
	bool has_offsets, has_base, has_addresses;
	uint32_t nr;
	uint16_t token_index_v[256];
	char *tokens;
	size_t tokens_len;
};

static int read_tokens(const struct ksym_mem *mem, struct kdump_tabs *t,
		       char *errbuf, size_t errlen)
{
	struct kbuf b = { .mem = mem, .base = t->token_table,
			  .limit = 65536 + 4096 };
	size_t top = 0, i, end;
	int err;

	err = mem->read(mem->ctx, t->token_index, t->token_index_v,
			sizeof(t->token_index_v));
	if (err)
		return li_errbuf(errbuf, errlen, err,
			     "cannot read kallsyms_token_index at 0x%llx: %s",
			     (unsigned long long)t->token_index, strerror(-err));
	for (i = 0; i < 256; i++)
		if (t->token_index_v[i] > top)
			top = t->token_index_v[i];
	/* the last token ends at the first NUL after the highest offset */
	for (end = top;; end++) {
		err = kbuf_need(&b, end + 1);
		if (err) {
			free(b.p);
			return li_errbuf(errbuf, errlen, err == -E2BIG ? -EINVAL : err,
				     "cannot read kallsyms_token_table at 0x%llx: %s",
				     (unsigned long long)t->token_table,
				     err == -E2BIG ? "no end of the last token" :
						     strerror(-err));
		}
		if (!b.p[end])
			break;
	}
	t->tokens = (char *)b.p;
	t->tokens_len = end + 1;
	/* every token must end inside the copy: the last byte is a NUL */
	return 0;
}

/* Expand symbol i at *off of the names; advances *off. */
static int expand_one(struct kbuf *names, const struct kdump_tabs *t,
		      size_t *off, char *out, size_t *outlen, char *type)
{
	size_t len, hdr = 1, n = 0, i;
	int err;

	err = kbuf_need(names, *off + 2);
	if (err)
		return err;
	len = names->p[*off];
	if (len & 0x80) {
		len = (len & 0x7f) | ((size_t)names->p[*off + 1] << 7);
		hdr = 2;
	}
	if (!len || len > KSYM_MAX_TOKENS)
		return -EINVAL;
	err = kbuf_need(names, *off + hdr + len);
	if (err)
		return err;
	*type = 0;
	for (i = 0; i < len; i++) {
		const char *tok = t->tokens +
				  t->token_index_v[names->p[*off + hdr + i]];

		for (; *tok; tok++) {
			if (!*type) {
				*type = *tok;
				continue;
			}
			if (n + 1 >= KSYM_MAX_NAME)
				return -EINVAL;
			out[n++] = *tok;
		}
	}
	out[n] = '\0';
	*outlen = n;
	*off += hdr + len;
	return *type && n ? 0 : -EINVAL;
}

static int read_names(const struct ksym_mem *mem, struct kdump_tabs *t,
		      struct ksym *k, char *errbuf, size_t errlen)
{
	struct kbuf names = { .mem = mem, .base = t->names,
			      .limit = KSYM_MAX_NAMES_BYTES };
	char *name = malloc(KSYM_MAX_NAME);
	size_t off = 0, n;
	char type;
	uint32_t i;
	int err = name ? 0 : -ENOMEM;

	for (i = 0; i < t->nr && !err; i++) {
		err = expand_one(&names, t, &off, name, &n, &type);
		if (err) {
			err = li_errbuf(errbuf, errlen, err == -ENOMEM ? err : -EINVAL,
				    "kallsyms_names at 0x%llx: symbol %u of %u %s",
				    (unsigned long long)t->names, i, t->nr,
				    err == -EINVAL || err == -E2BIG ?
					    "does not decode: corrupt tables" :
					    strerror(-err));
			break;
		}
		err = ksym_add(k, name, n, type, 0);
	}
	free(name);
	free(names.p);
	return err;
}

/* Symbol index of name (first), or -1. */
static long find_index(const struct ksym *k, const char *name)
{
	for (size_t i = 0; i < k->nr; i++)
		if (!strcmp(ent_name(k, i), name))
			return (long)i;
	return -1;
}

static uint64_t decode(enum ksym_encoding enc, const struct kdump_tabs *t,
		       const uint32_t *v, size_t i)
{
	switch (enc) {
	case KSYM_ENC_ABS_PERCPU:
		if ((int32_t)v[i] >= 0)
			return v[i];
		return t->relative_base - 1 - (int64_t)(int32_t)v[i];
	case KSYM_ENC_BASE_RELATIVE:
		return t->relative_base + v[i];
	case KSYM_ENC_PLACE_RELATIVE:
		return t->offsets + 4 * i + (int64_t)(int32_t)v[i];
	default:
		return 0;
	}
}

/* VMCOREINFO symbols that kallsyms also lists, to check the decoding. */
static const char *const anchors[] = {
	"init_uts_ns", "swapper_pg_dir", "node_data", "prb", "clear_seq",
	"node_online_map",
};

static int check_anchors(const struct ksym_mem *mem, struct ksym *k,
			 char *errbuf, size_t errlen)
{
	uint64_t want, got;
	size_t i;

	for (i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++) {
		if (info_addr(mem, anchors[i], &want) ||
		    ksym_lookup(k, anchors[i], &got, NULL))
			continue;
		if (got != want)
			return li_errbuf(errbuf, errlen, -EINVAL,
				     "kallsyms (%s) put %s at 0x%llx, VMCOREINFO at 0x%llx: corrupt tables",
				     ksym_encoding_name(k->enc), anchors[i],
				     (unsigned long long)got,
				     (unsigned long long)want);
	}
	return 0;
}

static int read_addresses(const struct ksym_mem *mem, struct kdump_tabs *t,
			  struct ksym *k, char *errbuf, size_t errlen)
{
	static const enum ksym_encoding order[] = {
		KSYM_ENC_ABS_PERCPU, KSYM_ENC_BASE_RELATIVE,
		KSYM_ENC_PLACE_RELATIVE,
	};
	long stext = find_index(k, "_stext");
	uint32_t *v = NULL;
	size_t i, e;
	int err;

	if (stext < 0)
		return li_errbuf(errbuf, errlen, -EINVAL,
			     "kallsyms of the dump has no _stext: corrupt tables?");
	if (t->has_addresses && !t->has_offsets) {
		uint64_t *a = malloc((size_t)t->nr * 8);

		if (!a)
			return -ENOMEM;
		err = mem->read(mem->ctx, t->addresses, a, (size_t)t->nr * 8);
		if (err) {
			free(a);
			return li_errbuf(errbuf, errlen, err,
				     "cannot read kallsyms_addresses at 0x%llx: %s",
				     (unsigned long long)t->addresses,
				     strerror(-err));
		}
		for (i = 0; i < t->nr; i++)
			k->ents[i].addr = a[i];
		free(a);
		k->enc = KSYM_ENC_ABSOLUTE;
		if (k->ents[stext].addr != t->stext)
			return li_errbuf(errbuf, errlen, -EINVAL,
				     "kallsyms_addresses put _stext at 0x%llx, VMCOREINFO at 0x%llx",
				     (unsigned long long)k->ents[stext].addr,
				     (unsigned long long)t->stext);
		return check_anchors(mem, k, errbuf, errlen);
	}
	v = malloc((size_t)t->nr * 4);
	if (!v)
		return -ENOMEM;
	err = mem->read(mem->ctx, t->offsets, v, (size_t)t->nr * 4);
	if (err) {
		free(v);
		return li_errbuf(errbuf, errlen, err,
			     "cannot read kallsyms_offsets at 0x%llx: %s",
			     (unsigned long long)t->offsets, strerror(-err));
	}
	for (e = 0; e < sizeof(order) / sizeof(order[0]); e++) {
		if (order[e] != KSYM_ENC_PLACE_RELATIVE && !t->has_base)
			continue;
		if (decode(order[e], t, v, (size_t)stext) == t->stext)
			break;
	}
	if (e == sizeof(order) / sizeof(order[0])) {
		free(v);
		return li_errbuf(errbuf, errlen, -EINVAL,
			     "kallsyms_offsets decode _stext to none of VMCOREINFO's 0x%llx (absolute-percpu, base-relative or place-relative): unknown encoding or corrupt tables",
			     (unsigned long long)t->stext);
	}
	k->enc = order[e];
	for (i = 0; i < t->nr; i++)
		k->ents[i].addr = decode(k->enc, t, v, i);
	free(v);
	return check_anchors(mem, k, errbuf, errlen);
}

int ksym_open_mem(const struct ksym_mem *mem, struct ksym **out,
		  char *errbuf, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
	} need[] = {
		{ "kallsyms_names", offsetof(struct kdump_tabs, names) },
		{ "kallsyms_token_table", offsetof(struct kdump_tabs, token_table) },
		{ "kallsyms_token_index", offsetof(struct kdump_tabs, token_index) },
		{ "kallsyms_num_syms", offsetof(struct kdump_tabs, num_syms) },
		{ "_stext", offsetof(struct kdump_tabs, stext) },
	};
	struct kdump_tabs t = { 0 };
	struct ksym *k;
	size_t i;
	int err;

	*out = NULL;
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (info_addr(mem, need[i].name,
			      (uint64_t *)((char *)&t + need[i].off)))
			return li_errbuf(errbuf, errlen, -ENOENT,
				     "the dump's VMCOREINFO has no SYMBOL(%s): no kallsyms to read (kernels before 6.0 do not export them)",
				     need[i].name);
	t.has_offsets = !info_addr(mem, "kallsyms_offsets", &t.offsets);
	t.has_base = !info_addr(mem, "kallsyms_relative_base",
				&t.relative_base);
	t.has_addresses = !info_addr(mem, "kallsyms_addresses", &t.addresses);
	if (!t.has_offsets && !t.has_addresses)
		return li_errbuf(errbuf, errlen, -ENOENT,
			     "the dump's VMCOREINFO has neither SYMBOL(kallsyms_offsets) nor SYMBOL(kallsyms_addresses)");
	if (t.has_base) {
		err = mem->read(mem->ctx, t.relative_base, &t.relative_base, 8);
		if (err)
			return li_errbuf(errbuf, errlen, err,
				     "cannot read kallsyms_relative_base: %s",
				     strerror(-err));
	}
	err = mem->read(mem->ctx, t.num_syms, &t.nr, 4);
	if (err)
		return li_errbuf(errbuf, errlen, err,
			     "cannot read kallsyms_num_syms at 0x%llx: %s",
			     (unsigned long long)t.num_syms, strerror(-err));
	if (!t.nr || t.nr > KSYM_MAX_SYMS)
		return li_errbuf(errbuf, errlen, -EINVAL,
			     "implausible kallsyms_num_syms %u", t.nr);
	err = read_tokens(mem, &t, errbuf, errlen);
	if (err)
		return err;
	k = calloc(1, sizeof(*k));
	if (!k) {
		free(t.tokens);
		return -ENOMEM;
	}
	err = read_names(mem, &t, k, errbuf, errlen);
	free(t.tokens);
	if (!err)
		err = ksym_index(k);
	if (!err)
		err = read_addresses(mem, &t, k, errbuf, errlen);
	if (err) {
		if (err == -ENOMEM && errbuf && errlen && !errbuf[0])
			snprintf(errbuf, errlen, "out of memory");
		ksym_close(k);
		return err;
	}
	*out = k;
	return 0;
}

/* ---- /proc/kallsyms ---------------------------------------------------- */

int ksym_open_file(const char *path, struct ksym **out, char *errbuf,
		   size_t errlen)
{
	char *line = NULL, *end, *type, *name, *mod;
	size_t cap = 0, lineno = 0, nonzero = 0;
	struct ksym *k;
	uint64_t addr;
	FILE *f;
	int err = 0, fd;

	*out = NULL;
	fd = li_open_regular(path, "kallsyms", errbuf, errlen);
	if (fd < 0)
		return fd;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return li_errbuf(errbuf, errlen, -ENOMEM, "out of memory");
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		fclose(f);
		return -ENOMEM;
	}
	k->enc = KSYM_ENC_TEXT;
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		errno = 0;
		addr = strtoull(line, &end, 16);
		type = strtok(end, " \t\n");
		name = type ? strtok(NULL, " \t\n") : NULL;
		mod = name ? strtok(NULL, " \t\n") : NULL;
		if (errno || end == line || !name || strlen(type) != 1) {
			err = li_errbuf(errbuf, errlen, -EINVAL,
				    "%s:%zu: not a kallsyms line", path, lineno);
			break;
		}
		if (mod)	/* "[module]": only the kernel's own symbols */
			continue;
		nonzero += addr != 0;
		err = ksym_add(k, name, strlen(name), type[0], addr);
		if (err)
			break;
	}
	free(line);
	if (!err && ferror(f))
		err = li_errbuf(errbuf, errlen, -EIO, "cannot read %s", path);
	fclose(f);
	if (!err && !k->nr)
		err = li_errbuf(errbuf, errlen, -EINVAL, "%s lists no symbols", path);
	if (!err && !nonzero)
		err = li_errbuf(errbuf, errlen, -EPERM,
			    "%s shows every address as 0 (kptr_restrict): run as root",
			    path);
	if (!err)
		err = ksym_index(k);
	if (err) {
		ksym_close(k);
		return err;
	}
	*out = k;
	return 0;
}
