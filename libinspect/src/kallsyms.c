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
#include "internal.h"

#define KSYM_MAX_SYMS		(1u << 23)
#define KSYM_MAX_TOKENS		1024		/* per symbol; KSYM_NAME_LEN is 512 */
#define KSYM_MAX_NAME		4096		/* bytes of one expanded name */
#define KSYM_MAX_NAMES_BYTES	(64u << 20)
#define KSYM_CHUNK		(256u << 10)
#define KSYM_HASH_MUL		0x9e3779b1u
#define KSYM_MARK		64		/* a dump's symbols per name_off */

/* A target's mapping (len > 0), or a buffer of ours (len 0) */
struct kmap {
	void *base;
	size_t len;
};

/*
 * A dump's names stay compressed (a third of their expanded size) and only
 * the few that are asked for are expanded.  What is kept of each name is a
 * hash, which a polynomial hash lets us compute token by token from the
 * tokens' hashes, without expanding anything.  A lookup scans the hashes
 * (a few dozen lookups per run, each ~0.1 ms for 200k symbols): cheaper
 * than building a hash table, whose every insertion is a cache miss.
 */
struct ksym {
	size_t nr, nr_data;
	enum ksym_encoding enc;
	/* per symbol in strings; in names, of every KSYM_MARK-th symbol */
	uint32_t *name_off;
	/* a file's symbols: "Tname" (type, then name) each, and addresses */
	char *strings;
	size_t str_len, str_cap, cap;
	uint64_t *addrs;	/* file or kallsyms_addresses; else from rel */
	/* a dump's tables */
	const unsigned char *names;	/* kallsyms_names */
	struct kmap names_map, rel_map;
	void (*unmap)(void *map, size_t maplen);
	char *tokens;
	uint16_t tok_idx[256];
	uint32_t tok_len[256], tok_hash[256], tok_pow[256];
	const uint32_t *rel;	/* kallsyms_offsets */
	uint64_t offsets, relative_base;
	uint32_t *hash;		/* per symbol, of its name */
	char buf[KSYM_MAX_NAME];	/* ksym_get()'s name */
};

static uint32_t hash_fold(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = h * KSYM_HASH_MUL + (unsigned char)s[i];
	return h;
}

static bool is_global(char type)
{
	return isupper((unsigned char)type);
}

static bool is_data(char type)
{
	switch (tolower((unsigned char)type)) {
	case 'd': case 'b': case 'r': case 'g': case 's':
		return true;
	}
	return false;
}

/* Token count of the name at p (1 or 2 header bytes: *hdr). */
static size_t name_len(const unsigned char *p, size_t *hdr)
{
	*hdr = 1;
	if (!(p[0] & 0x80))
		return p[0];
	*hdr = 2;
	return (p[0] & 0x7fu) | (size_t)p[1] << 7;
}

/* Where symbol i's name starts in a dump's names. */
static const unsigned char *sym_at(const struct ksym *k, size_t i)
{
	const unsigned char *p = k->names + k->name_off[i / KSYM_MARK];
	size_t j, hdr, len;

	for (j = i % KSYM_MARK; j; j--) {
		len = name_len(p, &hdr);
		p += hdr + len;
	}
	return p;
}

/* Symbol i's name (a dump's expanded into buf) and type. */
static const char *sym_name(const struct ksym *k, size_t i, char *buf,
			    char *type)
{
	const unsigned char *p;
	size_t len, hdr, n = 0;

	if (!k->names) {
		*type = k->strings[k->name_off[i]];
		return k->strings + k->name_off[i] + 1;
	}
	p = sym_at(k, i);
	len = name_len(p, &hdr);
	*type = 0;
	/* the index checked that the name fits */
	for (p += hdr; len--; p++) {
		const char *tok = k->tokens + k->tok_idx[*p];
		size_t l = k->tok_len[*p];

		if (!*type) {
			if (!l)
				continue;
			*type = *tok++;
			l--;
		}
		memcpy(buf + n, tok, l);
		n += l;
	}
	buf[n] = '\0';
	return buf;
}

static uint64_t sym_addr(const struct ksym *k, size_t i)
{
	int32_t v;

	if (k->addrs)
		return k->addrs[i];
	v = (int32_t)k->rel[i];
	switch (k->enc) {
	case KSYM_ENC_ABS_PERCPU:
		return v >= 0 ? (uint64_t)v : k->relative_base - 1 - (int64_t)v;
	case KSYM_ENC_BASE_RELATIVE:
		return k->relative_base + k->rel[i];
	case KSYM_ENC_PLACE_RELATIVE:
		return k->offsets + 4 * i + (int64_t)v;
	default:
		return 0;
	}
}

static int ksym_add(struct ksym *k, const char *name, size_t n, char type,
		    uint64_t addr)
{
	if (k->nr == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 4096;
		uint32_t *o = realloc(k->name_off, cap * sizeof(*o)), *h;
		uint64_t *a;

		if (o)
			k->name_off = o;
		h = o ? realloc(k->hash, cap * sizeof(*h)) : NULL;
		if (h)
			k->hash = h;
		a = h ? realloc(k->addrs, cap * sizeof(*a)) : NULL;
		if (!a)
			return -ENOMEM;
		k->addrs = a;
		k->cap = cap;
	}
	if (k->str_len + n + 2 > k->str_cap) {
		size_t cap = k->str_cap ? k->str_cap : 1 << 16;
		char *s;

		while (cap < k->str_len + n + 2)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -EOVERFLOW;
		s = realloc(k->strings, cap);
		if (!s)
			return -ENOMEM;
		k->strings = s;
		k->str_cap = cap;
	}
	k->strings[k->str_len] = type;
	memcpy(k->strings + k->str_len + 1, name, n);
	k->strings[k->str_len + 1 + n] = '\0';
	k->name_off[k->nr] = (uint32_t)k->str_len;
	k->hash[k->nr] = hash_fold(0, name, n);
	k->addrs[k->nr++] = addr;
	k->str_len += n + 2;
	k->nr_data += is_data(type);
	return 0;
}

int ksym_lookup(struct ksym *k, const char *name, uint64_t *addr, char *type)
{
	char buf[KSYM_MAX_NAME], t, found_t = 0;
	size_t i, found = SIZE_MAX;
	uint32_t h;

	if (!k || !name)
		return -EINVAL;
	h = hash_fold(0, name, strlen(name));
	/* a global wins over a local, otherwise the first one */
	for (i = 0; (i = li_find_u32(k->hash, k->nr, i, h)) < k->nr; i++) {
		if (strcmp(sym_name(k, i, buf, &t), name))
			continue;
		if (found == SIZE_MAX || is_global(t)) {
			found = i;
			found_t = t;
		}
		if (is_global(t))
			break;
	}
	if (found == SIZE_MAX)
		return -ENOENT;
	if (addr)
		*addr = sym_addr(k, found);
	if (type)
		*type = found_t;
	return 0;
}

size_t ksym_count(const struct ksym *k)
{
	return k ? k->nr : 0;
}

int ksym_get(struct ksym *k, size_t i, const char **name, uint64_t *addr,
	     char *type)
{
	const char *n;
	char t;

	if (!k || i >= k->nr)
		return -ENOENT;
	n = sym_name(k, i, k->buf, &t);
	if (name)
		*name = n;
	if (addr)
		*addr = sym_addr(k, i);
	if (type)
		*type = t;
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

static void kmap_release(const struct ksym *k, struct kmap *m)
{
	if (m->len)
		k->unmap(m->base, m->len);
	else
		free(m->base);
}

/* len bytes at addr mapped by the target, or NULL. */
static const void *kmap_get(const struct ksym_mem *mem, struct ksym *k,
			    uint64_t addr, size_t len, struct kmap *m)
{
	const void *p;

	if (!mem->map || !mem->unmap)
		return NULL;
	p = mem->map(mem->ctx, addr, len, &m->base, &m->len);
	if (!p || !m->len) {
		m->base = NULL;
		m->len = 0;
		return NULL;
	}
	k->unmap = mem->unmap;
	return p;
}

void ksym_close(struct ksym *k)
{
	if (!k)
		return;
	free(k->name_off);
	free(k->strings);
	free(k->addrs);
	kmap_release(k, &k->names_map);
	kmap_release(k, &k->rel_map);
	free(k->tokens);
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
};

/* The 256 tokens, their lengths and hashes, into k. */
static int read_tokens(const struct ksym_mem *mem, const struct kdump_tabs *t,
		       struct ksym *k, char *errbuf, size_t errlen)
{
	struct kbuf b = { .mem = mem, .base = t->token_table,
			  .limit = 65536 + 4096 };
	size_t top = 0, i, end;
	int err;

	err = mem->read(mem->ctx, t->token_index, k->tok_idx,
			sizeof(k->tok_idx));
	if (err)
		return li_errbuf(errbuf, errlen, err,
			     "cannot read kallsyms_token_index at 0x%llx: %s",
			     (unsigned long long)t->token_index, strerror(-err));
	for (i = 0; i < 256; i++)
		if (k->tok_idx[i] > top)
			top = k->tok_idx[i];
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
	/* every token ends inside the copy: its last byte is a NUL */
	k->tokens = (char *)b.p;
	for (i = 0; i < 256; i++) {
		const char *tok = k->tokens + k->tok_idx[i];
		uint32_t pow = 1;

		k->tok_len[i] = (uint32_t)strlen(tok);
		k->tok_hash[i] = hash_fold(0, tok, k->tok_len[i]);
		for (size_t j = 0; j < k->tok_len[i]; j++)
			pow *= KSYM_HASH_MUL;
		k->tok_pow[i] = pow;
	}
	return 0;
}

/*
 * Check the name at *off of names and index it as symbol i: the hash of
 * its expansion (the type character left out) from the tokens' hashes,
 * h(ab) = h(a) * MUL^len(b) + h(b).  Advances *off.
 */
static int scan_one(struct kbuf *names, struct ksym *k, size_t i, size_t *off)
{
	const unsigned char *p;
	size_t len, hdr, n = 0, j;
	uint32_t h = 0;
	char type = 0;
	int err;

	err = kbuf_need(names, *off + 2);
	if (err)
		return err;
	len = name_len(names->p + *off, &hdr);
	if (!len || len > KSYM_MAX_TOKENS)
		return -EINVAL;
	err = kbuf_need(names, *off + hdr + len);
	if (err)
		return err;
	p = names->p + *off + hdr;
	for (j = 0; j < len && !type; j++) {	/* the type: the first character */
		const char *s = k->tokens + k->tok_idx[p[j]];

		if (*s) {
			type = *s;
			n = k->tok_len[p[j]] - 1;
			h = hash_fold(0, s + 1, n);
		}
	}
	for (; j < len; j++) {
		h = h * k->tok_pow[p[j]] + k->tok_hash[p[j]];
		n += k->tok_len[p[j]];
	}
	if (!type || !n || n + 1 >= KSYM_MAX_NAME)
		return -EINVAL;
	if (!(i % KSYM_MARK))
		k->name_off[i / KSYM_MARK] = (uint32_t)*off;
	k->hash[i] = h;
	k->nr_data += is_data(type);
	*off += hdr + len;
	return 0;
}

static int read_names(const struct ksym_mem *mem, const struct kdump_tabs *t,
		      struct ksym *k, char *errbuf, size_t errlen)
{
	struct kbuf names = { .mem = mem, .base = t->names,
			      .limit = KSYM_MAX_NAMES_BYTES };
	size_t off = 0;
	uint32_t i;
	int err = 0;

	/* kallsyms_markers lie between the names and the tokens */
	if (t->token_table > t->names &&
	    t->token_table - t->names <= KSYM_MAX_NAMES_BYTES) {
		names.p = (unsigned char *)kmap_get(mem, k, t->names,
						    t->token_table - t->names,
						    &k->names_map);
		if (names.p)
			names.len = names.limit = t->token_table - t->names;
	}
	k->name_off = malloc(((size_t)t->nr + KSYM_MARK - 1) / KSYM_MARK *
			     sizeof(*k->name_off));
	k->hash = malloc((size_t)t->nr * sizeof(*k->hash));
	if (!k->name_off || !k->hash)
		return -ENOMEM;
	for (i = 0; i < t->nr && !err; i++) {
		err = scan_one(&names, k, i, &off);
		if (!err)
			k->nr = i + 1;
	}
	k->names = names.p;
	if (!k->names_map.len)
		k->names_map.base = names.p;
	if (err)
		return li_errbuf(errbuf, errlen, err == -ENOMEM ? err : -EINVAL,
				 "kallsyms_names at 0x%llx: symbol %zu of %u %s",
				 (unsigned long long)t->names, k->nr, t->nr,
				 err == -EINVAL || err == -E2BIG ?
					 "does not decode: corrupt tables" :
					 strerror(-err));
	return 0;
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
	uint64_t stext;
	size_t e;
	int err;

	if (ksym_lookup(k, "_stext", NULL, NULL))
		return li_errbuf(errbuf, errlen, -EINVAL,
			     "kallsyms of the dump has no _stext: corrupt tables?");
	k->offsets = t->offsets;
	k->relative_base = t->relative_base;
	if (t->has_addresses && !t->has_offsets) {
		k->addrs = malloc((size_t)t->nr * 8);
		if (!k->addrs)
			return -ENOMEM;
		err = mem->read(mem->ctx, t->addresses, k->addrs,
				(size_t)t->nr * 8);
		if (err)
			return li_errbuf(errbuf, errlen, err,
				     "cannot read kallsyms_addresses at 0x%llx: %s",
				     (unsigned long long)t->addresses,
				     strerror(-err));
		k->enc = KSYM_ENC_ABSOLUTE;
		ksym_lookup(k, "_stext", &stext, NULL);
		if (stext != t->stext)
			return li_errbuf(errbuf, errlen, -EINVAL,
				     "kallsyms_addresses put _stext at 0x%llx, VMCOREINFO at 0x%llx",
				     (unsigned long long)stext,
				     (unsigned long long)t->stext);
		return check_anchors(mem, k, errbuf, errlen);
	}
	err = 0;
	k->rel = kmap_get(mem, k, t->offsets, (size_t)t->nr * 4, &k->rel_map);
	if (!k->rel) {
		k->rel = k->rel_map.base = malloc((size_t)t->nr * 4);
		if (!k->rel)
			return -ENOMEM;
		err = mem->read(mem->ctx, t->offsets, k->rel_map.base,
				(size_t)t->nr * 4);
	}
	if (err)
		return li_errbuf(errbuf, errlen, err,
			     "cannot read kallsyms_offsets at 0x%llx: %s",
			     (unsigned long long)t->offsets, strerror(-err));
	for (e = 0; e < sizeof(order) / sizeof(order[0]); e++) {
		if (order[e] != KSYM_ENC_PLACE_RELATIVE && !t->has_base)
			continue;
		k->enc = order[e];
		ksym_lookup(k, "_stext", &stext, NULL);
		if (stext == t->stext)
			break;
	}
	if (e == sizeof(order) / sizeof(order[0]))
		return li_errbuf(errbuf, errlen, -EINVAL,
			     "kallsyms_offsets decode _stext to none of VMCOREINFO's 0x%llx (absolute-percpu, base-relative or place-relative): unknown encoding or corrupt tables",
			     (unsigned long long)t->stext);
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
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	err = read_tokens(mem, &t, k, errbuf, errlen);
	if (!err)
		err = read_names(mem, &t, k, errbuf, errlen);
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
	if (err) {
		ksym_close(k);
		return err;
	}
	*out = k;
	return 0;
}
