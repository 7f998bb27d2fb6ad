// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libinspect's target callbacks over crash's API: readmem() for memory,
 * the embedded gdb (datatype_info, enumerator_value, get_symbol_type) for
 * types, crash's symbol table for symbols, pc->read_vmcoreinfo for
 * VMCOREINFO.  No check logic lives here: this only adapts access.
 *
 * Only libinspect.h meets defs.h in this file; libinspect's internals are
 * linked from the static archive with hidden visibility.
 */
#include "defs.h"
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <fcntl.h>
#include <unistd.h>
#include <gelf.h>
#include "crash_target.h"

#define CT_NAME_MAX	256

/*
 * crash's lookups take "page" as well as "struct page" (datatype_info
 * retries with "struct " and "union " prepended) but ANON_MEMBER_OFFSET
 * pastes the name after "struct ", so keep the bare tag name too.
 */
static int ct_bare_name(const char *type, char *buf, size_t len)
{
	static const char *const tags[] = { "struct ", "union ", "enum " };
	size_t i, n;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		n = strlen(tags[i]);
		if (!strncmp(type, tags[i], n)) {
			type += n;
			break;
		}
	}
	if (!*type || strlen(type) >= len)
		return -EINVAL;
	strcpy(buf, type);
	return 0;
}

static int ct_copy(const char *s, char *buf, size_t len)
{
	if (!s || !*s || strlen(s) >= len)
		return -EINVAL;
	strcpy(buf, s);
	return 0;
}

/*
 * readmem() only says yes or no.  Tell the two failures libinspect cares
 * about apart afterwards: a kernel address whose page tables do not map it
 * is invalid (-EFAULT); one that translates but cannot be read is memory
 * the dump did not capture (-ENODATA), as is any physical address below
 * the architecture's limit.
 */
static int ct_read_error(enum li_addr_space space, uint64_t addr, size_t len)
{
	uint64_t last = addr + len - 1, va;
	physaddr_t pa;

	if (space == LI_PHYSADDR) {
		/* 0 under crash --minimal: machdep never set it */
		if (MAX_PHYSMEM_BITS() > 0 && MAX_PHYSMEM_BITS() < 64 &&
		    (last >> MAX_PHYSMEM_BITS()))
			return -EFAULT;
		return -ENODATA;
	}
	for (va = addr & ~(uint64_t)(PAGESIZE() - 1); va <= last;
	     va += PAGESIZE()) {
		if (!IS_KVADDR(va) || !kvtop(NULL, va, &pa, 0))
			return -EFAULT;
		if (va + PAGESIZE() < va)
			break;
	}
	return -ENODATA;
}

/*
 * crash serves the part of an ELF PT_LOAD past its p_filesz as zeroes (the
 * ELF spec): memory the dump tool left out.  libinspect's map of the file
 * says what it holds (NULL: not ELF, live); opened once per session.
 */
static struct li_dump_map *ct_map;
static bool ct_map_tried;

static const struct li_dump_map *ct_dump_map(void)
{
	if (!ct_map_tried) {
		ct_map_tried = true;
		if (!ACTIVE() && pc->dumpfile)
			li_dump_map_open(pc->dumpfile, &ct_map, NULL, 0);
	}
	return ct_map;
}

void crash_target_fini(void)
{
	li_dump_map_close(ct_map);
	ct_map = NULL;
	ct_map_tried = false;
}

static int ct_read(void *ctx, enum li_addr_space space, uint64_t addr,
		   void *buf, size_t len)
{
	int memtype;

	(void)ctx;
	if (space == LI_KVADDR)
		memtype = KVADDR;
	else if (space == LI_PHYSADDR)
		memtype = PHYSADDR;
	else
		return -EINVAL;
	if (!len)
		return 0;
	if (len > LONG_MAX || addr + len - 1 < addr)
		return -EFAULT;
	/*
	 * crash --minimal translates the kernel image and the direct map, not
	 * the vmemmap or the per-cpu areas: libinspect walks the page tables
	 * and reads those physically through us (-LI_READ_XLAT).
	 */
	if (space == LI_KVADDR && (pc->flags & MINIMAL_MODE))
		return IS_KVADDR(addr) && readmem(addr, KVADDR, buf, len,
				"pgmapcheck", RETURN_ON_ERROR | QUIET) ?
		       0 : -LI_READ_XLAT;
	if (space == LI_KVADDR && !IS_KVADDR(addr))
		return -EFAULT;
	if (space == LI_PHYSADDR && !li_dump_map_captured(ct_dump_map(), addr, len))
		return ct_read_error(space, addr, len);	/* -EFAULT past the bits */
	if (readmem(addr, memtype, buf, len, "pgmapcheck",
		    RETURN_ON_ERROR | QUIET))
		return 0;
	return ct_read_error(space, addr, len);
}

static const struct sigaction *ct_sigint;

void crash_target_keep_sigint(const struct sigaction *sa)
{
	ct_sigint = sa;
}

/* After a gdb call: gdb_interface() has reinstalled crash's handler. */
static void ct_after_gdb(void)
{
	if (ct_sigint)
		sigaction(SIGINT, ct_sigint, NULL);
}

/*
 * The core asks the same hundred type and symbol questions on every run,
 * each a gdb lookup or a search of crash's tables: remember the answers for
 * the session, which is always about one kernel image.
 */
struct ct_answer {
	struct ct_answer *next;
	int err;
	int64_t value;
	char key[];		/* "kind\ntype\nmember" */
};

static struct ct_answer *ct_answers;

static struct ct_answer *ct_lookup(const char *key)
{
	struct ct_answer *a;

	for (a = ct_answers; a; a = a->next)
		if (!strcmp(a->key, key))
			return a;
	return NULL;
}

static void ct_remember(const char *key, int err, int64_t value)
{
	struct ct_answer *a = malloc(sizeof(*a) + strlen(key) + 1);

	if (!a)
		return;		/* only a lost optimisation */
	a->err = err;
	a->value = value;
	strcpy(a->key, key);
	a->next = ct_answers;
	ct_answers = a;
}

static void __attribute__((destructor)) ct_forget(void)
{
	struct ct_answer *a;

	while ((a = ct_answers)) {
		ct_answers = a->next;
		free(a);
	}
}

/* sizeof any type gdb knows: struct/union/enum tags, typedefs, base types. */
static int ct_type_size_uncached(const char *type, int64_t *size)
{
	char name[CT_NAME_MAX] = "";
	long sz = -1;

	/* the bare tag is the cheap lookup; then "unsigned long", "pgd_t"... */
	if (!ct_bare_name(type, name, sizeof(name)))
		sz = datatype_info(name, NULL, NULL);
	if (sz < 0 && strcmp(name, type) && !ct_copy(type, name, sizeof(name)))
		sz = datatype_info(name, NULL, NULL);
	if (sz < 0)
		return -ENOENT;
	*size = sz;
	return 0;
}

/*
 * MEMBER_OFFSET is one cheap gdb lookup (get_member_data, which also
 * descends into anonymous structs/unions: "compound_head", "pgmap" of
 * struct page); ANON_MEMBER_OFFSET has gdb evaluate &((struct T *)0)->path,
 * 50-130 ms a call, twice when it fails (struct, then union): it was most
 * of a first run.  So a plain member is MEMBER_OFFSET alone, and a dotted
 * path is walked one member at a time through each member's type name.
 * A component that is neither a struct/union nor a typedef (one of a
 * pointer: "ref.data" when ref is a pointer, a word: "flags.f", an array)
 * fails, as gdb's evaluation does.  Returns the offset, -ENOENT, or
 * -EAGAIN where the walk cannot name a type (a member of an unnamed
 * struct type, an array index): gdb's evaluation answers those.
 */
static long ct_path_offset(const char *type, char *path)
{
	char name[CT_NAME_MAX];
	char *comp, *dot;
	long total = 0;

	if (strchr(path, '['))
		return -EAGAIN;
	strcpy(name, type);
	for (comp = path;; comp = dot + 1) {
		struct datatype_member dm = { 0 };
		const char *tn;
		long off;

		dot = strchr(comp, '.');
		if (dot)
			*dot = '\0';
		if (!*comp)
			return -ENOENT;
		off = datatype_info(name, comp, &dm);
		if (off < 0)
			return -ENOENT;
		total += off;
		if (!dot)
			return total;
		/*
		 * defs.h names no more codes for an extension: a base type
		 * or a typedef (atomic_t) is looked up by name, and the
		 * next member lookup fails unless it is a struct/union
		 */
		if (dm.member_typecode == TYPE_CODE_UNDEF ||
		    dm.member_typecode == TYPE_CODE_PTR ||
		    dm.member_typecode == TYPE_CODE_ARRAY ||
		    dm.member_typecode == TYPE_CODE_ENUM)
			return -ENOENT;
		tn = (const char *)MEMBER_TYPE_NAME(name, comp);
		if (!tn || !*tn || strlen(tn) >= sizeof(name))
			return -EAGAIN;
		strcpy(name, tn);
	}
}

static int ct_member_offset_uncached(const char *type, const char *member,
				     int64_t *offset)
{
	char name[CT_NAME_MAX], path[CT_NAME_MAX];
	long off;

	if (ct_bare_name(type, name, sizeof(name)) ||
	    ct_copy(member, path, sizeof(path)))
		return -EINVAL;
	off = ct_path_offset(name, path);
	if (off == -EAGAIN) {
		strcpy(path, member);	/* the walk cut it at the dots */
		off = ANON_MEMBER_OFFSET(name, path);
	}
	if (off < 0)
		return -ENOENT;
	*offset = off;
	return 0;
}

/*
 * enumerator_value() has gdb parse the name as an expression, and for a
 * name gdb does not know its C parser goes on to look for a source file of
 * that name through every CU's line table: 50-100 ms, and the core probes
 * enumerators that newer kernels dropped (IORES_DESC_DEVICE_PUBLIC_MEMORY).
 * "info address" is the parser's own symbol lookup (same name, domain and
 * global scope) without the file search, 1-2 ms: when it finds nothing,
 * neither would the parser.
 */
static bool ct_gdb_knows(const char *name)
{
	char cmd[CT_NAME_MAX + 16];
	const char *p;

	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return true;	/* not an identifier: let gdb parse it */
	snprintf(cmd, sizeof(cmd), "info address %s", name);
	return gdb_pass_through(cmd, pc->nullfp, GNU_RETURN_ON_ERROR);
}

static int ct_enum_value_uncached(const char *name, int64_t *value)
{
	char buf[CT_NAME_MAX];
	long v;

	if (ct_copy(name, buf, sizeof(buf)))
		return -EINVAL;
	if (!ct_gdb_knows(buf) || !enumerator_value(buf, &v))
		return -ENOENT;
	*value = v;
	return 0;
}

static int ct_symbol_address_uncached(const char *name, int64_t *addr);
static int ct_symbol_size_uncached(const char *name, int64_t *size);

enum ct_kind { CT_SIZEOF, CT_OFFSETOF, CT_ENUM, CT_SYMBOL, CT_SYMBOL_SIZE };

/* One type question, answered from the session's memory when possible. */
static int ct_ask(enum ct_kind kind, const char *a, const char *b,
		  int64_t *value)
{
	static const char *const kinds[] = { "sizeof", "offsetof", "enum",
					      "symbol", "symbol_size" };
	struct ct_answer *ans;
	char key[3 * CT_NAME_MAX];
	int err;

	if (!a || (kind == CT_OFFSETOF && !b))
		return -EINVAL;
	if ((size_t)snprintf(key, sizeof(key), "%s\n%s\n%s", kinds[kind], a,
			     b ? b : "") >= sizeof(key))
		return -EINVAL;
	ans = ct_lookup(key);
	if (ans) {
		*value = ans->value;
		return ans->err;
	}
	if (kind == CT_SIZEOF)
		err = ct_type_size_uncached(a, value);
	else if (kind == CT_OFFSETOF)
		err = ct_member_offset_uncached(a, b, value);
	else if (kind == CT_ENUM)
		err = ct_enum_value_uncached(a, value);
	else if (kind == CT_SYMBOL)
		err = ct_symbol_address_uncached(a, value);
	else
		err = ct_symbol_size_uncached(a, value);
	ct_after_gdb();
	if (err != -EINVAL)
		ct_remember(key, err, err ? 0 : *value);
	return err;
}

static int ct_type_size(void *ctx, const char *type, uint64_t *size)
{
	int64_t v = 0;
	int err = ct_ask(CT_SIZEOF, type, NULL, &v);

	(void)ctx;
	if (!err)
		*size = v;
	return err;
}

static int ct_member_offset(void *ctx, const char *type, const char *member,
			    uint64_t *offset)
{
	int64_t v = 0;
	int err = ct_ask(CT_OFFSETOF, type, member, &v);

	(void)ctx;
	if (!err)
		*offset = v;
	return err;
}

static int ct_enum_value(void *ctx, const char *name, int64_t *value)
{
	(void)ctx;
	return ct_ask(CT_ENUM, name, NULL, value);
}

static int ct_symbol_address(void *ctx, const char *name, uint64_t *addr)
{
	int64_t v = 0;
	int err = ct_ask(CT_SYMBOL, name, NULL, &v);

	(void)ctx;
	if (!err)
		*addr = v;
	return err;
}

static int ct_symbol_size(void *ctx, const char *name, uint64_t *size)
{
	int64_t v = 0;
	int err = ct_ask(CT_SYMBOL_SIZE, name, NULL, &v);

	(void)ctx;
	if (!err)
		*size = v;
	return err;
}

/* crash's symbol table holds local symbols too, already KASLR-relocated. */
static int ct_symbol_address_uncached(const char *name, int64_t *addr)
{
	char buf[CT_NAME_MAX];
	struct syment *sp;

	if (ct_copy(name, buf, sizeof(buf)))
		return -EINVAL;
	/* symbol_search() scans the whole table for a name it lacks */
	if (!symbol_exists(buf) || !(sp = symbol_search(buf)))
		return -ENOENT;
	*addr = sp->value;
	return 0;
}

/*
 * st_size of a symbol in the vmlinux's ELF symbol table: gdb has no size for
 * an array declared without a bound (7.x: struct swap_info_struct
 * *swap_info[]), the symbol table has it.
 */
static int ct_elf_symbol_size(const char *name, uint64_t *size)
{
	const char *path = pc->namelist_debug ? pc->namelist_debug : pc->namelist;
	Elf_Scn *scn = NULL;
	int fd, err = -ENOENT;
	Elf *elf;

	if (!path || elf_version(EV_CURRENT) == EV_NONE ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -ENOENT;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	while (elf && err && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *n;

			if (!gelf_getsym(d, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_OBJECT || !sym.st_size ||
			    !(n = elf_strptr(elf, sh.sh_link, sym.st_name)) ||
			    strcmp(n, name))
				continue;
			*size = sym.st_size;
			err = 0;
			break;
		}
	}
	elf_end(elf);
	close(fd);
	return err;
}

/*
 * The symtab's st_size first (what the callback is defined as): it has
 * the size where gdb has none, and gdb's answer is an expression
 * evaluation that may first expand the symbol's CU (crash 9 on 7.x:
 * 0.3 s for swap_info, the scan here 15-40 ms).
 */
static int ct_symbol_size_uncached(const char *name, int64_t *size)
{
	char buf[CT_NAME_MAX];
	struct gnu_request req;
	uint64_t u;
	int err;

	if (ct_copy(name, buf, sizeof(buf)))
		return -EINVAL;
	if (!symbol_exists(buf))
		return -ENOENT;
	if (!ct_elf_symbol_size(buf, &u)) {
		*size = u;
		return 0;
	}
	err = get_symbol_type(buf, NULL, &req);
	if (err == TYPE_CODE_UNDEF || req.length <= 0)
		return -ENOENT;
	*size = req.length;
	return 0;
}

static int ct_vmcoreinfo(void *ctx, const char *key, char *val, size_t len)
{
	char *v;
	int err = 0;

	(void)ctx;
	if (!key || !*key || !len)
		return -EINVAL;
	/* the readers return a malloc'ed copy (or NULL) */
	v = pc->read_vmcoreinfo ? pc->read_vmcoreinfo(key) : NULL;
	/* a dump without VMCOREINFO: crash found the release in the banner */
	if (!v && !strcmp(key, "OSRELEASE") && *kt->utsname.release)
		v = strdup(kt->utsname.release);
	if (!v)
		return -ENOENT;
	/* like the CLI's target: a truncated value and -ENOSPC */
	if (strlen(v) >= len)
		err = -ENOSPC;
	snprintf(val, len, "%s", v);
	free(v);
	return err;
}

static const struct li_target_ops crash_target_ops = {
	.read = ct_read,
	.type_size = ct_type_size,
	.member_offset = ct_member_offset,
	.enum_value = ct_enum_value,
	.symbol_address = ct_symbol_address,
	.symbol_size = ct_symbol_size,
	.vmcoreinfo = ct_vmcoreinfo,
};

void crash_target_init(struct li_target *t)
{
	memset(t, 0, sizeof(*t));
	t->ops = &crash_target_ops;
	t->frontend = "crash";
	t->source = ACTIVE() ? "live" : pc->dumpfile;
	t->vmlinux = pc->namelist_debug ? pc->namelist_debug : pc->namelist;
}

/* -- the query face, for checking the callbacks against crash itself -- */

static void ct_print_result(FILE *out, const char *what, int err,
			    const char *val)
{
	if (err)
		fprintf(out, "%s: error %d (%s)\n", what, err, strerror(-err));
	else
		fprintf(out, "%s = %s\n", what, val);
}

static int ct_query_read(const struct li_target *t, char *arg, FILE *out)
{
	enum li_addr_space space;
	unsigned char *buf;
	char *p, *end;
	uint64_t addr, len, i;
	int err;

	p = strchr(arg, ':');
	if (!p)
		return -EINVAL;
	*p++ = '\0';
	if (!strcmp(arg, "kv"))
		space = LI_KVADDR;
	else if (!strcmp(arg, "phys"))
		space = LI_PHYSADDR;
	else
		return -EINVAL;
	errno = 0;
	addr = strtoull(p, &end, 16);
	if (errno || end == p || *end != ':')
		return -EINVAL;
	p = end + 1;
	len = strtoull(p, &end, 0);
	if (errno || end == p || *end || !len || len > 4096)
		return -EINVAL;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	err = t->ops->read(t->ctx, space, addr, buf, len);
	fprintf(out, "read(%s, 0x%" PRIx64 ", %" PRIu64 ")", arg, addr, len);
	if (err)
		fprintf(out, ": error %d (%s)\n", err, strerror(-err));
	else {
		fputs(" =", out);
		for (i = 0; i < len; i++)
			fprintf(out, " %02x", buf[i]);
		fputc('\n', out);
	}
	free(buf);
	return err;
}

int crash_target_query(const struct li_target *t, const char *query,
		       FILE *out)
{
	const struct li_target_ops *ops = t->ops;
	char q[2 * CT_NAME_MAX], what[2 * CT_NAME_MAX + 32], *arg, *member;
	char val[512];
	uint64_t u = 0;
	int64_t s = 0;
	int err;

	if (ct_copy(query, q, sizeof(q)))
		return -EINVAL;
	arg = strchr(q, ':');
	if (!arg)
		return -EINVAL;
	*arg++ = '\0';

	if (!strcmp(q, "sizeof")) {
		err = ops->type_size(t->ctx, arg, &u);
		snprintf(what, sizeof(what), "sizeof(%s)", arg);
		snprintf(val, sizeof(val), "%" PRIu64, u);
		ct_print_result(out, what, err, val);
	} else if (!strcmp(q, "offsetof")) {
		member = strrchr(arg, ':');
		if (!member)
			return -EINVAL;
		*member++ = '\0';
		err = ops->member_offset(t->ctx, arg, member, &u);
		snprintf(what, sizeof(what), "offsetof(%s, %s)", arg, member);
		snprintf(val, sizeof(val), "%" PRIu64, u);
		ct_print_result(out, what, err, val);
	} else if (!strcmp(q, "enum")) {
		err = ops->enum_value(t->ctx, arg, &s);
		snprintf(val, sizeof(val), "%" PRId64, s);
		ct_print_result(out, arg, err, val);
	} else if (!strcmp(q, "symbol")) {
		err = ops->symbol_address(t->ctx, arg, &u);
		snprintf(what, sizeof(what), "&%s", arg);
		snprintf(val, sizeof(val), "0x%" PRIx64, u);
		ct_print_result(out, what, err, val);
		if (!err && ops->symbol_size) {
			err = ops->symbol_size(t->ctx, arg, &u);
			snprintf(what, sizeof(what), "sizeof(%s)", arg);
			snprintf(val, sizeof(val), "%" PRIu64, u);
			ct_print_result(out, what, err, val);
		}
	} else if (!strcmp(q, "vmcoreinfo")) {
		err = ops->vmcoreinfo(t->ctx, arg, val, sizeof(val));
		ct_print_result(out, arg, err, val);
	} else if (!strcmp(q, "read")) {
		err = ct_query_read(t, arg, out);
		if (err == -EINVAL)
			return err;
	} else {
		return -EINVAL;
	}
	return err;
}
