// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Type, enumerator and symbol index of a vmlinux.
 *
 * A Debian debug vmlinux has ~2800 compile units and 170+ MiB of
 * .debug_info, almost all of it the same headers over and over.  We only
 * look at the top-level DIEs of each unit (siblings, never descending into
 * functions) and remember the first complete definition of each named
 * struct/union/enum/typedef/base type and every enumerator.  Units are
 * indexed lazily, in order, until a lookup is satisfied: struct page and
 * friends are defined in the first units, so a typical run reads a small
 * part of the DWARF; a name that does not exist costs one full pass, after
 * which everything is in the table.  Every answer is also remembered per
 * build-id (dwarf_memo.c), so later runs on the same kernel skip all this,
 * the ELF symtab included (it is loaded on the first symbol question).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include "dwarf_memo.h"
#include "file.h"
#include "dwarf_types.h"
#include "typename.h"

enum dwt_kind {
	K_STRUCT = LI_TI_STRUCT,
	K_UNION = LI_TI_UNION,
	K_ENUM = LI_TI_ENUM,
	K_TYPEDEF = LI_TI_TYPEDEF,
	K_BASE = LI_TI_BASE,
	K_ENUMERATOR,
	K_SYMBOL,
};

#define SYM_LOCAL	0x1
#define SYM_PERCPU	0x2

/* Names point into the mapped file (.debug_str, .debug_info, .strtab). */
struct dwt_ent {
	const char *name;
	uint64_t val;		/* DIE offset, enumerator value or address */
	uint64_t size;		/* symbols */
	uint32_t hash;
	uint8_t kind;
	uint8_t flags;
};

struct dwt {
	int fd;
	Elf *elf;
	Dwarf *dbg;
	Dwarf_CU *cu;		/* last unit indexed (NULL: none yet) */
	bool scan_done;
	int symtab_err;		/* 1: not loaded yet */
	struct dwm *memo;
	unsigned int ptr_size;
	struct dwt_ent *tab;
	size_t cap, nr;		/* cap is a power of two */
};

static uint32_t name_hash(int kind, const char *s, size_t n)
{
	uint32_t h = 2166136261u ^ (uint32_t)kind;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static struct dwt_ent *tab_get(struct dwt *d, int kind, const char *name,
			       size_t n)
{
	uint32_t h = name_hash(kind, name, n);
	size_t i;

	for (i = h & (d->cap - 1); d->tab[i].name; i = (i + 1) & (d->cap - 1)) {
		struct dwt_ent *e = &d->tab[i];

		if (e->hash == h && e->kind == kind &&
		    !strncmp(e->name, name, n) && !e->name[n])
			return e;
	}
	return NULL;
}

static int tab_grow(struct dwt *d)
{
	size_t ncap = d->cap ? d->cap * 2 : 1 << 16, i, j;
	struct dwt_ent *nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return -ENOMEM;
	for (i = 0; i < d->cap; i++) {
		if (!d->tab[i].name)
			continue;
		for (j = d->tab[i].hash & (ncap - 1); nt[j].name;
		     j = (j + 1) & (ncap - 1))
			;
		nt[j] = d->tab[i];
	}
	free(d->tab);
	d->tab = nt;
	d->cap = ncap;
	return 0;
}

/* Insert a new entry (the caller checked it is absent). */
static struct dwt_ent *tab_put(struct dwt *d, int kind, const char *name)
{
	uint32_t h;
	size_t i;

	if ((d->nr + 1) * 2 > d->cap && tab_grow(d))
		return NULL;
	h = name_hash(kind, name, strlen(name));
	for (i = h & (d->cap - 1); d->tab[i].name; i = (i + 1) & (d->cap - 1))
		;
	d->tab[i] = (struct dwt_ent){ .name = name, .hash = h, .kind = kind };
	d->nr++;
	return &d->tab[i];
}

static int64_t enumerator_value(Dwarf_Die *die, bool *ok)
{
	Dwarf_Attribute a;
	Dwarf_Sword s;
	Dwarf_Word u;

	*ok = false;
	if (!dwarf_attr(die, DW_AT_const_value, &a))
		return 0;
	if (dwarf_whatform(&a) == DW_FORM_sdata ||
	    dwarf_whatform(&a) == DW_FORM_implicit_const) {
		*ok = !dwarf_formsdata(&a, &s);
		return s;
	}
	*ok = !dwarf_formudata(&a, &u);
	return (int64_t)u;
}

/* Enumerators of one enum; the first one tells an enum already seen. */
static int index_enumerators(struct dwt *d, Dwarf_Die *en)
{
	Dwarf_Die c;
	bool first = true;

	if (dwarf_child(en, &c) != 0)
		return 0;
	do {
		const char *name = dwarf_diename(&c);
		struct dwt_ent *e;
		int64_t v;
		bool ok;

		if (dwarf_tag(&c) != DW_TAG_enumerator || !name)
			continue;
		if (tab_get(d, K_ENUMERATOR, name, strlen(name))) {
			if (first)
				return 0;
			continue;
		}
		first = false;
		v = enumerator_value(&c, &ok);
		if (!ok)
			continue;
		e = tab_put(d, K_ENUMERATOR, name);
		if (!e)
			return -ENOMEM;
		e->val = (uint64_t)v;
	} while (dwarf_siblingof(&c, &c) == 0);
	return 0;
}

static int die_kind(Dwarf_Die *die)
{
	switch (dwarf_tag(die)) {
	case DW_TAG_structure_type:
		return K_STRUCT;
	case DW_TAG_union_type:
		return K_UNION;
	case DW_TAG_enumeration_type:
		return K_ENUM;
	case DW_TAG_typedef:
		return K_TYPEDEF;
	case DW_TAG_base_type:
		return K_BASE;
	default:
		return 0;
	}
}

static int index_die(struct dwt *d, Dwarf_Die *die)
{
	int kind = die_kind(die);
	const char *name;
	struct dwt_ent *e;
	int err;

	if (!kind || dwarf_hasattr(die, DW_AT_declaration))
		return 0;
	name = dwarf_diename(die);
	if (name && tab_get(d, kind, name, strlen(name)))
		return 0;
	if (kind == K_ENUM) {
		err = index_enumerators(d, die);
		if (err)
			return err;
	}
	if (!name)
		return 0;
	e = tab_put(d, kind, name);
	if (!e)
		return -ENOMEM;
	e->val = dwarf_dieoffset(die);
	return 0;
}

/* Index the next compile unit; -ENOENT once all are done. */
static int index_next_unit(struct dwt *d)
{
	Dwarf_CU *next;
	Dwarf_Die cudie, die;
	Dwarf_Half version;
	uint8_t unit_type;
	int ret, err;

	if (d->scan_done)
		return -ENOENT;
	ret = dwarf_get_units(d->dbg, d->cu, &next, &version, &unit_type,
			      &cudie, NULL);
	if (ret != 0) {
		d->scan_done = true;
		return ret < 0 ? -EIO : -ENOENT;
	}
	d->cu = next;
	if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
		return 0;
	if (dwarf_child(&cudie, &die) != 0)
		return 0;
	do {
		err = index_die(d, &die);
		if (err)
			return err;
	} while (dwarf_siblingof(&die, &die) == 0);
	return 0;
}

/* First entry of any of kinds[] for name, indexing more units as needed. */
static struct dwt_ent *find_any(struct dwt *d, const int *kinds, int nkinds,
				const char *name, size_t n)
{
	struct dwt_ent *e;
	int i;

	for (;;) {
		for (i = 0; i < nkinds; i++) {
			e = tab_get(d, kinds[i], name, n);
			if (e)
				return e;
		}
		if (index_next_unit(d) == -ENOENT)
			return NULL;
	}
}

/* Resolve a type name to its DIE; *pointer when it ends in '*'. */
static int lookup_type(struct dwt *d, const char *type, Dwarf_Die *die,
		       bool *pointer)
{
	struct li_typename tn;
	struct dwt_ent *e;

	if (li_typename_parse(type, &tn))
		return -EINVAL;
	*pointer = tn.pointer;
	e = find_any(d, tn.kinds, tn.nkinds, tn.name, tn.len);
	if (!e)
		return -ENOENT;
	if (!dwarf_offdie(d->dbg, e->val, die))
		return -EIO;
	return 0;
}

static int q_type_size(struct dwt *d, const char *type, const char *unused,
		       struct dwm_answer *ans)
{
	Dwarf_Die die;
	Dwarf_Word w;
	bool pointer;
	int err;

	(void)unused;
	/* any pointer has the same size, even to a type without DWARF */
	if (strchr(type, '*')) {
		ans->val = d->ptr_size;
		return 0;
	}
	err = lookup_type(d, type, &die, &pointer);
	if (err)
		return err;
	if (dwarf_aggregate_size(&die, &w))
		return -ENOENT;	/* incomplete, or void */
	ans->val = w;
	return 0;
}

static int die_type(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;

	if (!dwarf_attr_integrate(die, DW_AT_type, &a) ||
	    !dwarf_formref_die(&a, out))
		return -ENOENT;
	return 0;
}

/* The member's type with typedefs and qualifiers peeled off. */
static int member_type(Dwarf_Die *member, Dwarf_Die *out)
{
	if (die_type(member, out) || dwarf_peel_type(out, out))
		return -ENOENT;
	return 0;
}

static bool is_aggregate(Dwarf_Die *die)
{
	int tag = dwarf_tag(die);

	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type;
}

static int member_location(Dwarf_Die *m, uint64_t *off)
{
	Dwarf_Attribute a;
	Dwarf_Word w;
	Dwarf_Op *ops;
	size_t nops;

	*off = 0;	/* union members have no location */
	if (dwarf_attr(m, DW_AT_data_member_location, &a)) {
		if (!dwarf_formudata(&a, &w)) {
			*off = w;
			return 0;
		}
		/* DWARF 2 style: a DW_OP_plus_uconst expression */
		if (!dwarf_getlocation(&a, &ops, &nops) && nops == 1 &&
		    ops[0].atom == DW_OP_plus_uconst) {
			*off = ops[0].number;
			return 0;
		}
		return -EIO;
	}
	if (dwarf_attr(m, DW_AT_data_bit_offset, &a)) {
		if (dwarf_formudata(&a, &w))
			return -EIO;
		*off = w / 8;
	}
	return 0;
}

/* Member name[0..n) of a struct/union, also inside anonymous members. */
static int find_member(Dwarf_Die *agg, const char *name, size_t n,
		       Dwarf_Die *out, uint64_t *off, int depth)
{
	Dwarf_Die c, t;
	uint64_t moff, sub;

	if (depth > 16 || dwarf_child(agg, &c) != 0)
		return -ENOENT;
	do {
		const char *mn = dwarf_diename(&c);

		if (dwarf_tag(&c) != DW_TAG_member || member_location(&c, &moff))
			continue;
		if (mn) {
			if (!strncmp(mn, name, n) && !mn[n]) {
				*out = c;
				*off = moff;
				return 0;
			}
			continue;
		}
		if (member_type(&c, &t) || !is_aggregate(&t))
			continue;
		if (!find_member(&t, name, n, out, &sub, depth + 1)) {
			*off = moff + sub;
			return 0;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return -ENOENT;
}

/* The member path's steps over DWARF (li_member_path). */
static int dwt_path_member(void *ctx, const char *name, size_t n,
			   uint64_t *off)
{
	Dwarf_Die *cur = ctx, m;
	int err;

	if (!is_aggregate(cur))
		return -ENOENT;
	err = find_member(cur, name, n, &m, off, 0);
	if (err)
		return err;
	return member_type(&m, cur) ? -ENOENT : 0;
}

static int dwt_path_element(void *ctx, uint64_t *size)
{
	Dwarf_Die *cur = ctx, elem;
	Dwarf_Word esize;

	if (dwarf_tag(cur) != DW_TAG_array_type)
		return -ENOENT;
	if (die_type(cur, &elem) || dwarf_aggregate_size(&elem, &esize))
		return -ENOENT;
	*size = esize;
	return dwarf_peel_type(&elem, cur) ? -ENOENT : 0;
}

static int q_member_offset(struct dwt *d, const char *type, const char *path,
			   struct dwm_answer *ans)
{
	static const struct li_path_ops ops = {
		.member = dwt_path_member,
		.element = dwt_path_element,
	};
	Dwarf_Die cur;
	bool pointer;
	int err;

	err = lookup_type(d, type, &cur, &pointer);
	if (err)
		return err;
	if (pointer || dwarf_peel_type(&cur, &cur))
		return -ENOENT;
	return li_member_path(path, &ops, &cur, &ans->val);
}

static int q_enum_value(struct dwt *d, const char *name, const char *unused,
			struct dwm_answer *ans)
{
	static const int kinds[] = { K_ENUMERATOR };
	struct dwt_ent *e;

	(void)unused;
	e = find_any(d, kinds, 1, name, strlen(name));
	if (!e)
		return -ENOENT;
	ans->val = e->val;
	return 0;
}

static int load_symtab(struct dwt *d);

#define AUX_PERCPU	(1ULL << 63)

/* val: link-time address; aux: size, and AUX_PERCPU */
static int q_symbol(struct dwt *d, const char *name, const char *unused,
		    struct dwm_answer *ans)
{
	struct dwt_ent *e;

	(void)unused;
	if (d->symtab_err == 1)
		d->symtab_err = load_symtab(d);
	if (d->symtab_err)
		return d->symtab_err;
	e = tab_get(d, K_SYMBOL, name, strlen(name));
	if (!e)
		return -ENOENT;
	ans->val = e->val;
	ans->aux = (e->size & ~AUX_PERCPU) |
		   (e->flags & SYM_PERCPU ? AUX_PERCPU : 0);
	return 0;
}

typedef int (*dwt_question_fn)(struct dwt *d, const char *a, const char *b,
			       struct dwm_answer *ans);

/* Answer from the memo, or compute and remember the answer. */
static int ask(struct dwt *d, char q, const char *a, const char *b,
	       dwt_question_fn fn, struct dwm_answer *ans)
{
	char key[512];
	int n;

	n = snprintf(key, sizeof(key), "%c|%s|%s", q, a, b ? b : "");
	if (n > 0 && (size_t)n < sizeof(key) && dwm_get(d->memo, key, ans))
		return ans->err;
	memset(ans, 0, sizeof(*ans));
	ans->err = fn(d, a, b, ans);
	if (n > 0 && (size_t)n < sizeof(key))
		dwm_put(d->memo, key, ans);
	return ans->err;
}

int dwt_type_size(struct dwt *d, const char *type, uint64_t *size)
{
	struct dwm_answer a;

	if (!d || !type || !size)
		return -EINVAL;
	if (ask(d, 'S', type, NULL, q_type_size, &a))
		return a.err;
	*size = a.val;
	return 0;
}

int dwt_member_offset(struct dwt *d, const char *type, const char *path,
		      uint64_t *offset)
{
	struct dwm_answer a;

	if (!d || !type || !path || !*path || !offset)
		return -EINVAL;
	if (ask(d, 'O', type, path, q_member_offset, &a))
		return a.err;
	*offset = a.val;
	return 0;
}

int dwt_enum_value(struct dwt *d, const char *name, int64_t *value)
{
	struct dwm_answer a;

	if (!d || !name || !value)
		return -EINVAL;
	if (ask(d, 'E', name, NULL, q_enum_value, &a))
		return a.err;
	*value = (int64_t)a.val;
	return 0;
}

int dwt_symbol(struct dwt *d, const char *name, uint64_t *addr,
	       uint64_t *size, bool *percpu)
{
	struct dwm_answer a;

	if (!d || !name)
		return -EINVAL;
	if (ask(d, 'Y', name, NULL, q_symbol, &a))
		return a.err;
	if (addr)
		*addr = a.val;
	if (size)
		*size = a.aux & ~AUX_PERCPU;
	if (percpu)
		*percpu = a.aux & AUX_PERCPU;
	return 0;
}

static bool want_symbol(const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);

	if (sym->st_shndx == SHN_UNDEF)
		return false;
	return type == STT_OBJECT || type == STT_FUNC || type == STT_NOTYPE ||
	       type == STT_TLS;
}

static int add_symbol(struct dwt *d, const char *name, const GElf_Sym *sym,
		      size_t percpu_shndx)
{
	bool local = GELF_ST_BIND(sym->st_info) == STB_LOCAL;
	struct dwt_ent *e = tab_get(d, K_SYMBOL, name, strlen(name));

	/* first definition wins, except that a global beats a local */
	if (e && (local || !(e->flags & SYM_LOCAL)))
		return 0;
	if (!e) {
		e = tab_put(d, K_SYMBOL, name);
		if (!e)
			return -ENOMEM;
	}
	e->val = sym->st_value;
	e->size = sym->st_size;
	e->flags = (local ? SYM_LOCAL : 0) |
		   (percpu_shndx && sym->st_shndx == percpu_shndx ?
			    SYM_PERCPU : 0);
	return 0;
}

static size_t section_index(Elf *elf, const char *want)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstrndx;
	const char *name;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, want))
			return elf_ndxscn(scn);
	}
	return 0;
}

static int load_symtab(struct dwt *d)
{
	size_t percpu = section_index(d->elf, ".data..percpu");
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Sym sym;
	Elf_Data *data;
	const char *name;
	size_t i, n;
	int err;

	while ((scn = elf_nextscn(d->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB ||
		    !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			return -EIO;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 1; i < n; i++) {
			if (!gelf_getsym(data, i, &sym) || !want_symbol(&sym))
				continue;
			name = elf_strptr(d->elf, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			err = add_symbol(d, name, &sym, percpu);
			if (err)
				return err;
		}
		return 0;
	}
	return -ENOENT;
}

int dwt_build_id(struct dwt *d, char *hex, size_t len)
{
	const unsigned char *id;
	ssize_t n, i;

	n = dwelf_elf_gnu_build_id(d->elf, (const void **)&id);
	if (n <= 0)
		return -ENOENT;
	if (len < (size_t)n * 2 + 1)
		return -EINVAL;
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	return 0;
}

const char *dwt_arch_name(struct dwt *d)
{
	GElf_Ehdr eh;

	if (!gelf_getehdr(d->elf, &eh))
		return NULL;
	switch (eh.e_machine) {
	case EM_X86_64:
		return "x86_64";
	case EM_386:
		return "ia32";
	case EM_AARCH64:
		return "aarch64";
	case EM_S390:
		return "s390x";
	case EM_PPC64:
		return "ppc64";
	case EM_RISCV:
		return "riscv64";
	}
	return NULL;
}

int dwt_read_image(struct dwt *d, uint64_t addr, void *buf, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	ssize_t got;

	while ((scn = elf_nextscn(d->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_type == SHT_NOBITS)
			continue;
		if (addr < sh.sh_addr || addr - sh.sh_addr > sh.sh_size ||
		    len > sh.sh_size - (addr - sh.sh_addr))
			continue;
		got = pread(d->fd, buf, len, sh.sh_offset + (addr - sh.sh_addr));
		return got == (ssize_t)len ? 0 : -EIO;
	}
	return -EFAULT;
}

static struct dwm *open_memo(struct dwt *d)
{
	char id[128];
	struct stat st;

	if (dwt_build_id(d, id, sizeof(id)) || fstat(d->fd, &st))
		return NULL;
	return dwm_open(id, st.st_size);
}

static int open_fail(struct dwt *d, int err, char *errbuf, size_t errlen,
		     const char *fmt, const char *path, const char *why)
{
	snprintf(errbuf, errlen, fmt, path, why);
	dwt_close(d);
	return err;
}

int dwt_open(const char *path, struct dwt **out, char *errbuf, size_t errlen)
{
	struct dwt *d;
	int err;

	*out = NULL;
	elf_version(EV_CURRENT);
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fd = li_open_regular(path, "vmlinux", errbuf, errlen);
	if (d->fd < 0) {
		err = d->fd;
		d->fd = -1;
		dwt_close(d);
		return err;
	}
	d->elf = elf_begin(d->fd, ELF_C_READ_MMAP, NULL);
	if (!d->elf || elf_kind(d->elf) != ELF_K_ELF)
		return open_fail(d, -EINVAL, errbuf, errlen,
				 "%s is not an ELF file (%s)", path,
				 elf_errmsg(-1));
	d->ptr_size = gelf_getclass(d->elf) == ELFCLASS32 ? 4 : 8;
	d->dbg = dwarf_begin_elf(d->elf, DWARF_C_READ, NULL);
	if (!d->dbg)
		return open_fail(d, -EINVAL, errbuf, errlen,
				 "%s has no usable DWARF debug info (%s); a debug vmlinux is needed (linux-image-*-dbg)",
				 path, dwarf_errmsg(-1));
	err = tab_grow(d);
	if (err)
		return open_fail(d, err, errbuf, errlen, "%s: %s", path,
				 strerror(-err));
	d->symtab_err = 1;
	d->memo = open_memo(d);
	*out = d;
	return 0;
}

void dwt_close(struct dwt *d)
{
	if (!d)
		return;
	dwm_close(d->memo);
	if (d->dbg)
		dwarf_end(d->dbg);
	if (d->elf)
		elf_end(d->elf);
	if (d->fd >= 0)
		close(d->fd);
	free(d->tab);
	free(d);
}
