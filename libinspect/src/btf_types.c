// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Type and enumerator index of a kernel's BTF (see btf_types.h).
 *
 * libbpf parses and validates the blob (btf__new, btf__parse); this file
 * only walks the parsed types through libbpf's accessors.  At the first
 * question, one pass over the 100k-130k types of a vmlinux BTF lists every
 * named struct, union, enum, typedef, base type, variable and enumerator
 * (30k of them) with a hash of its name, in type order: a lookup scans the
 * hashes (~10 us) and compares only the names whose hash matches, and the
 * first definition wins, as in the DWARF index.  Compared with a hash
 * table, building it touches little memory (12 bytes a name, written in
 * order), and a run asks only ~100 questions.  It is built at the first
 * question, not when opening, so that the caller can free the blob it
 * gave (libbpf keeps its own copy) before more memory is taken.
 *
 * libbpf is referenced weakly: a program that links libinspect.a without
 * -lbpf (it never asks for BTF) still links, and BTF is then reported as
 * unavailable.  The library and the CLI are linked with libbpf.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btf_types.h"
#include "errbuf.h"
#include "file.h"
#include "internal.h"
#include "typename.h"

#pragma weak btf__new
#pragma weak btf__parse
#pragma weak btf__free
#pragma weak btf__type_cnt
#pragma weak btf__type_by_id
#pragma weak btf__name_by_offset
#pragma weak btf__resolve_size
#pragma weak btf__pointer_size
#pragma weak libbpf_set_print

enum btt_class {
	C_STRUCT = LI_TI_STRUCT,
	C_UNION = LI_TI_UNION,
	C_ENUM = LI_TI_ENUM,
	C_TYPEDEF = LI_TI_TYPEDEF,
	C_BASE = LI_TI_BASE,
	C_ENUMERATOR,
	C_VAR,
};

struct btt_ent {
	uint32_t id;		/* type id; an enumerator's enum */
	uint16_t sub;		/* an enumerator's index in its enum */
	uint8_t cls;
};

struct btt {
	struct btf *btf;
	struct btt_ent *ents;	/* in type order; NULL until the first lookup */
	uint32_t *hash;		/* of each entry's name, apart: searched */
	size_t cap, nr;
	size_t ptr_size;
};

#define BTT_MAX_DEPTH	64

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static const char *bname(const struct btt *b, uint32_t off)
{
	return btf__name_by_offset(b->btf, off);
}

/* Enumerator i of an ENUM or ENUM64: its name offset and value. */
static uint32_t enumerator(const struct btf_type *t, int i, int64_t *val)
{
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t) + i;

		if (val)
			*val = btf_kflag(t) ? (int64_t)(int32_t)e->val :
					      (int64_t)(uint32_t)e->val;
		return e->name_off;
	} else {
		const struct btf_enum64 *e = btf_enum64(t) + i;

		if (val)
			*val = (int64_t)btf_enum64_value(e);
		return e->name_off;
	}
}

static const char *ent_name(const struct btt *b, const struct btt_ent *e)
{
	const struct btf_type *t = btf__type_by_id(b->btf, e->id);

	return bname(b, e->cls == C_ENUMERATOR ? enumerator(t, e->sub, NULL) :
						 t->name_off);
}

static int ent_add(struct btt *b, int cls, uint32_t name_off, uint32_t id,
		   int sub)
{
	const char *name = bname(b, name_off);
	struct btt_ent *n;
	uint32_t *h;

	if (!name || !*name)
		return 0;
	if (b->nr == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16384;

		n = realloc(b->ents, cap * sizeof(*n));
		if (n)
			b->ents = n;
		h = n ? realloc(b->hash, cap * sizeof(*h)) : NULL;
		if (!h)
			return -ENOMEM;
		b->hash = h;
		b->cap = cap;
	}
	b->hash[b->nr] = name_hash(name, strlen(name));
	b->ents[b->nr++] = (struct btt_ent){ .id = id, .sub = (uint16_t)sub,
					     .cls = (uint8_t)cls };
	return 0;
}

static int build_index(struct btt *b)
{
	uint32_t id, cnt = btf__type_cnt(b->btf);
	int err = 0, i, n;

	if (b->ents)
		return 0;
	for (id = 1; id < cnt && !err; id++) {
		const struct btf_type *t = btf__type_by_id(b->btf, id);
		int cls = 0;

		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT:
			cls = C_STRUCT;
			break;
		case BTF_KIND_UNION:
			cls = C_UNION;
			break;
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			err = ent_add(b, C_ENUM, t->name_off, id, 0);
			for (i = 0, n = btf_vlen(t); i < n && !err; i++)
				err = ent_add(b, C_ENUMERATOR,
					      enumerator(t, i, NULL), id, i);
			continue;
		case BTF_KIND_TYPEDEF:
			cls = C_TYPEDEF;
			break;
		case BTF_KIND_INT:
		case BTF_KIND_FLOAT:
			cls = C_BASE;
			break;
		case BTF_KIND_VAR:
			cls = C_VAR;
			break;
		default:
			continue;
		}
		err = ent_add(b, cls, t->name_off, id, 0);
	}
	if (!err && !b->ents)	/* nothing named: still built */
		b->ents = malloc(sizeof(*b->ents));
	if (err || !b->ents) {
		free(b->ents);
		free(b->hash);
		b->ents = NULL;
		b->hash = NULL;
		b->nr = b->cap = 0;
		return -ENOMEM;
	}
	return 0;
}

/*
 * The first entry named name[0..n) of the earliest class of classes[] that
 * has one.
 */
static int find(struct btt *b, const int *classes, int nclasses,
		const char *name, size_t n, const struct btt_ent **found)
{
	int rank = nclasses, r, err = build_index(b);
	uint32_t h = name_hash(name, n);
	size_t i;

	*found = NULL;
	if (err)
		return err;
	for (i = 0; rank && (i = li_find_u32(b->hash, b->nr, i, h)) < b->nr;
	     i++) {
		const struct btt_ent *e = &b->ents[i];
		const char *en;

		for (r = 0; r < rank && classes[r] != e->cls; r++)
			;
		if (r == rank)
			continue;
		en = ent_name(b, e);
		if (strncmp(en, name, n) || en[n])
			continue;
		*found = e;
		rank = r;
	}
	return *found ? 0 : -ENOENT;
}

/* ---- opening ----------------------------------------------------------- */

/* libbpf's last warning while we parse, for the error message. */
static __thread char btt_msg[256];

static int btt_print(enum libbpf_print_level level, const char *fmt,
		     va_list ap)
{
	size_t n;

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(btt_msg, sizeof(btt_msg), fmt, ap);
	if (!strncmp(btt_msg, "libbpf: ", 8))
		memmove(btt_msg, btt_msg + 8, strlen(btt_msg + 8) + 1);
	n = strlen(btt_msg);
	while (n && (btt_msg[n - 1] == '\n' || btt_msg[n - 1] == ' '))
		btt_msg[--n] = '\0';
	return 0;
}

static bool have_libbpf(void)
{
	return btf__new && btf__parse && btf__free && btf__type_cnt &&
	       btf__type_by_id && btf__name_by_offset && btf__resolve_size &&
	       btf__pointer_size && libbpf_set_print;
}

/* libbpf 1.x returns NULL and sets errno; 0.x an error pointer. */
static int btf_ptr_err(const struct btf *btf, int saved_errno)
{
	if (btf && (uintptr_t)btf < (uintptr_t)-4095)
		return 0;
	if (btf)
		return (int)(intptr_t)btf;
	return saved_errno > 0 ? -saved_errno : -EINVAL;
}

static int btt_finish(struct btf *btf, struct btt **out, char *errbuf,
		      size_t errlen)
{
	struct btt *b = calloc(1, sizeof(*b));

	if (!b) {
		btf__free(btf);
		return li_errbuf(errbuf, errlen, -ENOMEM, "out of memory");
	}
	b->btf = btf;
	b->ptr_size = btf__pointer_size(btf);
	if (!b->ptr_size)
		b->ptr_size = sizeof(void *);
	*out = b;
	return 0;
}

typedef struct btf *(*btt_parse_fn)(const void *a, size_t len);

static struct btf *parse_mem(const void *data, size_t len)
{
	return btf__new(data, (__u32)len);
}

static struct btf *parse_file(const void *path, size_t unused)
{
	(void)unused;
	return btf__parse(path, NULL);
}

static int btt_parse(btt_parse_fn fn, const void *a, size_t len,
		     const char *what, struct btt **out, char *errbuf,
		     size_t errlen)
{
	libbpf_print_fn_t old;
	struct btf *btf;
	int err, saved;

	*out = NULL;
	if (!have_libbpf())
		return li_errbuf(errbuf, errlen, -ENOTSUP,
				"%s: BTF needs libbpf, which this program was linked without",
				what);
	btt_msg[0] = '\0';
	/* libbpf would print its complaints on stderr: keep them for errbuf */
	old = libbpf_set_print(btt_print);
	errno = 0;
	btf = fn(a, len);
	saved = errno;
	libbpf_set_print(old);
	err = btf_ptr_err(btf, saved);
	if (err) {
		if (err == -ENOMEM)
			return li_errbuf(errbuf, errlen, err, "out of memory");
		if (err == -ENOENT && fn == parse_file)
			return li_errbuf(errbuf, errlen, err,
					"%s: no such file, or no .BTF section in it",
					what);
		return li_errbuf(errbuf, errlen, -EINVAL,
				"%s is not valid BTF (libbpf: %s)", what,
				btt_msg[0] ? btt_msg : strerror(-err));
	}
	return btt_finish(btf, out, errbuf, errlen);
}

int btt_open_mem(const void *data, size_t len, const char *what,
		 struct btt **out, char *errbuf, size_t errlen)
{
	if (!data || !out)
		return -EINVAL;
	if (len > UINT32_MAX) {
		*out = NULL;
		return li_errbuf(errbuf, errlen, -EINVAL,
				"%s: %zu bytes of BTF is implausible", what, len);
	}
	return btt_parse(parse_mem, data, len, what, out, errbuf, errlen);
}

int btt_open_file(const char *path, struct btt **out, char *errbuf,
		  size_t errlen)
{
	int fd;

	if (!path || !out)
		return -EINVAL;
	/* libbpf would block on a FIFO */
	fd = li_open_regular(path, "BTF file", errbuf, errlen);
	if (fd < 0)
		return fd;
	close(fd);
	return btt_parse(parse_file, path, 0, path, out, errbuf, errlen);
}

void btt_close(struct btt *b)
{
	if (!b)
		return;
	if (b->btf)
		btf__free(b->btf);
	free(b->ents);
	free(b->hash);
	free(b);
}

unsigned int btt_type_count(const struct btt *b)
{
	return b ? btf__type_cnt(b->btf) - 1 : 0;
}

/* ---- questions --------------------------------------------------------- */

/* A type name to its BTF id, *pointer when it ends in '*'. */
static int lookup_type(struct btt *b, const char *type, uint32_t *id,
		       bool *pointer)
{
	const struct btt_ent *e;
	struct li_typename tn;
	int err = li_typename_parse(type, &tn);

	if (err)
		return err;
	*pointer = tn.pointer;
	err = find(b, tn.kinds, tn.nkinds, tn.name, tn.len, &e);
	if (!err)
		*id = e->id;
	return err;
}

/* Typedefs and qualifiers (const, volatile, restrict, type tags) peeled. */
static const struct btf_type *peel(const struct btt *b, uint32_t *id)
{
	const struct btf_type *t = btf__type_by_id(b->btf, *id);
	int depth = 0;

	while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
		if (++depth > BTT_MAX_DEPTH)
			return NULL;
		*id = t->type;
		t = btf__type_by_id(b->btf, *id);
	}
	return t;
}

int btt_type_size(struct btt *b, const char *type, uint64_t *size)
{
	bool pointer;
	uint32_t id;
	int64_t s;
	int err;

	if (!b || !type || !size)
		return -EINVAL;
	/* any pointer has the same size, even to a type BTF does not have */
	if (strchr(type, '*')) {
		*size = b->ptr_size;
		return 0;
	}
	err = lookup_type(b, type, &id, &pointer);
	if (err)
		return err;
	s = btf__resolve_size(b->btf, id);
	if (s < 0)
		return -ENOENT;	/* void, a function, a loop... */
	*size = (uint64_t)s;
	return 0;
}

/* Member name[0..n) of a struct/union, also inside anonymous members. */
static int find_member(const struct btt *b, const struct btf_type *t,
		       const char *name, size_t n, uint32_t *mtype,
		       uint64_t *off, int depth)
{
	const struct btf_member *m = btf_members(t);
	int i, vlen = btf_vlen(t);

	if (depth > 16)
		return -ENOENT;
	for (i = 0; i < vlen; i++) {
		const char *mn = bname(b, m[i].name_off);
		uint64_t moff = btf_member_bit_offset(t, i) / 8, sub;
		const struct btf_type *mt;
		uint32_t id = m[i].type;

		if (mn && *mn) {
			if (!strncmp(mn, name, n) && !mn[n]) {
				*mtype = m[i].type;
				*off = moff;
				return 0;
			}
			continue;
		}
		mt = peel(b, &id);
		if (!mt || !btf_is_composite(mt))
			continue;
		if (!find_member(b, mt, name, n, mtype, &sub, depth + 1)) {
			*off = moff + sub;
			return 0;
		}
	}
	return -ENOENT;
}

/* The member path's steps over BTF (li_member_path). */
struct btt_path {
	const struct btt *b;
	const struct btf_type *cur;	/* typedefs peeled; NULL: void */
};

static int btt_path_member(void *ctx, const char *name, size_t n,
			   uint64_t *off)
{
	struct btt_path *w = ctx;
	uint32_t mtype;
	int err;

	if (!w->cur || !btf_is_composite(w->cur))
		return -ENOENT;
	err = find_member(w->b, w->cur, name, n, &mtype, off, 0);
	if (!err)
		w->cur = peel(w->b, &mtype);
	return err;
}

static int btt_path_element(void *ctx, uint64_t *size)
{
	struct btt_path *w = ctx;
	uint32_t elem;
	int64_t esize;

	if (!w->cur || !btf_is_array(w->cur))
		return -ENOENT;
	elem = btf_array(w->cur)->type;
	esize = btf__resolve_size(w->b->btf, elem);
	if (esize < 0)
		return -ENOENT;
	*size = esize;
	w->cur = peel(w->b, &elem);
	return 0;
}

int btt_member_offset(struct btt *b, const char *type, const char *path,
		      uint64_t *offset)
{
	static const struct li_path_ops ops = {
		.member = btt_path_member,
		.element = btt_path_element,
	};
	struct btt_path w = { .b = b };
	bool pointer;
	uint32_t id;
	int err;

	if (!b || !type || !path || !*path || !offset)
		return -EINVAL;
	err = lookup_type(b, type, &id, &pointer);
	if (err)
		return err;
	if (pointer)
		return -ENOENT;
	w.cur = peel(b, &id);
	if (!w.cur)
		return -ENOENT;
	return li_member_path(path, &ops, &w, offset);
}

int btt_enum_value(struct btt *b, const char *name, int64_t *value)
{
	static const int cls = C_ENUMERATOR;
	const struct btt_ent *e;
	int err;

	if (!b || !name || !value)
		return -EINVAL;
	err = find(b, &cls, 1, name, strlen(name), &e);
	if (!err)
		enumerator(btf__type_by_id(b->btf, e->id), e->sub, value);
	return err;
}

int btt_var_size(struct btt *b, const char *name, uint64_t *size)
{
	static const int cls = C_VAR;
	const struct btf_type *t;
	const struct btt_ent *e;
	int64_t s;
	int err;

	if (!b || !name || !size)
		return -EINVAL;
	err = find(b, &cls, 1, name, strlen(name), &e);
	if (err)
		return err;
	t = btf__type_by_id(b->btf, e->id);
	if (!t)
		return -ENOENT;
	s = btf__resolve_size(b->btf, t->type);
	if (s < 0)
		return -ENOENT;
	*size = (uint64_t)s;
	return 0;
}
