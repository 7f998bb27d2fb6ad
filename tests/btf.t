#!/bin/bash
# The shipped target without a vmlinux (libinspect/src/btf_types.c,
# kallsyms.c, kdump_target.c): types from the kernel's BTF through libbpf,
# symbols from its kallsyms, both read out of the dump.
#   * BTF edge cases on fixtures turned into BTF by pahole -J (DWARF 4 and
#     5): nested anonymous members, bitfields, arrays, typedef chains and
#     qualifiers, signed/unsigned/64-bit enumerators, per-cpu variables,
#     absent names; tests/dwarf-fixture.c answers like the DWARF index;
#   * truncated and garbage BTF blobs: an input error, never a crash (also
#     fuzzed under ASan+UBSan), and through the CLI (--btf FILE);
#   * kallsyms decoded from each corpus kernel's dump against System.map
#     (or nm of the vmlinux) relocated by KERNELOFFSET: every symbol;
#   * every question li_check() asks: BTF/kallsyms answer as DWARF does
#     (symbol sizes of plain globals excepted: BTF has none);
#   * every corpus dump: `pgmapcheck --types btf` with no vmlinux reachable
#     gives the JSON of the DWARF run but for "target" (and the model facts
#     that need a global's size, listed); --types auto falls back to BTF;
#   * /proc/kallsyms and /sys/kernel/btf/vmlinux of this machine, parsed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/testlib.sh"

# ---- build ---------------------------------------------------------------
# btf-unit asks btf_types.c and kallsyms.c directly (and li_check through a
# recording wrapper), tests/target-probe.c (--btf) the type questions of a
# BTF file; libbpf is referenced weakly by the library, so it is linked
# --no-as-needed here (and in tests/build-target-probe) as the Makefile does.
cat >"$tmp/btf-unit.c" <<'EOC'
/* btf-unit: the BTF and kallsyms halves of the shipped target (tests/btf.t) */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libinspect.h"
#include "btf_types.h"
#include "kallsyms.h"

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (!f)
		return NULL;
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			buf = realloc(buf, cap);
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n);
	fclose(f);
	return buf;
}

/* Truncations and byte flips of a BTF blob: each either parses or is an
 * input error, and a parsed one answers questions without crashing. */
static int fuzz(const char *path, unsigned int seed, int rounds)
{
	/* the questions: a type's size, a member's offset (type, member), an
	 * enumerator's value, a variable's size */
	static const char *const qs[][2] = {
		{ "struct fx_outer", NULL }, { "struct fx_outer", "d.deep" },
		{ "struct fx_outer", "arr[2].b" }, { "FX_BIG", "" }, { NULL, "fx_pcpu" },
		{ "struct page", NULL }, { "struct page", "flags" },
		{ "struct dev_pagemap", "ref.data" }, { "ZONE_DEVICE", "" },
	};
	size_t len, i, accepted = 0, refused = 0, bad = 0;
	unsigned char *orig = slurp(path, &len), *buf;
	char err[512];

	if (!orig || len < 24)
		return fprintf(stderr, "cannot read %s\n", path), 2;
	buf = malloc(len);
	srand(seed);
	for (int r = 0; r < rounds; r++) {
		size_t n = len;
		struct btt *b;
		int e;

		memcpy(buf, orig, len);
		if (r < rounds / 3) {
			/* truncations: the header, the types, the strings */
			n = r < 64 ? (size_t)r : (size_t)rand() % len;
		} else {
			int flips = 1 + rand() % 8;

			for (int f = 0; f < flips; f++) {
				/* mostly the header and the first types */
				size_t at = rand() % 2 ? (size_t)rand() % (len < 4096 ? len : 4096) :
							 (size_t)rand() % len;
				buf[at] ^= (unsigned char)(1 + rand() % 255);
			}
		}
		err[0] = '\0';
		e = btt_open_mem(buf, n, "blob", &b, err, sizeof(err));
		if (e) {
			refused++;
			if (!err[0] || (e != -EINVAL && e != -ENOMEM))
				bad++, fprintf(stderr, "round %d: error %d without a reason '%s'\n", r, e, err);
			continue;
		}
		accepted++;
		for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
			uint64_t u = 0;
			int64_t s = 0;

			if (!qs[i][0])
				e = btt_var_size(b, qs[i][1], &u);
			else if (!qs[i][1])
				e = btt_type_size(b, qs[i][0], &u);
			else if (!qs[i][1][0])
				e = btt_enum_value(b, qs[i][0], &s);
			else
				e = btt_member_offset(b, qs[i][0], qs[i][1], &u);
			printf("%d %llu %lld\n", e, (unsigned long long)u, (long long)s);
		}
		btt_close(b);
	}
	free(buf);
	free(orig);
	fprintf(stderr, "fuzz: %zu accepted, %zu refused, %zu bad\n", accepted, refused, bad);
	printf("fuzz %zu accepted %zu refused %zu bad\n", accepted, refused, bad);
	return bad ? 1 : 0;
}

static int t_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct li_target *t = ctx;

	return t->ops->read(t->ctx, LI_KVADDR, addr, buf, len);
}

static int t_info(void *ctx, const char *key, char *val, size_t len)
{
	const struct li_target *t = ctx;

	return t->ops->vmcoreinfo(t->ctx, key, val, len);
}

/* Every kallsyms symbol of a dump: "addr type name" lines. */
static int ksyms_of_dump(const char *dump, const char *vmlinux)
{
	struct li_target *t;
	struct ksym_mem mem = { .read = t_read, .info = t_info };
	struct ksym *k;
	char errbuf[1024];
	const char *name;
	uint64_t addr;
	char type;
	int err;

	err = li_kdump_target_open(dump, vmlinux, &t, errbuf, sizeof(errbuf));
	if (err)
		return fprintf(stderr, "%s\n", errbuf), 2;
	mem.ctx = t;
	err = ksym_open_mem(&mem, &k, errbuf, sizeof(errbuf));
	if (err)
		return fprintf(stderr, "%s\n", errbuf), 2;
	if (t->ops->vmcoreinfo(t->ctx, "KERNELOFFSET", errbuf, sizeof(errbuf)))
		snprintf(errbuf, sizeof(errbuf), "0");
	printf("# encoding %s, %zu symbols, %zu data, kaslr %s\n",
	       ksym_encoding_name(ksym_encoding(k)), ksym_count(k),
	       ksym_data_count(k), errbuf);
	for (size_t i = 0; !ksym_get(k, i, &name, &addr, &type); i++)
		printf("%016llx %c %s\n", (unsigned long long)addr, type, name);
	ksym_close(k);
	li_kdump_target_close(t);
	return 0;
}

/* ---- kallsyms tables of random memory: an error, never a crash ---- */

#define FM_BASE 0xffffffff81000000ULL
#define FM_SIZE (1u << 18)
static unsigned char *fm;
static uint64_t fm_sym[6];

static int fm_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr < FM_BASE || addr - FM_BASE > FM_SIZE || len > FM_SIZE - (addr - FM_BASE))
		return -EFAULT;
	memcpy(buf, fm + (addr - FM_BASE), len);
	return 0;
}

static int fm_info(void *ctx, const char *key, char *val, size_t len)
{
	static const char *const keys[] = {
		"SYMBOL(kallsyms_names)", "SYMBOL(kallsyms_token_table)",
		"SYMBOL(kallsyms_token_index)", "SYMBOL(kallsyms_num_syms)",
		"SYMBOL(kallsyms_offsets)", "SYMBOL(_stext)",
	};
	(void)ctx;
	for (size_t i = 0; i < 6; i++)
		if (!strcmp(key, keys[i])) {
			snprintf(val, len, "%llx", (unsigned long long)fm_sym[i]);
			return 0;
		}
	return -ENOENT;
}

static int ksymfuzz(unsigned int seed, int rounds)
{
	struct ksym_mem mem = { .read = fm_read, .info = fm_info };
	size_t ok = 0, refused = 0, bad = 0;
	char errbuf[512];

	fm = malloc(FM_SIZE);
	srand(seed);
	for (int r = 0; r < rounds; r++) {
		struct ksym *k;
		uint32_t n = 1 + rand() % 5000;
		int err;

		for (size_t i = 0; i < FM_SIZE; i += 4) {
			uint32_t v = (uint32_t)rand() * 2654435761u;

			memcpy(fm + i, &v, 4);
		}
		for (size_t i = 0; i < 6; i++)
			fm_sym[i] = FM_BASE + ((rand() % (FM_SIZE - 8192)) & ~3u);
		memcpy(fm + (fm_sym[3] - FM_BASE), &n, 4);
		if (r % 2) {
			/* one-character tokens, names of 1-20 of them, the
			 * first one "T_stext": decoding gets to the addresses */
			unsigned char *tt = fm + (fm_sym[1] - FM_BASE);
			uint16_t *ti = (uint16_t *)(fm + (fm_sym[2] - FM_BASE));
			unsigned char *nm = fm + (fm_sym[0] - FM_BASE);
			const char *st = "T_stext";

			for (int i = 0; i < 256; i++) {
				tt[2 * i] = (unsigned char)(33 + i % 90);
				tt[2 * i + 1] = 0;
				ti[i] = (uint16_t)(2 * i);
			}
			nm[0] = 7;
			for (int i = 0; i < 7; i++)
				nm[1 + i] = (unsigned char)(st[i] - 33);
			for (size_t i = 8; i + 21 < FM_SIZE - (fm_sym[0] - FM_BASE); i += nm[i] + 1)
				nm[i] = (unsigned char)(1 + rand() % 20);
		}
		errbuf[0] = '\0';
		err = ksym_open_mem(&mem, &k, errbuf, sizeof(errbuf));
		if (!err) {
			ok++;
			ksym_close(k);
		} else {
			refused++;
			if (!errbuf[0])
				bad++;
		}
	}
	free(fm);
	printf("ksymfuzz %zu decoded %zu refused %zu bad\n", ok, refused, bad);
	return bad ? 1 : 0;
}

/* ---- every question li_check() asks, asked of two targets ---- */

enum { Q_SIZE, Q_OFF, Q_ENUM, Q_SYM, Q_SYMSIZE };
struct q { int kind; char a[128], b[128]; };
static struct q qlog[4096];
static size_t nq;
static const char *hide;	/* a symbol to pretend kallsyms lacks */

static void logq(int kind, const char *a, const char *b)
{
	for (size_t i = 0; i < nq; i++)
		if (qlog[i].kind == kind && !strcmp(qlog[i].a, a) &&
		    !strcmp(qlog[i].b, b ? b : ""))
			return;
	if (nq < sizeof(qlog) / sizeof(qlog[0])) {
		qlog[nq].kind = kind;
		snprintf(qlog[nq].a, sizeof(qlog[nq].a), "%s", a);
		snprintf(qlog[nq].b, sizeof(qlog[nq].b), "%s", b ? b : "");
		nq++;
	}
}

static const struct li_target *inner;

static int w_read(void *c, enum li_addr_space s, uint64_t a, void *buf, size_t l)
{
	(void)c;
	return inner->ops->read(inner->ctx, s, a, buf, l);
}
static int w_size(void *c, const char *t, uint64_t *v)
{
	(void)c;
	logq(Q_SIZE, t, NULL);
	return inner->ops->type_size(inner->ctx, t, v);
}
static int w_off(void *c, const char *t, const char *m, uint64_t *v)
{
	(void)c;
	logq(Q_OFF, t, m);
	return inner->ops->member_offset(inner->ctx, t, m, v);
}
static int w_enum(void *c, const char *n, int64_t *v)
{
	(void)c;
	logq(Q_ENUM, n, NULL);
	return inner->ops->enum_value(inner->ctx, n, v);
}
static int w_sym(void *c, const char *n, uint64_t *v)
{
	(void)c;
	logq(Q_SYM, n, NULL);
	if (hide && !strcmp(n, hide))
		return -ENOENT;
	return inner->ops->symbol_address(inner->ctx, n, v);
}
static int w_symsize(void *c, const char *n, uint64_t *v)
{
	(void)c;
	logq(Q_SYMSIZE, n, NULL);
	return inner->ops->symbol_size(inner->ctx, n, v);
}
static int w_info(void *c, const char *k, char *v, size_t l)
{
	(void)c;
	return inner->ops->vmcoreinfo(inner->ctx, k, v, l);
}

static const struct li_target_ops wrap_ops = {
	.read = w_read, .type_size = w_size, .member_offset = w_off,
	.enum_value = w_enum, .symbol_address = w_sym,
	.symbol_size = w_symsize, .vmcoreinfo = w_info,
};

static void answer(const struct li_target *t, const struct q *q, char *out,
		   size_t len)
{
	uint64_t u = 0;
	int64_t s = 0;
	int err;

	switch (q->kind) {
	case Q_SIZE:
		err = t->ops->type_size(t->ctx, q->a, &u);
		break;
	case Q_OFF:
		err = t->ops->member_offset(t->ctx, q->a, q->b, &u);
		break;
	case Q_ENUM:
		err = t->ops->enum_value(t->ctx, q->a, &s);
		u = (uint64_t)s;
		break;
	case Q_SYM:
		err = t->ops->symbol_address(t->ctx, q->a, &u);
		break;
	default:
		err = t->ops->symbol_size(t->ctx, q->a, &u);
		break;
	}
	if (err)
		snprintf(out, len, "error %d", err);
	else
		snprintf(out, len, "0x%llx", (unsigned long long)u);
}

static const char *const kind_names[] = { "size", "off", "enum", "sym", "symsize" };

static int questions(const char *dump, const char *vmlinux)
{
	struct li_target *dw, *bt, wrap = { .ops = &wrap_ops };
	struct li_options opts = { .flags = 0 };
	struct li_report *r = NULL;
	char errbuf[1024], a1[64], a2[64];
	size_t same = 0, differ = 0;
	int err;

	if (li_kdump_target_open(dump, vmlinux, &dw, errbuf, sizeof(errbuf)) ||
	    li_kdump_target_open(dump, "btf:", &bt, errbuf, sizeof(errbuf)))
		return fprintf(stderr, "%s\n", errbuf), 2;
	inner = dw;
	err = li_check(&wrap, &opts, &r);
	li_report_free(r);
	if (err)
		return fprintf(stderr, "li_check: %s\n", li_last_error()), 2;
	for (size_t i = 0; i < nq; i++) {
		answer(dw, &qlog[i], a1, sizeof(a1));
		answer(bt, &qlog[i], a2, sizeof(a2));
		if (strcmp(a1, a2)) {
			differ++;
			printf("differ %s:%s%s%s dwarf=%s btf=%s\n", kind_names[qlog[i].kind],
			       qlog[i].a, qlog[i].b[0] ? ":" : "", qlog[i].b, a1, a2);
		} else {
			same++;
		}
	}
	printf("questions %zu same %zu differ\n", same, differ);
	li_kdump_target_close(dw);
	li_kdump_target_close(bt);
	return 0;
}

/* li_check on the BTF target with one symbol hidden: the error names it. */
static int missing(const char *dump, const char *sym)
{
	struct li_target *bt, wrap = { .ops = &wrap_ops };
	struct li_report *r = NULL;
	char errbuf[1024];
	int err;

	if (li_kdump_target_open(dump, "btf:", &bt, errbuf, sizeof(errbuf)))
		return fprintf(stderr, "%s\n", errbuf), 2;
	inner = bt;
	hide = sym;
	err = li_check(&wrap, NULL, &r);
	printf("li_check %d: %s\n", err, li_last_error());
	li_report_free(r);
	li_kdump_target_close(bt);
	return 0;
}

/*
 * li_btf_target_open() over a target that has memory only (the shipped
 * target's reads behind a struct with no type or symbol callbacks): its
 * report must be the shipped "btf:" target's, byte for byte, with
 * VMCOREINFO from the callback and from opts; then the bad-input cases.
 */
static const struct li_target *mem_inner;
static int mem_read(void *ctx, enum li_addr_space sp, uint64_t addr, void *buf,
		    size_t len)
{
	(void)ctx;
	return mem_inner->ops->read(mem_inner->ctx, sp, addr, buf, len);
}
static int mem_info(void *ctx, const char *key, char *val, size_t len)
{
	(void)ctx;
	return mem_inner->ops->vmcoreinfo(mem_inner->ctx, key, val, len);
}
static int mem_fail(void *ctx, enum li_addr_space sp, uint64_t addr, void *buf,
		    size_t len)
{
	(void)ctx, (void)sp, (void)addr, (void)buf, (void)len;
	return -ENODATA;
}
static const struct li_target_ops memonly_ops = { .read = mem_read, .vmcoreinfo = mem_info };
static const struct li_target_ops memtext_ops = { .read = mem_read };
static const struct li_target_ops memfail_ops = { .read = mem_fail };

static char *json_of(struct li_target *t)
{
	struct li_report *r = NULL;
	char *j;

	if (li_check(t, NULL, &r))
		return NULL;
	j = li_report_json(r);
	li_report_free(r);
	return j;
}

/* The VMCOREINFO note's text: in the first 16 MiB of a dump (its ELF note
 * follows the program headers; the kdump header's copy), from OSRELEASE=
 * to the first NUL. */
static char *vmcoreinfo_of(const char *dump)
{
	size_t n = 0, max = 16 << 20;
	char *buf = malloc(max + 1), *p = NULL;
	FILE *f = fopen(dump, "rb");

	if (f && buf)
		n = fread(buf, 1, max, f);
	if (f)
		fclose(f);
	if (buf) {
		buf[n] = '\0';
		p = memmem(buf, n, "OSRELEASE=", 10);
		p = p ? strdup(p) : NULL;
	}
	free(buf);
	return p;
}

static int memonly(const char *dump)
{
	struct li_target *kt, *bt, *b2;
	struct li_target mem = { .ops = &memonly_ops, .source = dump, .frontend = "unit" };
	struct li_target memtext = { .ops = &memtext_ops, .source = dump, .frontend = "unit" };
	struct li_target memfail = { .ops = &memfail_ops, .source = dump };
	struct { struct li_btf_target_opts o; uint64_t extra; } big = { { sizeof(big), NULL }, 1 };
	struct li_btf_target_opts small = { .sz = 2 };
	char errbuf[1024], *j1, *j2, *j3, *text;
	int err;

	if (li_kdump_target_open(dump, "btf:", &kt, errbuf, sizeof(errbuf)))
		return fprintf(stderr, "%s\n", errbuf), 2;
	kt->frontend = "unit";
	mem_inner = kt;
	err = li_btf_target_open(&mem, NULL, &bt, errbuf, sizeof(errbuf));
	if (err)
		return fprintf(stderr, "li_btf_target_open: %d %s\n", err, errbuf), 2;
	text = vmcoreinfo_of(dump);
	LI_OPTS(li_btf_target_opts, opts, .vmcoreinfo = text);
	err = li_btf_target_open(&memtext, &opts, &b2, errbuf, sizeof(errbuf));
	if (err)
		return fprintf(stderr, "li_btf_target_open (text): %d %s\n", err, errbuf), 2;
	printf("vmlinux %s\n", bt->vmlinux);
	j1 = json_of(kt), j2 = json_of(bt), j3 = json_of(b2);
	printf("same-json-callback %d\nsame-json-text %d\n", j1 && j2 && !strcmp(j1, j2),
	       j1 && j3 && !strcmp(j1, j3));
	li_free(j1), li_free(j2), li_free(j3);
	li_btf_target_close(b2);
	li_btf_target_close(bt);
	/* bad input: an error, a message, nothing opened */
	bt = kt;
	printf("null-mem %d\n", li_btf_target_open(NULL, NULL, &bt, errbuf, sizeof(errbuf)));
	printf("null-out %d\n", li_btf_target_open(&mem, NULL, NULL, errbuf, sizeof(errbuf)));
	printf("opts-sz-2 %d\n", li_btf_target_open(&mem, &small, &bt, errbuf, sizeof(errbuf)));
	printf("opts-unknown-nonzero %d\n", li_btf_target_open(&mem, &big.o, &bt, errbuf, sizeof(errbuf)));
	printf("no-vmcoreinfo %d %s\n", li_btf_target_open(&memtext, NULL, &bt, errbuf, sizeof(errbuf)), errbuf);
	opts.vmcoreinfo = "OSRELEASE=x\nPAGESIZE=4096";
	printf("no-kallsyms %d %s\n", li_btf_target_open(&memtext, &opts, &bt, errbuf, sizeof(errbuf)), errbuf);
	opts.vmcoreinfo = text;
	printf("reads-fail %d %s\n", li_btf_target_open(&memfail, &opts, &bt, errbuf, sizeof(errbuf)), errbuf);
	printf("out-null %d\n", bt == NULL);
	li_btf_target_close(NULL);
	li_btf_target_close(&mem);	/* not one of its targets: ignored */
	free(text);
	li_kdump_target_close(kt);
	return 0;
}

int main(int argc, char **argv)
{
	char errbuf[1024];
	int err;

	if (argc == 3 && !strcmp(argv[1], "memonly"))
		return memonly(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "btfmem")) {
		size_t len;
		void *data = slurp(argv[2], &len);
		struct btt *b;

		err = btt_open_mem(data ? data : "", len, argv[2], &b, errbuf, sizeof(errbuf));
		free(data);
		if (err) {
			printf("error %d: %s\n", err, errbuf);
			return 1;
		}
		printf("ok %u types\n", btt_type_count(b));
		btt_close(b);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "ksymfuzz"))
		return ksymfuzz((unsigned)atoi(argv[2]), atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "fuzz"))
		return fuzz(argv[2], (unsigned)atoi(argv[3]), atoi(argv[4]));
	if (argc >= 3 && !strcmp(argv[1], "kallsyms")) {
		struct ksym *k;
		uint64_t a;
		char type;

		err = ksym_open_file(argv[2], &k, errbuf, sizeof(errbuf));
		if (err) {
			printf("error %d: %s\n", err, errbuf);
			return 1;
		}
		printf("%zu symbols, %zu data\n", ksym_count(k), ksym_data_count(k));
		for (int i = 3; i < argc; i++) {
			err = ksym_lookup(k, argv[i], &a, &type);
			if (err)
				printf("%s=error %d\n", argv[i], err);
			else
				printf("%s=0x%llx %c\n", argv[i], (unsigned long long)a, type);
		}
		ksym_close(k);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "ksyms"))
		return ksyms_of_dump(argv[2], argc > 3 ? argv[3] : "btf:");
	if (argc == 4 && !strcmp(argv[1], "questions"))
		return questions(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "missing"))
		return missing(argv[2], argv[3]);
	fprintf(stderr, "usage: btf-unit btfmem FILE | fuzz FILE SEED N | "
		"kallsyms FILE SYM... | ksyms DUMP [SPEC] | questions DUMP VMLINUX | missing DUMP SYM | "
		"memonly DUMP\n");
	return 2;
}
EOC
cat >"$tmp/btf-fixture.c" <<'EOC'
/* BTF edge cases the model relies on; prints the compiler's own answers. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum fx_s32 { FXB_NEG = -3, FXB_SEVEN = 7 };
enum fx_u32 { FXB_U32MAX = 0xffffffffu };
enum fx_64 { FXB_BIG = 0x123456789aLL, FXB_BIGNEG = -5 };
enum { FXB_ANON = 11 };

typedef unsigned long fxb_ulong;
typedef fxb_ulong fxb_ulong2;
typedef const volatile fxb_ulong2 fxb_cv_ulong;

struct fxb_inner {
	int a;
	fxb_ulong2 b;
};

typedef struct fxb_inner fxb_inner_t;

/* struct page's shapes: bitfields, nested anonymous unions and structs,
 * a member named like its type's member ("flags.f", "ref.data",
 * "done.done"), arrays of typedef'd structs, qualifiers */
struct fxb_outer {
	unsigned int bf1 : 3, bf2 : 9, bf3 : 30;
	union {
		struct {
			long x;
			struct fxb_inner in;
		};
		struct {
			char pad[5];
			struct {
				short deep;
				union {
					char c;
					fxb_cv_ulong cv;
				};
			} d;
		};
	};
	const volatile fxb_inner_t arr[3];
	struct { fxb_ulong f; } flags;
	struct { struct { int done; } done; } done;
	unsigned long long tail : 7;
};

/* pahole puts the variables of .data..percpu in BTF, as the kernel's */
__attribute__((section(".data..percpu"))) struct fxb_outer fxb_pcpu;
__attribute__((section(".data..percpu"))) fxb_ulong fxb_pcpu_word;
struct fxb_outer fxb_global;

/* the byte holding the first bit of a bitfield: set it alone */
#define BF(m)								\
	do {								\
		struct fxb_outer o;					\
		size_t i;						\
		memset(&o, 0, sizeof(o));				\
		o.m = 1;						\
		for (i = 0; i < sizeof(o) && !((unsigned char *)&o)[i]; i++) \
			;						\
		printf("off:struct fxb_outer:%s=%zu\n", #m, i);		\
	} while (0)
#define SIZE(t)		printf("size:%s=%zu\n", #t, sizeof(t))
#define OFF(t, m)	printf("off:%s:%s=%zu\n", #t, #m, offsetof(t, m))
#define ENUM(e)		printf("enum:%s=%lld\n", #e, (long long)(e))

int main(void)
{
	SIZE(struct fxb_outer);
	SIZE(struct fxb_inner);
	SIZE(fxb_inner_t);
	SIZE(fxb_ulong2);
	SIZE(fxb_cv_ulong);
	SIZE(unsigned long);
	SIZE(enum fx_64);
	SIZE(enum fx_s32);
	SIZE(struct fxb_outer *);
	BF(bf1);
	BF(bf2);
	BF(bf3);
	BF(tail);
	OFF(struct fxb_outer, x);
	OFF(struct fxb_outer, in);
	OFF(struct fxb_outer, in.b);
	OFF(struct fxb_outer, pad);
	OFF(struct fxb_outer, d.deep);
	OFF(struct fxb_outer, d.c);
	OFF(struct fxb_outer, d.cv);
	OFF(struct fxb_outer, arr);
	OFF(struct fxb_outer, arr[2].b);
	OFF(struct fxb_outer, arr[1].a);
	OFF(struct fxb_outer, flags);
	OFF(struct fxb_outer, flags.f);
	OFF(struct fxb_outer, done.done);
	OFF(struct fxb_outer, done.done.done);
	OFF(fxb_inner_t, b);
	ENUM(FXB_NEG);
	ENUM(FXB_SEVEN);
	ENUM(FXB_U32MAX);
	ENUM(FXB_ANON);
	ENUM(FXB_BIG);
	ENUM(FXB_BIGNEG);
	printf("symsize:fxb_pcpu=%zu\n", sizeof(fxb_pcpu));
	printf("symsize:fxb_pcpu_word=%zu\n", sizeof(fxb_pcpu_word));
	return 0;
}
EOC

bpflibs="$(pkg-config --libs libaddrxlat libkdumpfile libdw libelf zlib) -Wl,--no-as-needed $(pkg-config --libs libbpf)"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
unit=$tmp/btf-unit
unit_san=$tmp/btf-unit-san
probe=$tmp/target-probe
# shellcheck disable=SC2086
if make -C "$li" >"$tmp/build.log" 2>&1 && make -C "$li" SANITIZE=1 >>"$tmp/build.log" 2>&1 &&
   cc -O1 -g -Wall -Wextra -Werror -I"$li/include" -I"$li/src" -o "$unit" "$tmp/btf-unit.c" \
	"$li/build/libinspect.a" $bpflibs >>"$tmp/build.log" 2>&1 &&
   cc -O1 -g $san -Wall -Wextra -Werror -I"$li/include" -I"$li/src" -o "$unit_san" "$tmp/btf-unit.c" \
	"$li/build-san/libinspect.a" $bpflibs >>"$tmp/build.log" 2>&1 &&
   "$here/build-target-probe" "$probe" 2>>"$tmp/build.log"; then
	pass "build libinspect (-Werror, libbpf $(pkg-config --modversion libbpf)), the CLI, btf-unit (also ASan+UBSan) and target-probe"
else
	fail "build libinspect, the CLI and btf-unit" "$(tail -c 600 "$tmp/build.log")"
	exit 1
fi
if nm "$li/build/pgmapcheck" | grep -q ' [wU] btf__new' && ldd "$li/build/pgmapcheck" | grep -q libbpf; then
	pass "the CLI needs libbpf (weak references kept by --no-as-needed)"
else
	fail "the CLI needs libbpf" "$(ldd "$li/build/pgmapcheck" | tr '\n' ' ')"
fi

# ---- usage -----------------------------------------------------------------
expect "usage: --types foo" 2 "--types: 'foo' is not auto, dwarf or btf" "$cli" --types foo x
expect "usage: -k with --types btf" 2 "-k gives a DWARF vmlinux" "$cli" -k x --types btf y
expect "usage: --btf with --types dwarf" 2 "--btf takes the types from BTF" "$cli" --btf x --types dwarf y
expect "usage: --btf with -k" 2 "-k gives a DWARF vmlinux: not with --btf" "$cli" --btf x -k x y
if "$cli" --help | grep -q -- '--types SOURCE' && man -l "$li/pgmapcheck.1" 2>/dev/null | grep -q -- '--types'; then
	pass "--help and the man page document --types and --btf"
else
	fail "--help and the man page document --types and --btf" "not found"
fi

# ---- BTF of fixtures -----------------------------------------------------
# btf_answers OBJ NAME DETAIL FAIL-NAME: the BTF of OBJ answers the queries of
# $tmp/expect (QUERY=answer lines, the compiler's) as they say
btf_answers() {
	mapfile -t queries < <(cut -d= -f1 "$tmp/expect")
	"$probe" --btf "$1" "${queries[@]}" >"$tmp/got" 2>&1
	if diff "$tmp/expect" "$tmp/got" >"$tmp/diff"; then
		pass "$2: ${#queries[@]} answers equal the compiler's$3"
	else
		fail "$4" "$(grep '^[<>]' "$tmp/diff" | head -6 | tr '\n' ' ')"
	fi
}
if ! command -v pahole >/dev/null; then
	fail "pahole present" "apt-get install dwarves"
else
	for dw in 4 5; do
		fx=$tmp/fixture-dwarf$dw
		if ! cc -g -gdwarf-$dw -O0 -fno-eliminate-unused-debug-types -c -o "$fx.o" "$tmp/btf-fixture.c" 2>"$tmp/cc.log" ||
		   ! cc -o "$fx" "$fx.o" 2>>"$tmp/cc.log" || ! pahole -J "$fx.o" >"$tmp/pahole.log" 2>&1; then
			fail "DWARF $dw fixture to BTF (pahole -J)" "$(head -c 300 "$tmp/cc.log" "$tmp/pahole.log")"
			continue
		fi
		"$fx" >"$tmp/expect"
		# enum64 only when this pahole encodes it (1.24+)
		if ! pahole -JV "$fx.o" 2>/dev/null | grep -q 'ENUM64 fx_64'; then
			skip "DWARF $dw: BTF_KIND_ENUM64" "pahole $(pahole --version) does not encode it"
			sed -i '/^enum:FXB_BIG/d' "$tmp/expect"
		fi
		printf '%s\n' "off:struct fxb_outer:nope=error -2" "off:struct fxb_outer:d.nope=error -2" \
			"off:struct fxb_outer:flags.f.x=error -2" "off:struct fxb_outer:arr[x]=error -22" \
			"off:struct fxb_outer:arr[1]x=error -22" "off:struct fxb_outer *:x=error -2" \
			"size:struct fxb_nope=error -2" "size:union fxb_outer=error -2" "enum:FXB_NOPE=error -2" \
			"symsize:fxb_global=error -2" "symsize:fxb_nope=error -2" >>"$tmp/expect"
		btf_answers "$fx.o" "DWARF $dw fixture's BTF" " (bitfields, nested anonymous members, flags.f/done.done paths, arrays, typedef chains, qualifiers, s32/u32/64-bit enumerators, per-cpu vars, absent names)" \
			"DWARF $dw fixture's BTF: answers equal the compiler's"
	done
	# tests/dwarf-fixture.c: BTF answers as the DWARF index does (all but symbols)
	if cc -g -O0 -c -o "$tmp/dwfx.o" "$here/dwarf-fixture.c" && cc -o "$tmp/dwfx" "$tmp/dwfx.o" &&
	   pahole -J "$tmp/dwfx.o" >/dev/null 2>&1; then
		"$tmp/dwfx" | grep -v '^sym' >"$tmp/expect"
		btf_answers "$tmp/dwfx.o" "tests/dwarf-fixture.c through BTF" "" "tests/dwarf-fixture.c through BTF"
	else
		fail "tests/dwarf-fixture.c through BTF" "cannot build it"
	fi
fi

# ---- garbage and truncated BTF: an input error, never a crash --------------
fxo=$tmp/fixture-dwarf5.o
if [ -f "$fxo" ] && objcopy --dump-section .BTF="$tmp/fx.btf" "$fxo" "$tmp/fx-copy.o" 2>/dev/null; then
	size=$(stat -c %s "$tmp/fx.btf")
	: >"$tmp/empty"
	head -c 24 "$tmp/fx.btf" >"$tmp/hdr-only"
	head -c $((size / 2)) "$tmp/fx.btf" >"$tmp/half"
	head -c $((size - 1)) "$tmp/fx.btf" >"$tmp/minus1"
	printf '\237\353\001\000garbage-garbage-garbage-garbage' >"$tmp/magic-garbage"
	head -c 65536 /dev/urandom >"$tmp/random"
	echo "this is not BTF" >"$tmp/text"
	bad=""
	for f in empty hdr-only half minus1 magic-garbage random text; do
		"$unit_san" btfmem "$tmp/$f" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		grep -q '^error -22: .*not valid BTF (libbpf: ' "$tmp/out" && [ "$rc" -eq 1 ] && ! [ -s "$tmp/err" ] ||
			bad="$bad $f(rc $rc: $(head -c 120 "$tmp/out" "$tmp/err" | tr '\n' ' '))"
	done
	"$unit_san" btfmem "$tmp/fx.btf" >"$tmp/out" 2>&1 && grep -q '^ok [0-9]* types' "$tmp/out" || bad="$bad intact($(head -c 100 "$tmp/out"))"
	[ -z "$bad" ] && pass "raw fixture BTF parses; empty, header-only, halved, one byte short, bad-after-magic, random and text blobs are input errors with libbpf's reason (ASan+UBSan, nothing on stderr)" ||
		fail "garbage BTF blobs are input errors" "$bad"
	if "$unit_san" fuzz "$tmp/fx.btf" 1 1500 >"$tmp/out" 2>"$tmp/err"; then
		pass "fixture BTF, 1500 truncations and byte flips under ASan+UBSan: $(tail -1 "$tmp/out")"
	else
		fail "fixture BTF fuzzed under ASan+UBSan" "$(tail -c 400 "$tmp/err")"
	fi
else
	fail "raw .BTF of the fixture" "objcopy --dump-section .BTF failed"
fi
if "$unit_san" ksymfuzz 1 30 >"$tmp/out" 2>"$tmp/err" && grep -q '^ksymfuzz 0 decoded' "$tmp/out" &&
   "$unit" ksymfuzz 2 300 >"$tmp/out" 2>"$tmp/err" && grep -q '^ksymfuzz 0 decoded' "$tmp/out"; then
	pass "kallsyms tables in random memory (30 rounds under ASan+UBSan, 300 without): an input error with a reason, never a crash"
else
	fail "kallsyms tables of random memory" "$(head -c 300 "$tmp/out" "$tmp/err")"
fi
# a kernel's BTF (the .BTF section of a corpus vmlinux), truncated and flipped
kv=$(ls "$cache"/kernels/*/vmlinux 2>/dev/null | head -1)
if [ -n "$kv" ] && $py - "$kv" "$tmp/kernel.btf" <<'EOP'
import struct, sys
# the .BTF section of an ELF64 little-endian file, by its section headers
f = open(sys.argv[1], "rb")
eh = f.read(64)
shoff, = struct.unpack_from("<Q", eh, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", eh, 0x3a)
f.seek(shoff)
sh = [struct.unpack("<IIQQQQIIQQ", f.read(shentsize)[:64]) for _ in range(shnum)]
f.seek(sh[shstrndx][4])
names = f.read(sh[shstrndx][5])
for s in sh:
    if names[s[0]:names.index(b"\0", s[0])] == b".BTF":
        f.seek(s[4])
        open(sys.argv[2], "wb").write(f.read(s[5]))
        sys.exit(0)
sys.exit(1)
EOP
then
	if "$unit" fuzz "$tmp/kernel.btf" 3 120 >"$tmp/out" 2>"$tmp/err"; then
		pass "$(basename "$(dirname "$kv")")'s BTF ($(stat -c %s "$tmp/kernel.btf") bytes), 120 truncations and byte flips: $(tail -1 "$tmp/out")"
	else
		fail "a kernel's BTF fuzzed" "$(tail -c 400 "$tmp/err")"
	fi
else
	fail "a kernel's BTF fuzzed" "no .BTF in ${kv:-any vmlinux of the cache}"
fi
expect "a file without BTF (/bin/true): input error" 2 "" "$probe" --btf /bin/true
grep -q '^target-probe: /bin/true: no such file, or no .BTF section in it (-[0-9]*)$\|^target-probe: /bin/true is not valid BTF.* (-22)$' "$tmp/err" ||
	fail "a file without BTF: the message says so" "$(head -c 200 "$tmp/err")"

# ---- kallsyms text files ---------------------------------------------------
printf '%s\n' "ffffffff81000000 T _stext" "ffffffff81001000 t dup_sym" \
	"ffffffff81002000 T dup_sym" "ffffffff81003000 t dup_sym" "ffffffff82000000 d local_data" \
	"ffffffffc0000000 t mod_fn	[somemod]" "ffffffff81004000 t first_local" \
	"ffffffff81005000 t first_local" >"$tmp/kallsyms"
"$unit" kallsyms "$tmp/kallsyms" dup_sym first_local local_data mod_fn >"$tmp/out" 2>&1
if [ "$(cat "$tmp/out")" = "7 symbols, 1 data
dup_sym=0xffffffff81002000 T
first_local=0xffffffff81004000 t
local_data=0xffffffff82000000 d
mod_fn=error -2" ]; then
	pass "kallsyms file: a global beats locals of its name, else the first; module symbols skipped"
else
	fail "kallsyms file: globals, locals, modules" "$(tr '\n' ' ' <"$tmp/out")"
fi
printf '%s\n' "0000000000000000 T _stext" "0000000000000000 D x" >"$tmp/kallsyms0"
printf '%s\n' "ffffffff81000000 T _stext" "not a line" >"$tmp/kallsyms-bad"
"$unit" kallsyms "$tmp/kallsyms0" >"$tmp/out0" 2>&1
"$unit" kallsyms "$tmp/kallsyms-bad" >"$tmp/outb" 2>&1
if grep -q "every address as 0 (kptr_restrict): run as root" "$tmp/out0" &&
   grep -q "kallsyms-bad:2: not a kallsyms line" "$tmp/outb"; then
	pass "kallsyms file: hidden addresses and a bad line are input errors"
else
	fail "kallsyms file: hidden addresses and a bad line" "$(cat "$tmp/out0" "$tmp/outb" | tr '\n' ' ')"
fi

# ---- this machine's /proc/kallsyms and /sys/kernel/btf/vmlinux -----------
if [ -r /sys/kernel/btf/vmlinux ]; then
	"$probe" --btf /sys/kernel/btf/vmlinux "size:struct page" "off:struct page:_refcount" "enum:ZONE_DEVICE" >"$tmp/out" 2>&1
	if grep -q '^size:struct page=[0-9]' "$tmp/out" && grep -q '^off:struct page:_refcount=[0-9]' "$tmp/out"; then
		pass "/sys/kernel/btf/vmlinux of $(uname -r) parses: $(grep -E '^(size|off)' "$tmp/out" | tr '\n' ' ')"
	else
		fail "/sys/kernel/btf/vmlinux parses" "$(head -c 300 "$tmp/out")"
	fi
else
	skip "/sys/kernel/btf/vmlinux parses" "this kernel has no /sys/kernel/btf/vmlinux"
fi
if [ -r /proc/kallsyms ] && [ "$(awk '$1 != "0000000000000000" {n++} END {print n+0}' /proc/kallsyms)" -gt 0 ]; then
	"$unit" kallsyms /proc/kallsyms _stext >"$tmp/out" 2>&1
	want=$(awk '$3 == "_stext" && NF == 3 {print "0x" $1; exit}' /proc/kallsyms | sed 's/0x0*/0x/')
	if grep -q "^_stext=$want T" "$tmp/out"; then
		pass "/proc/kallsyms of this machine: $(head -1 "$tmp/out"), _stext $want"
	else
		fail "/proc/kallsyms parses" "$(head -c 300 "$tmp/out")"
	fi
else
	skip "/proc/kallsyms parses" "not readable with addresses here (not root, or kptr_restrict)"
fi

# ---- the corpus --------------------------------------------------------------
manifests=$(ls "$cache"/corpus/*/*/manifest.json 2>/dev/null)
if [ -z "$manifests" ]; then
	fail "corpus present" "no manifest under $cache/corpus (make vmcores)"
	exit 0
fi

# No vmlinux reachable: the cache moved away, and none of the system places
# may hold one for the release (else the --types auto case is skipped).
nocache=$tmp/nocache
mkdir -p "$nocache"
system_vmlinux() {
	local r=$1 p
	for p in /usr/lib/debug/boot/vmlinux-$r /usr/lib/debug/lib/modules/$r/vmlinux \
		/lib/modules/$r/build/vmlinux /lib/modules/$r/vmlinux /boot/vmlinux-$r; do
		[ -e "$p" ] && echo "$p" && return
	done
}

# Per kernel: the kallsyms decoding and every question of li_check().
for kdir in "$cache"/corpus/*/; do
	rel=$(basename "$kdir")
	vmlinux=$cache/kernels/$rel/vmlinux
	# the fault-injected dump (KASLR), else any
	dump=""
	for d in "$kdir"faults/vmcore.kdump "$kdir"faults/vmcore.elf "$kdir"*/vmcore.kdump "$kdir"*/vmcore.elf; do
		[ -f "$d" ] && dump=$d && break
	done
	[ -n "$dump" ] || continue
	if [ ! -f "$vmlinux" ]; then
		fail "$rel: vmlinux in the cache" "no $vmlinux"
		continue
	fi
	map=$cache/kernels/$rel/System.map
	if [ "$(wc -l <"$map" 2>/dev/null || echo 0)" -lt 1000 ]; then
		nm "$vmlinux" >"$tmp/nm" 2>/dev/null
		map=$tmp/nm
	fi
	if env PGMAPCHECK_CACHE="$nocache" "$unit" ksyms "$dump" >"$tmp/ksyms" 2>"$tmp/err"; then
		read -r _ _ enc _ _ _ _ _ kaslr < <(head -1 "$tmp/ksyms" | tr -d ',')
		res=$($py - "$tmp/ksyms" "$map" "$kaslr" <<'EOP'
import collections, sys
ks, smap, kaslr = sys.argv[1], sys.argv[2], int(sys.argv[3], 16)
m = collections.defaultdict(set)
for l in open(smap):
    f = l.split()
    if len(f) >= 3:
        m[f[2]].add(int(f[0], 16))
n = bad = 0
ex = []
for l in open(ks):
    if l.startswith('#'):
        continue
    a, t, name = l.split()
    a, n = int(a, 16), n + 1
    # zero-based per-cpu symbols are not relocated
    if not any((c + (kaslr if c >> 63 else 0)) % 2**64 == a for c in m.get(name, ())):
        bad += 1
        ex.append("%s %#x" % (name, a))
print(n, bad, "; ".join(ex[:4]))
EOP
)
		read -r n bad ex <<<"$res"
		if [ "${n:-0}" -gt 10000 ] && [ "$bad" -eq 0 ]; then
			pass "$rel: kallsyms of the dump ($enc, KERNELOFFSET $kaslr): all $n symbols at their $(basename "$map") address"
		else
			fail "$rel: kallsyms of the dump against $(basename "$map")" "$bad of $n differ: $ex"
		fi
	else
		fail "$rel: kallsyms of the dump" "$(head -c 300 "$tmp/err")"
	fi
	if "$unit" questions "$dump" "$vmlinux" >"$tmp/q" 2>"$tmp/err"; then
		others=$(grep '^differ' "$tmp/q" | grep -v '^differ symsize:' | head -4 | tr '\n' ' ')
		sizes=$(grep '^differ symsize:' "$tmp/q" | sed 's/^differ symsize:\([^ ]*\) .*/\1/' | tr '\n' ' ')
		if [ -z "$others" ] && grep -q '^questions [0-9]* same' "$tmp/q"; then
			pass "$rel: li_check's $(awk '/^questions/ {print $2 + $4}' "$tmp/q") questions: BTF/kallsyms answer as DWARF$([ -n "$sizes" ] && echo " but the sizes of ${sizes% } (no global variables in BTF)")"
		else
			fail "$rel: li_check's questions answered alike" "$others"
		fi
	else
		fail "$rel: li_check's questions" "$(head -c 300 "$tmp/err")"
	fi
	# li_btf_target_open() over memory only (ASan+UBSan): the shipped "btf:"
	# target's report byte for byte; bad input refused with a message
	run env PGMAPCHECK_CACHE="$nocache" "$unit_san" memonly "$dump"
	want="vmlinux btf:dump+kallsyms:dump
same-json-callback 1
same-json-text 1
null-mem -22
null-out -22
opts-sz-2 -22
opts-unknown-nonzero -22"
	if [ "$rc" -eq 0 ] && ! [ -s "$tmp/err" ] && [ "$(head -7 "$tmp/out")" = "$want" ] &&
	   grep -q '^no-vmcoreinfo -22 li_btf_target_open: no VMCOREINFO' "$tmp/out" &&
	   grep -q '^no-kallsyms -2 .*no SYMBOL(kallsyms_names)' "$tmp/out" &&
	   grep -q '^reads-fail -61 .*cannot read' "$tmp/out" && grep -q '^out-null 1' "$tmp/out"; then
		pass "$rel: li_btf_target_open over memory only: the \"btf:\" target's JSON (VMCOREINFO by callback and by opts); bad arguments, opts, VMCOREINFO and memory refused (ASan+UBSan clean)"
	else
		fail "$rel: li_btf_target_open over memory only" "exit $rc: $(tr '\n' ' ' <"$tmp/out" | head -c 500) $(head -c 300 "$tmp/err")"
	fi
	run "$unit" missing "$dump" pgmap_array
	if grep -q 'li_check -2: cannot probe symbol pgmap_array' "$tmp/out"; then
		pass "$rel: a symbol kallsyms lacks is an error naming it ($(head -c 120 "$tmp/out"))"
	else
		fail "$rel: a symbol kallsyms lacks is an error naming it" "$(head -c 200 "$tmp/out" "$tmp/err")"
	fi
	# a vmlinux's .BTF section, and a foreign one
	other=$(ls -d "$cache"/kernels/*/ | grep -v "/$rel/" | head -1)
	run env PGMAPCHECK_CACHE="$nocache" "$cli" --btf "$vmlinux" --json --no-holders --no-hugetlb "$dump"
	if [ "$rc" -le 1 ] && grep -q "\"vmlinux\":\"btf:$vmlinux+kallsyms:dump\"" "$tmp/out"; then
		pass "$rel: --btf VMLINUX reads its .BTF section"
	else
		fail "$rel: --btf VMLINUX" "exit $rc: $(head -c 300 "$tmp/err")"
	fi
	if [ -f "${other}vmlinux" ]; then
		expect "$rel: --btf with another kernel's vmlinux: build-id mismatch" 2 "build-id mismatch" \
			"$cli" --btf "${other}vmlinux" "$dump"
	fi
	printf 'garbage' >"$tmp/garbage.btf"
	expect "$rel: --btf with a garbage file: exit 2 naming it" 2 "garbage.btf is not valid BTF \\(libbpf: " \
		"$cli" --btf "$tmp/garbage.btf" "$dump"
	run env PGMAPCHECK_CACHE="$nocache" "$li/build-san/pgmapcheck" --types btf --summary "$dump"
	if [ "$rc" -le 1 ] && ! [ -s "$tmp/err" ] && grep -q '^SUMMARY: ' "$tmp/out"; then
		pass "$rel: --types btf under ASan+UBSan: clean ($(grep '^SUMMARY: ' "$tmp/out" | cut -c10-80)...)"
	else
		fail "$rel: --types btf under ASan+UBSan" "exit $rc: $(head -c 400 "$tmp/err")"
	fi
	expect "$rel: --types dwarf without a vmlinux: exit 2" 2 "no debug vmlinux for kernel" \
		env PGMAPCHECK_CACHE="$nocache" "$cli" --types dwarf "$dump"
	run env PGMAPCHECK_CACHE="$nocache" "$cli" --types btf --summary --no-holders --no-hugetlb --no-vmemmap "$dump"
	if [ "$rc" -le 1 ] && head -1 "$tmp/out" | grep -q "^pgmapcheck [0-9.]*: $dump (no vmlinux: types from the BTF of the dump, symbols from the kallsyms of the dump), kernel "; then
		pass "$rel: the text report's first line names BTF and kallsyms"
	else
		fail "$rel: the text report's first line names BTF and kallsyms" "exit $rc: $(head -1 "$tmp/out") $(head -c 200 "$tmp/err")"
	fi
	sysv=$(system_vmlinux "$rel")
	if [ -n "$sysv" ]; then
		skip "$rel: --types auto without a vmlinux falls back to BTF" "$sysv is installed"
	else
		run env PGMAPCHECK_CACHE="$nocache" "$cli" --json --no-holders --no-hugetlb --no-vmemmap "$dump"
		a1=$(grep -o '"vmlinux":"[^"]*"' "$tmp/out")
		run env PGMAPCHECK_CACHE="$cache" "$cli" --json --no-holders --no-hugetlb --no-vmemmap "$dump"
		a2=$(grep -o '"vmlinux":"[^"]*"' "$tmp/out")
		if [ "$a1" = '"vmlinux":"btf:dump+kallsyms:dump"' ] && [ "$a2" = "\"vmlinux\":\"$vmlinux\"" ]; then
			pass "$rel: default --types auto: DWARF of the cache's vmlinux, BTF without one"
		else
			fail "$rel: --types auto" "without: $a1, with: $a2"
		fi
	fi
done

# Every dump: the BTF run's JSON is the DWARF run's but for "target" and
# the facts that need a plain global's size (listed in WEAKER).  The
# self-built kernel's device-private dumps (vmcores/selfbuilt), when there,
# show what that costs: the holders of device-private pages (swap entries)
# and the verdicts that need them.
selfbuilt=$(ls "$cache"/selfbuilt/corpus/*/*/manifest.json 2>/dev/null)
$py - "$cli" "$nocache" $manifests -- $selfbuilt <<'EOP'
import concurrent.futures, json, os, subprocess, sys

cli, nocache = sys.argv[1], sys.argv[2]
WEAKER = {("holder_walk", "swap_device_types"): "needs sizeof(swap_info) (MAX_SWAPFILES)"}
# what follows from undecoded device swap entries
HOLDER_CODES = {"PRIVATE_PAGE_LEAKED", "HOLDER_ORPHANED", "HOLDER_DEAD_PGMAP"}
dumps = []
relaxed = False
for p in sys.argv[3:]:
    if p == "--":
        relaxed = True
        continue
    m = json.load(open(p))
    for d in m["dumps"]:
        if os.path.exists(d["path"]) and os.path.exists(m["kernel"]["vmlinux"]):
            dumps.append((m["kernel"]["release"], m["scenario"], d["format"], d["path"],
                          m["kernel"]["vmlinux"], relaxed))

def run(args, env):
    p = subprocess.run([cli] + args, capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, **env))
    return p.returncode, p.stdout, p.stderr

def both(d):
    path = d[3]
    dw = run(["--json", "-k", d[4], path], {})
    bt = run(["--json", "--types", "btf", path], {"PGMAPCHECK_CACHE": nocache})
    return d, dw, bt

def diff(a, b, path=()):
    if type(a) != type(b):
        return [path]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(path + (k,))
            else:
                out += diff(a[k], b[k], path + (k,))
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [path + ("len",)]
        return [x for i, (u, v) in enumerate(zip(a, b)) for x in diff(u, v, path + (i,))]
    return [] if a == b else [path]

def holder_view(doc):
    """doc without what needs the device swap types; what was removed"""
    lost = (len(doc.pop("holders", [])),
            sum(n for c, n in doc["summary"]["by_code"].items() if c in HOLDER_CODES))
    for k in ("swap_device_types", "runs"):
        doc["holder_walk"].pop(k, None)
    doc["findings"] = [f for f in doc["findings"] if f["code"] not in HOLDER_CODES]
    for k in ("errors", "warnings", "infos", "max_severity"):
        doc["summary"].pop(k, None)
    doc["summary"]["by_code"] = {c: n for c, n in doc["summary"]["by_code"].items()
                                 if c not in HOLDER_CODES}
    return lost

with concurrent.futures.ThreadPoolExecutor(2) as ex:
    for d, dw, bt in ex.map(both, dumps):
        name = "%s/%s/%s" % d[:3]
        if d[5]:
            name = "selfbuilt " + name
            try:
                a, b = json.loads(dw[1]), json.loads(bt[1])
            except ValueError:
                print("not ok %s: --types btf runs - dwarf %d, btf %d: %s" % (
                    name, dw[0], bt[0], " ".join((bt[2] or dw[2]).split())[:300]))
                continue
            a.pop("target"), b.pop("target")
            la, lb = holder_view(a), holder_view(b)
            other = ["/".join(map(str, p)) for p in diff(a, b)]
            if other:
                print("not ok %s: BTF JSON equals DWARF JSON but for target and device-swap holders - differ at %s" % (
                    name, ", ".join(other[:6])))
            else:
                print("ok %s: --types btf, no vmlinux: same JSON as DWARF but target and what needs the device swap types (holders %d -> %d, %s findings %d -> %d)" % (
                    name, la[0], lb[0], "/".join(sorted(HOLDER_CODES)), la[1], lb[1]))
            continue
        if dw[0] not in (0, 1) or bt[0] != dw[0]:
            print("not ok %s: --types btf exits as --types dwarf - dwarf %d, btf %d: %s" % (
                name, dw[0], bt[0], " ".join((bt[2] or dw[2]).split())[:300]))
            continue
        a, b = json.loads(dw[1]), json.loads(bt[1])
        tgt = b.pop("target")
        a.pop("target")
        diffs = diff(a, b)
        weaker = sorted({"/".join(map(str, p)) for p in diffs if tuple(p[:2]) in WEAKER})
        other = ["/".join(map(str, p)) for p in diffs if tuple(p[:2]) not in WEAKER]
        key = lambda r: [(f["code"], f.get("pfn")) for f in r["findings"]]
        if other:
            print("not ok %s: BTF JSON equals DWARF JSON but for target - differ at %s" % (
                name, ", ".join(other[:6])))
        elif tgt.get("vmlinux") != "btf:dump+kallsyms:dump":
            print("not ok %s: target.vmlinux names BTF and kallsyms - %r" % (name, tgt))
        else:
            print("ok %s: --types btf, no vmlinux: same JSON as DWARF but target (%d pgmaps, %d findings %s, vmemmap rows %d, exit %d)%s" % (
                name, len(b["pgmaps"]), len(b["findings"]),
                sorted(set(c for c, _ in key(b))) or "[]", len(b.get("vmemmap", [])), bt[0],
                "; weaker: %s (%s)" % (", ".join(weaker), "; ".join(set(WEAKER.values())))
                if weaker else ""))
EOP
