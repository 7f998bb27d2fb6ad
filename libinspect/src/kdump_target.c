// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The shipped li_target: memory from libkdumpfile (ELF vmcores,
 * /proc/kcore, what diskdump.c does not read) or, for an x86_64
 * kdump-compressed file, from diskdump.c with our own translation (the
 * arch layer over the kernel's page tables); types and symbols from the
 * vmlinux DWARF and symtab (dwarf_types.c), or, without a vmlinux, types
 * from the kernel's BTF (btf_types.c) and symbols from its kallsyms
 * (kallsyms.c), both read out of the dump itself.  This file maps the
 * readers' errors onto the errno convention of libinspect.h, picks the
 * type and symbol sources, finds the vmlinux and makes sure the sources
 * are those of the kernel the dump was taken from.
 *
 * The vmlinux argument of li_kdump_target_open() chooses the sources:
 *   NULL, "" or "dwarf:"  DWARF of the vmlinux found from OSRELEASE;
 *   PATH or "dwarf:PATH"  DWARF of PATH;
 *   "auto:"               DWARF of a found vmlinux whose build-id (and
 *                         linux_banner) match, else as "btf:";
 *   "btf:"                BTF and kallsyms of the dump (live: the files
 *                         /sys/kernel/btf/vmlinux and /proc/kallsyms, the
 *                         kernel's memory when they cannot be read);
 *   "btf:PATH"            BTF of PATH (raw BTF, or an ELF file's .BTF
 *                         section), kallsyms of the dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <elfutils/libdwelf.h>
#include <libkdumpfile/kdumpfile.h>
#include "libinspect.h"
#include "errbuf.h"
#include "file.h"
#include "btf_target.h"
#include "btf_types.h"
#include "dwarf_memo.h"
#include "dwarf_types.h"
#include "kallsyms.h"
#include "diskdump.h"
#include "arch.h"
#include "internal.h"

#define KT_LIVE_PATH	"/proc/kcore"
#define KT_LIVE_BTF	"/sys/kernel/btf/vmlinux"
#define KT_LIVE_KALLSYMS "/proc/kallsyms"
#define KT_BANNER_MAX	512
/* ends the messages that say a vmlinux is needed */
#define KT_HINT		"; give the debug vmlinux with -k"
/* reads from this size on bypass libkdumpfile (kt_read_direct) */
#define KT_DIRECT_MIN	(64u << 10)
/* libkdumpfile's page cache, in pages: see kt_open_dump() */
#define KT_CACHE_PAGES	64

enum kt_types {
	KT_TYPES_DWARF,
	KT_TYPES_AUTO,
	KT_TYPES_BTF,
};

struct kt_seg {
	uint64_t start, end;
	uint64_t off;			/* file offset of start (loads only) */
};

struct kt_ctx {
	struct li_target target;	/* first: close() gets back here */
	kdump_ctx_t *kd;
	int fd;
	bool live;
	bool elf_complete;		/* may be mapped, or read directly */
	/* types and symbols: the DWARF of a vmlinux, or BTF and kallsyms */
	struct dwt *dw;
	struct btt *bt;
	struct ksym *ks;
	uint64_t kaslr;			/* KERNELOFFSET */
	/*
	 * An ELF dump's captured physical memory: the file-backed part of
	 * each PT_LOAD ([p_paddr, p_paddr + p_filesz)), sorted and merged.
	 * NULL for other formats and live.
	 */
	struct kt_seg *segs;
	size_t nsegs;
	/* the PT_LOADs (file-backed part) that segs merged, sorted */
	struct kt_seg *loads;
	size_t nloads;
	/* our own translation, so that a missing page table says -ENODATA */
	addrxlat_ctx_t *xctx;
	addrxlat_sys_t *xsys;		/* taken once translation is set up */
	addrxlat_cb_t *xcb;
	/*
	 * A kdump-compressed file (diskdump.c).  own: it reads the pages and
	 * pg translates, from the kernel's page tables, so libkdumpfile is
	 * not opened (kd stays NULL unless a page needs a compression
	 * diskdump.c does not do).  Else diskdump.c only tells, in a file
	 * shorter than its headers say (need_size), a page past the end
	 * without asking libkdumpfile (which leaks on every failed read).
	 */
	struct dd_file *dd;
	bool own, kd_failed;
	struct li_paging pg;
	uint64_t file_size, need_size;
	/*
	 * kt_get_page() said a page-table page is not in the dump: addrxlat
	 * 0.5.1 reports that as "no way to translate" (ERR_NOMETH), so the
	 * translation's own status cannot tell it from an invalid address.
	 */
	bool xlat_nodata;
	char *source;
	char *vmlinux;			/* path, or "btf:...+kallsyms:..." */
};

static int kt_errno(kdump_status st)
{
	switch (st) {
	case KDUMP_OK:
		return 0;
	case KDUMP_ERR_NODATA:
		return -ENODATA;
	case KDUMP_ERR_ADDRXLAT:
		return -EFAULT;
	case KDUMP_ERR_NOKEY:
		return -ENOENT;
	case KDUMP_ERR_INVALID:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static int kt_pread(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(fd, buf, len, (off_t)off);

	return n == (ssize_t)len ? 0 : -EIO;
}

/*
 * Is [pa, pa + len) captured by the ELF dump?  Binary search over the
 * merged segments: libkdumpfile 0.5.1 answers a page just before a segment
 * with zeroes (and success), and scans every segment for each miss.
 */
static bool kt_captured(const struct kt_ctx *k, uint64_t pa, uint64_t len)
{
	size_t lo = 0, hi = k->nsegs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (k->segs[mid].end <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < k->nsegs && k->segs[lo].start <= pa &&
	       len <= k->segs[lo].end - pa;
}

/*
 * A large read inside one PT_LOAD of a complete ELF file, straight from
 * the file: libkdumpfile would copy it page by page through its page
 * cache, and its mappings of the file (4 MiB each, kept) would add every
 * page read to our RSS: the kernel's BTF, kallsyms and batches of struct
 * pages are read once.
 */
static const struct kt_seg *kt_load_of(const struct kt_ctx *k, uint64_t pa,
				       size_t len)
{
	size_t lo = 0, hi = k->nloads, mid;
	const struct kt_seg *l;

	if (!k->elf_complete)
		return NULL;
	while (lo < hi) {	/* the last load that starts at or before pa */
		mid = lo + (hi - lo) / 2;
		if (k->loads[mid].start <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	l = &k->loads[lo - 1];
	return pa < l->end && len <= l->end - pa ? l : NULL;
}

static bool kt_read_direct(struct kt_ctx *k, uint64_t pa, void *buf,
			   size_t len, int *err)
{
	const struct kt_seg *l = len >= KT_DIRECT_MIN ? kt_load_of(k, pa, len) :
							 NULL;

	if (l)
		*err = kt_pread(k->fd, buf, len, l->off + (pa - l->start));
	return l;
}

/* ---- kdump-compressed files diskdump.c reads (k->own) ------------------ */

static int kt_kd_open(struct kt_ctx *k, const char *path, char *errbuf,
		      size_t errlen);

/* libkdumpfile's physical read; past the end of a cut file: not captured. */
static int kt_kd_phys(struct kt_ctx *k, uint64_t pa, void *buf, size_t len)
{
	size_t got = len;
	kdump_status st = kdump_read(k->kd, KDUMP_KPHYSADDR, pa, buf, &got);

	if (st == KDUMP_OK && got != len)
		st = KDUMP_ERR_SYSTEM;
	if (st != KDUMP_OK && st != KDUMP_ERR_NODATA && k->need_size)
		return -ENODATA;
	return kt_errno(st);
}

/*
 * A page in a compression diskdump.c does not do (lzo, snappy, zstd):
 * libkdumpfile, opened for it on first need.
 */
static int kt_read_kd(struct kt_ctx *k, uint64_t pa, void *buf, size_t len)
{
	/* the OS type too: its physical reads go through its translation */
	if (!k->kd && !k->kd_failed)
		k->kd_failed = kt_kd_open(k, "", NULL, 0) != 0;
	return k->kd && !k->kd_failed ? kt_kd_phys(k, pa, buf, len) : -EIO;
}

static int kt_read_own(struct kt_ctx *k, uint64_t pa, uint8_t *buf,
		       size_t len)
{
	while (len) {
		size_t n = 4096 - (pa & 4095);
		int err;

		if (n > len)
			n = len;
		err = dd_read(k->dd, pa, buf, n);
		if (err == -ENOTSUP)
			err = kt_read_kd(k, pa, buf, n);
		if (err)
			return err;
		pa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int kt_own_table(void *ctx, uint64_t phys, uint64_t *buf)
{
	return kt_read_own(ctx, phys, (uint8_t *)buf, 4096);
}

/*
 * The kernel's page tables from VMCOREINFO, as libkdumpfile sets up its
 * Linux translation: init_top_pgt through the kernel image mapping
 * (phys_base), the paging depth, the encryption mask.  false: a key is
 * missing, libkdumpfile then does it all.
 */
static bool kt_own_paging(struct kt_ctx *k)
{
	char v[64], *end;
	uint64_t root, sme = 0;
	long long pb;
	bool l5 = false;

	if (dd_vmcoreinfo(k->dd, "SYMBOL(init_top_pgt)", v, sizeof(v)))
		return false;
	root = strtoull(v, &end, 16);
	if (*end || root < 0xffffffff80000000ull)
		return false;
	if (dd_vmcoreinfo(k->dd, "NUMBER(phys_base)", v, sizeof(v)))
		return false;
	pb = strtoll(v, &end, 10);
	if (*end)
		return false;
	if (!dd_vmcoreinfo(k->dd, "NUMBER(pgtable_l5_enabled)", v, sizeof(v)))
		l5 = strtoll(v, NULL, 10) != 0;
	if (!dd_vmcoreinfo(k->dd, "NUMBER(sme_mask)", v, sizeof(v)))
		sme = (uint64_t)strtoll(v, NULL, 10);
	li_paging_init(&k->pg, l5, li_arch_kimage_phys(root, (uint64_t)pb),
		       sme, kt_own_table, k);
	return true;
}

static int kt_read_phys(struct kt_ctx *k, uint64_t pa, void *buf, size_t len)
{
	int err;

	if (k->segs && !kt_captured(k, pa, len))
		return -ENODATA;
	if (k->own)
		return kt_read_own(k, pa, buf, len);
	if (k->need_size && len && !dd_present(k->dd, pa, len))
		return -ENODATA;
	if (kt_read_direct(k, pa, buf, len, &err))
		return err;
	return kt_kd_phys(k, pa, buf, len);
}

static int kt_xlat_errno(addrxlat_status st)
{
	switch (st) {
	case ADDRXLAT_OK:
		return 0;
	case ADDRXLAT_ERR_NODATA:
		return -ENODATA;
	case ADDRXLAT_ERR_NOMEM:
		return -ENOMEM;
	default:
		return -EFAULT;
	}
}

/*
 * One page's translation for kt_read_virt(): libkdumpfile's (kt_xlat_kd)
 * or, for a file diskdump.c reads, the arch layer's over the kernel's page
 * tables (kt_xlat_own).  0 and *pa, the address of va; a missing page
 * table -ENODATA, a hole -EFAULT.
 */
typedef int (*kt_xlat_fn)(struct kt_ctx *k, uint64_t va, uint64_t *pa);

static int kt_xlat_kd(struct kt_ctx *k, uint64_t va, uint64_t *pa)
{
	addrxlat_fulladdr_t fa = { .addr = va, .as = ADDRXLAT_KVADDR };
	addrxlat_status xs;
	int err;

	if (!k->xsys &&
	    kdump_get_addrxlat(k->kd, NULL, &k->xsys) != KDUMP_OK)
		return -EIO;
	k->xlat_nodata = false;
	xs = addrxlat_fulladdr_conv(&fa, ADDRXLAT_KPHYSADDR, k->xctx, k->xsys);
	if (xs == ADDRXLAT_OK) {
		*pa = fa.addr;
		return 0;
	}
	addrxlat_ctx_clear_err(k->xctx);
	err = k->xlat_nodata ? -ENODATA : kt_xlat_errno(xs);
	/* a page table past the end of a truncated file */
	if (k->need_size && xs != ADDRXLAT_ERR_NOTPRESENT &&
	    xs != ADDRXLAT_ERR_INVALID && xs != ADDRXLAT_ERR_NOMETH)
		err = -ENODATA;
	return err;
}

static int kt_xlat_own(struct kt_ctx *k, uint64_t va, uint64_t *pa)
{
	struct li_xlat x = { 0 };
	int err = li_xlat(&k->pg, va, &x);

	if (!err && x.status != LI_XLAT_MAPPED)
		err = -EFAULT;
	*pa = x.phys + (va & 4095);
	return err;
}

/*
 * A virtual read of a dump is translated here, page by page, and read by
 * physical address: a page table that is not in the dump then says
 * -ENODATA (not captured) where kdump_read(KDUMP_KVADDR) would only say
 * that translation failed.  Physically contiguous pages are read at once;
 * on a failed translation the translatable part first, its own error wins.
 */
static int kt_read_virt(struct kt_ctx *k, uint64_t va, uint8_t *buf,
			size_t len, kt_xlat_fn xlat)
{
	uint64_t run_pa = 0, run_len = 0, pa;
	size_t n;
	int err;

	while (len) {
		n = 4096 - (va & 4095);
		if (n > len)
			n = len;
		err = xlat(k, va, &pa);
		if (err) {
			if (run_len) {
				int e = kt_read_phys(k, run_pa, buf, run_len);

				if (e)
					return e;
			}
			return err;
		}
		if (run_len && pa != run_pa + run_len) {
			err = kt_read_phys(k, run_pa, buf, run_len);
			if (err)
				return err;
			buf += run_len;
			run_len = 0;
		}
		if (!run_len)
			run_pa = pa;
		run_len += n;
		va += n;
		len -= n;
	}
	return run_len ? kt_read_phys(k, run_pa, buf, run_len) : 0;
}

static int kt_read(void *ctx, enum li_addr_space space, uint64_t addr,
		   void *buf, size_t len)
{
	struct kt_ctx *k = ctx;
	size_t got = len;
	kdump_status st;

	if (space == LI_PHYSADDR)
		return kt_read_phys(k, addr, buf, len);
	if (k->own || k->xctx)
		return kt_read_virt(k, addr, buf, len,
				    k->own ? kt_xlat_own : kt_xlat_kd);
	st = kdump_read(k->kd, KDUMP_KVADDR, addr, buf, &got);
	if (st == KDUMP_OK && got != len)
		return -EIO;
	return kt_errno(st);
}

/*
 * [va, va + len) of an ELF dump, mapped from the file (*map, *maplen to
 * munmap) when it is physically contiguous inside one PT_LOAD, else NULL.
 * The kernel's BTF is read once and copied by libbpf, kallsyms' tables
 * are kept: a populated mapping of the page cache spares a copy and a page
 * fault per page (~20 us each in a VM).
 */
static const void *kt_map(struct kt_ctx *k, uint64_t va, size_t len,
			  void **map, size_t *maplen)
{
	long pg = sysconf(_SC_PAGESIZE);
	const struct kt_seg *l;
	addrxlat_fulladdr_t fa;
	uint64_t pa = 0, v, off;

	if (!k->elf_complete || !k->xctx || !len ||
	    (!k->xsys && kdump_get_addrxlat(k->kd, NULL, &k->xsys) != KDUMP_OK))
		return NULL;
	for (v = va & ~4095ull; v < va + len; v += 4096) {
		fa.addr = v;
		fa.as = ADDRXLAT_KVADDR;
		if (addrxlat_fulladdr_conv(&fa, ADDRXLAT_KPHYSADDR, k->xctx,
					   k->xsys) != ADDRXLAT_OK) {
			addrxlat_ctx_clear_err(k->xctx);
			return NULL;
		}
		if (v < va)
			pa = fa.addr + (va & 4095);
		else if (v == va)
			pa = fa.addr;
		else if (fa.addr != pa + (v - va))
			return NULL;
	}
	l = kt_load_of(k, pa, len);
	if (!l)
		return NULL;
	off = l->off + (pa - l->start);
	*maplen = len + off % pg;
	*map = mmap(NULL, *maplen, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
		    k->fd, (off_t)(off - off % pg));
	if (*map == MAP_FAILED)
		return NULL;
	return (char *)*map + off % pg;
}

/*
 * libkdumpfile's own page-table reads (its translation of our virtual
 * reads) come through here: a physical page outside the ELF segments is
 * not there, not a page of zeroes.
 */
/*
 * addrxlat_ctx_add_cb() hands out a copy of the installed callbacks, priv
 * included: libkdumpfile's other callbacks (symbols, numbers) still run
 * with our cb and read priv as their own context (libkdumpfile 0.5.6).  So
 * priv stays theirs, and our context is found from the cb here.
 */
static struct {
	const addrxlat_cb_t *cb;
	struct kt_ctx *k;
} kt_cbs[64];

static struct kt_ctx *kt_of_cb(const addrxlat_cb_t *cb)
{
	for (size_t i = 0; i < sizeof(kt_cbs) / sizeof(kt_cbs[0]); i++)
		if (kt_cbs[i].cb == cb)
			return kt_cbs[i].k;
	return NULL;
}

static addrxlat_status kt_get_page(const addrxlat_cb_t *cb,
				   addrxlat_buffer_t *buf)
{
	struct kt_ctx *k = kt_of_cb(cb);

	uint64_t pa = buf->addr.addr & ~4095ull;

	if (k && (buf->addr.as == ADDRXLAT_KPHYSADDR ||
	     buf->addr.as == ADDRXLAT_MACHPHYSADDR) &&
	    ((k->segs && !kt_captured(k, pa, 4096)) ||
	     (k->need_size && !dd_present(k->dd, pa, 4096)))) {
		k->xlat_nodata = true;
		return addrxlat_ctx_err(k->xctx, ADDRXLAT_ERR_NODATA,
					"page 0x%llx is not in the dump",
					(unsigned long long)buf->addr.addr);
	}
	return cb->next->get_page(cb->next, buf);
}

static int kt_type_size(void *ctx, const char *type, uint64_t *size)
{
	struct kt_ctx *k = ctx;

	if (k->dw)
		return dwt_type_size(k->dw, type, size);
	return btt_type_size(k->bt, type, size);
}

static int kt_member_offset(void *ctx, const char *type, const char *member,
			    uint64_t *offset)
{
	struct kt_ctx *k = ctx;

	if (k->dw)
		return dwt_member_offset(k->dw, type, member, offset);
	return btt_member_offset(k->bt, type, member, offset);
}

static int kt_enum_value(void *ctx, const char *name, int64_t *value)
{
	struct kt_ctx *k = ctx;

	if (k->dw)
		return dwt_enum_value(k->dw, name, value);
	return btt_enum_value(k->bt, name, value);
}

/*
 * Per-cpu symbols of a zero-based .data..percpu (x86_64 up to 6.14) are
 * offsets from __per_cpu_offset[cpu], which KASLR does not move.  From 6.15
 * x86_64 links .data..percpu at a kernel address like any other section
 * and __per_cpu_offset[] is relative to where it ended up: those symbols
 * are relocated like the rest.  kallsyms holds run-time addresses, so it
 * says the same on both (absolute per-cpu entries up to 6.14).
 */
static int kt_symbol_address(void *ctx, const char *name, uint64_t *addr)
{
	struct kt_ctx *k = ctx;
	uint64_t a;
	bool percpu;
	int err;

	if (!k->dw)
		return ksym_lookup(k->ks, name, addr, NULL);
	err = dwt_symbol(k->dw, name, &a, NULL, &percpu);
	if (err)
		return err;
	*addr = percpu && !(a >> 63) ? a : a + k->kaslr;
	return 0;
}

/* BTF only knows the sizes of the variables it describes (per-cpu ones). */
static int kt_symbol_size(void *ctx, const char *name, uint64_t *size)
{
	struct kt_ctx *k = ctx;

	if (k->dw)
		return dwt_symbol(k->dw, name, NULL, size, NULL);
	return btt_var_size(k->bt, name, size);
}

static int kt_vmcoreinfo(void *ctx, const char *key, char *val, size_t len)
{
	struct kt_ctx *k = ctx;
	char *v = NULL;
	kdump_status st;
	int err = 0;

	if (!key || !val || !len)
		return -EINVAL;
	if (k->own)
		return dd_vmcoreinfo(k->dd, key, val, len);
	st = kdump_vmcoreinfo_line(k->kd, key, &v);
	if (st != KDUMP_OK || !v) {
		free(v);
		return st == KDUMP_OK ? -ENOENT : kt_errno(st);
	}
	if (strlen(v) >= len)
		err = -ENOSPC;
	snprintf(val, len, "%s", v);
	free(v);
	return err;
}

static const struct li_target_ops kt_ops = {
	.read = kt_read,
	.type_size = kt_type_size,
	.member_offset = kt_member_offset,
	.enum_value = kt_enum_value,
	.symbol_address = kt_symbol_address,
	.symbol_size = kt_symbol_size,
	.vmcoreinfo = kt_vmcoreinfo,
};

static int kt_seg_cmp(const void *a, const void *b)
{
	const struct kt_seg *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * The ELF headers of a dump, checked before libkdumpfile sees them, and
 * its captured physical memory.  libkdumpfile reads a truncated ELF vmcore
 * as zeroes past the end of the file (or SIGBUS when it maps it), and a
 * page between segments as zeroes: the checks would take them for struct
 * pages.  libelf reads the headers; every sum is overflow-checked.  The
 * part of a PT_LOAD past p_filesz (p_memsz > p_filesz) is memory the dump
 * tool left out, so it is not captured, not zeroes.  Returns 1 for an ELF
 * file, 0 for anything else libkdumpfile may know (kdump-compressed, ...).
 */
static int kt_scan_elf(struct kt_ctx *k, int fd, const char *path,
		       char *errbuf, size_t errlen)
{
	uint64_t end, fend, pend, size;
	struct kt_seg *segs = NULL;
	size_t i, n, ns = 0, big = 0;
	struct stat st;
	GElf_Ehdr eh;
	const Elf64_Phdr *phs;
	GElf_Phdr ph;
	int ret = 1;
	Elf *elf;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	size = st.st_size;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		char magic[SELFMAG];
		bool is_elf = !kt_pread(fd, magic, SELFMAG, 0) &&
			      !memcmp(magic, ELFMAG, SELFMAG);

		if (elf)
			elf_end(elf);
		/* what libelf refuses must not reach libkdumpfile's ELF code */
		return is_elf ? li_errbuf(errbuf, errlen, -EINVAL,
					  "%s: unreadable ELF headers (%s)", path,
					  elf_errmsg(-1)) : 0;
	}
	/* libelf refuses program headers that run past the end of file */
	if (!gelf_getehdr(elf, &eh) || elf_getphdrnum(elf, &n)) {
		ret = li_errbuf(errbuf, errlen, -EIO,
				"%s: unreadable ELF program headers: truncated file?",
				path);
		goto out;
	}
	/* libkdumpfile 0.5.1 crashes on ELF files without usable headers */
	if (gelf_getclass(elf) != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    !n || !eh.e_phoff) {
		ret = li_errbuf(errbuf, errlen, -EINVAL,
				"%s: not a 64-bit ELF vmcore (class %d, %zu program headers of %u bytes at %#llx)",
				path, gelf_getclass(elf), n, eh.e_phentsize,
				(unsigned long long)eh.e_phoff);
		goto out;
	}
	/* libkdumpfile reads the section headers too, unchecked: a count
	 * without a table (e_shoff 0, found by fuzz_open) or entries of
	 * another size make 0.5.1 dereference NULL */
	if ((eh.e_shnum && !eh.e_shoff) ||
	    (eh.e_shoff && eh.e_shentsize != sizeof(Elf64_Shdr)) ||
	    (eh.e_shnum && eh.e_shstrndx != SHN_XINDEX && eh.e_shstrndx >= eh.e_shnum)) {
		ret = li_errbuf(errbuf, errlen, -EINVAL,
				"%s: corrupt ELF section header fields (%u of %u bytes at %#llx, names in %u)",
				path, eh.e_shnum, eh.e_shentsize,
				(unsigned long long)eh.e_shoff, eh.e_shstrndx);
		goto out;
	}
	if (eh.e_shoff && (eh.e_shoff > size ||
			   (uint64_t)(eh.e_shnum ? eh.e_shnum : 1) * eh.e_shentsize >
			   size - eh.e_shoff)) {
		ret = li_errbuf(errbuf, errlen, -EIO,
				"%s is truncated or corrupt: its ELF section headers (%u at %#llx) lie past its end (%llu bytes)",
				path, eh.e_shnum, (unsigned long long)eh.e_shoff,
				(unsigned long long)size);
		goto out;
	}
	end = eh.e_phoff + (uint64_t)n * eh.e_phentsize;
	/* the table at once: gelf_getphdr() per header is slow for 67k */
	phs = elf64_getphdr(elf);
	if (!phs) {
		ret = li_errbuf(errbuf, errlen, -EIO,
				"%s: unreadable ELF program headers: truncated file?",
				path);
		goto out;
	}
	segs = calloc(n ? n : 1, sizeof(*segs));
	if (!segs) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		ph = phs[i];
		if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE)
			continue;
		if (__builtin_add_overflow(ph.p_offset, ph.p_filesz, &fend) ||
		    (ph.p_type == PT_LOAD &&
		     (__builtin_add_overflow(ph.p_paddr, ph.p_memsz, &pend) ||
		      ph.p_filesz > ph.p_memsz))) {
			ret = li_errbuf(errbuf, errlen, -EINVAL,
					"%s: ELF program header %zu is invalid (offset 0x%llx, filesz 0x%llx, memsz 0x%llx, paddr 0x%llx)",
					path, i,
					(unsigned long long)ph.p_offset,
					(unsigned long long)ph.p_filesz,
					(unsigned long long)ph.p_memsz,
					(unsigned long long)ph.p_paddr);
			goto out;
		}
		if (fend > end)
			end = fend;
		if (ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		/*
		 * QEMU's paging dumps repeat RAM page by page (one PT_LOAD per
		 * virtual mapping, 67k of them in 1 GiB): one inside the
		 * largest or the last load adds nothing.
		 */
		pend = ph.p_paddr + ph.p_filesz;
		if (ns && ((ph.p_paddr >= segs[big].start && pend <= segs[big].end) ||
			   (ph.p_paddr >= segs[ns - 1].start && pend <= segs[ns - 1].end)))
			continue;
		segs[ns++] = (struct kt_seg){ ph.p_paddr, pend, ph.p_offset };
		if (pend - ph.p_paddr > segs[big].end - segs[big].start)
			big = ns - 1;
	}
	if (!ns) {
		ret = li_errbuf(errbuf, errlen, -EINVAL,
				"%s: an ELF file without memory (no PT_LOAD with data): not a vmcore",
				path);
		goto out;
	}
	if (end > size) {
		ret = li_errbuf(errbuf, errlen, -EIO,
				"%s is truncated: %llu bytes, its ELF headers describe %llu",
				path, (unsigned long long)size,
				(unsigned long long)end);
		goto out;
	}
	qsort(segs, ns, sizeof(*segs), kt_seg_cmp);
	k->loads = malloc(ns * sizeof(*segs));
	if (!k->loads) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(k->loads, segs, ns * sizeof(*segs));
	k->nloads = ns;
	/* merged: overlaps and neighbours become one extent */
	for (i = 0, n = 0; i < ns; i++) {
		if (n && segs[i].start <= segs[n - 1].end) {
			if (segs[i].end > segs[n - 1].end)
				segs[n - 1].end = segs[i].end;
		} else {
			segs[n++] = segs[i];
		}
	}
	/* the array was sized for every program header */
	k->segs = realloc(segs, n * sizeof(*segs)) ?: segs;
	k->nsegs = n;
	segs = NULL;
out:
	free(segs);
	elf_end(elf);
	return ret;
}

/* libkdumpfile prefixes the reason with the attribute it was setting. */
static const char *kt_err_reason(kdump_ctx_t *kd)
{
	const char *msg = kdump_get_err(kd), *colon;

	if (!msg)
		return "unknown error";
	colon = strstr(msg, ": ");
	return !strncmp(msg, "Cannot set ", 11) && colon ? colon + 2 : msg;
}

/* Our page check in front of libkdumpfile's page reads (once). */
static int kt_add_cb(struct kt_ctx *k)
{
	if (k->xcb || !k->xctx || (!k->segs && !k->need_size))
		return 0;
	for (size_t i = 0; i < sizeof(kt_cbs) / sizeof(kt_cbs[0]); i++) {
		if (kt_cbs[i].cb)
			continue;
		k->xcb = addrxlat_ctx_add_cb(k->xctx);
		if (!k->xcb)
			return -ENOMEM;
		k->xcb->get_page = kt_get_page;
		kt_cbs[i].cb = k->xcb;
		kt_cbs[i].k = k;
		return 0;
	}
	return 0;	/* 64 open dumps: no page check for this one */
}

static int kt_open_dump(struct kt_ctx *k, const char *path, char *errbuf,
			size_t errlen)
{
	int complete_elf = 0;

	k->fd = li_open_regular(path, "dump", errbuf, errlen);
	if (k->fd < 0) {
		int err = k->fd;

		k->fd = -1;
		return err;
	}
	if (strcmp(path, KT_LIVE_PATH)) {
		complete_elf = kt_scan_elf(k, k->fd, path, errbuf, errlen);
		if (complete_elf < 0)
			return complete_elf;
		if (!complete_elf) {
			int err = dd_scan(k->fd, path, &k->dd, errbuf, errlen);

			if (err)
				return err;
			dd_truncated(k->dd, &k->file_size, &k->need_size);
			if (dd_own_pages(k->dd) && kt_own_paging(k)) {
				k->own = true;
				return 0;
			}
		}
	}
	/*
	 * Mapping an ELF vmcore reads struct pages ~10x faster than read(2),
	 * but only a file known to be complete may be mapped: past its end a
	 * mapping gives SIGBUS where read(2) fails cleanly.
	 */
	k->elf_complete = complete_elf;
	return kt_kd_open(k, path, errbuf, errlen);
}

/*
 * libkdumpfile 0.5.1 frees a diskdump header it rejected and frees it again
 * in kdump_free() (SIGSEGV on any file with the kdump signature whose
 * header it refuses: the signature alone, a 64-byte truncation, a bad block
 * size).  A kdump context whose open failed is never freed: it is parked
 * here (its caches stay allocated: a few MiB per failed open of a file with
 * the kdump signature, which dd_scan() makes rare), and leak checkers
 * still see the last ones as reachable.
 */
static kdump_ctx_t *kt_parked[16] __attribute__((used));

static void kt_quarantine(kdump_ctx_t *kd)
{
	static unsigned int n;

	kt_parked[__atomic_fetch_add(&n, 1, __ATOMIC_RELAXED) % 16] = kd;
}

/*
 * libkdumpfile on k->fd, set up for Linux: the dump's reader, or (k->own)
 * the reader of the pages diskdump.c does not decompress.
 */
static int kt_kd_open(struct kt_ctx *k, const char *path, char *errbuf,
		      size_t errlen)
{
	kdump_status st;

	k->kd = kdump_new();
	if (!k->kd)
		return li_errbuf(errbuf, errlen, -ENOMEM, "out of memory");
	/*
	 * A small page cache: our reads stream (each struct page frame, each
	 * page table once per batch) and libkdumpfile 0.5's cost per miss
	 * grows with the cache: 128 GiB of 2M-aligned device-dax in a kdump
	 * file took 1.6 s CPU with the default 1024 pages, 0.6 s with 64.
	 * Large reads of complete ELF files bypass it anyway (kt_read_direct).
	 */
	kdump_set_number_attr(k->kd, "cache.size", KT_CACHE_PAGES);
	st = kdump_set_number_attr(k->kd, KDUMP_ATTR_FILE_MMAP_POLICY,
				   k->elf_complete ? KDUMP_MMAP_TRY :
						     KDUMP_MMAP_NEVER);
	if (st != KDUMP_OK)
		return li_errbuf(errbuf, errlen, -EINVAL, "libkdumpfile: %s",
			       kdump_get_err(k->kd));
	st = kdump_open_fd(k->kd, k->fd);
	if (st != KDUMP_OK) {
		char sig[8] = "";

		li_errbuf(errbuf, errlen, -EINVAL,
			  "%s is not a readable dump: %s", path,
			  kt_err_reason(k->kd));
		/* only the diskdump code frees twice; others free normally */
		if (!kt_pread(k->fd, sig, sizeof(sig), 0) &&
		    (!memcmp(sig, "KDUMP   ", 8) || !memcmp(sig, "DISKDUMP", 8))) {
			kt_quarantine(k->kd);
			k->kd = NULL;
		}
		return -EINVAL;
	}
	/* also makes libkdumpfile parse VMCOREINFO */
	st = kdump_set_string_attr(k->kd, KDUMP_ATTR_OSTYPE, "linux");
	if (st != KDUMP_OK)
		return li_errbuf(errbuf, errlen, -EINVAL,
			       "%s: cannot set up Linux address translation: %s",
			       path, kt_err_reason(k->kd));
	return 0;
}

/* libkdumpfile's translation of a dump (live needs none of ours). */
static int kt_get_xlat(struct kt_ctx *k, const char *path, char *errbuf,
		       size_t errlen)
{
	if (k->live || k->own)
		return 0;
	if (kdump_get_addrxlat(k->kd, &k->xctx, NULL) != KDUMP_OK) {
		char *v = NULL;
		bool noinfo = kdump_vmcoreinfo_line(k->kd, "OSRELEASE", &v) !=
			      KDUMP_OK || !v;

		free(v);
		k->xctx = NULL;
		return li_errbuf(errbuf, errlen, -EIO,
				 "%s: no address translation: %s%s", path,
				 kt_err_reason(k->kd),
				 noinfo ? " (the dump has no VMCOREINFO, which says the kernel's paging and layout)" : "");
	}
	return 0;
}

/* The translation system changes when the architecture is set. */
static void kt_drop_xsys(struct kt_ctx *k)
{
	if (k->xsys)
		addrxlat_sys_decref(k->xsys);
	k->xsys = NULL;
}

/* A VMCOREINFO value, or "" when the dump has none. */
static void kt_info(struct kt_ctx *k, const char *key, char *val, size_t len)
{
	if (kt_vmcoreinfo(k, key, val, len))
		val[0] = '\0';
}

/*
 * Without a vmlinux, VMCOREINFO keys only one architecture exports tell it
 * (arch/x86/kernel/machine_kexec_64.c, arch/arm64/kernel/vmcore_info.c).
 */
static const char *kt_arch_from_vmcoreinfo(struct kt_ctx *k)
{
	char v[64];

	kt_info(k, "SYMBOL(init_top_pgt)", v, sizeof(v));
	if (v[0])
		return "x86_64";
	kt_info(k, "NUMBER(kimage_voffset)", v, sizeof(v));
	if (v[0])
		return "aarch64";
	return NULL;
}

/*
 * Linux page-table translation needs the architecture, which some dumps
 * do not say (QEMU's kdump-compressed output): take it from the vmlinux,
 * or without one from VMCOREINFO.
 */
static int kt_setup_xlat(struct kt_ctx *k, const char *path, char *errbuf,
			 size_t errlen)
{
	const char *arch;
	kdump_status st;

	if (k->own)	/* x86_64: diskdump.c read it in the header */
		return 0;
	if (kdump_get_string_attr(k->kd, KDUMP_ATTR_ARCH_NAME, &arch) ==
	    KDUMP_OK)
		return 0;
	arch = k->dw ? dwt_arch_name(k->dw) : kt_arch_from_vmcoreinfo(k);
	if (!arch && k->dw)
		return li_errbuf(errbuf, errlen, -EINVAL,
			       "%s: unknown architecture, and %s does not tell a supported one",
			       path, k->vmlinux);
	if (!arch)
		return li_errbuf(errbuf, errlen, -EINVAL,
			       "%s: unknown architecture, and its VMCOREINFO does not tell one; give the debug vmlinux with -k",
			       path);
	kt_drop_xsys(k);
	st = kdump_set_string_attr(k->kd, KDUMP_ATTR_ARCH_NAME, arch);
	if (st != KDUMP_OK)
		return li_errbuf(errbuf, errlen, -EINVAL,
			       "%s: cannot set architecture %s: %s", path, arch,
			       kt_err_reason(k->kd));
	return 0;
}

static int kt_use_vmlinux(struct kt_ctx *k, const char *path,
			  const char *build_id, char *errbuf, size_t errlen)
{
	int err;

	err = dwt_open(path, &k->dw, errbuf, errlen);
	if (err)
		return err;
	/* a vmlinux without a build-id note is still checked by the banner */
	err = li_check_build_id(path, build_id, errbuf, errlen);
	if (err) {
		dwt_close(k->dw);
		k->dw = NULL;
		return li_errbuf_add(errbuf, errlen, err,
				     "; give the matching debug vmlinux with -k");
	}
	k->vmlinux = strdup(path);
	return k->vmlinux ? 0 : -ENOMEM;
}

static const char *const vmlinux_places[] = {
	"/usr/lib/debug/boot/vmlinux-%s",
	"/usr/lib/debug/lib/modules/%s/vmlinux",
	"/lib/modules/%s/build/vmlinux",
	"/lib/modules/%s/vmlinux",
	"/boot/vmlinux-%s",
};

#define KT_NR_PLACES (sizeof(vmlinux_places) / sizeof(vmlinux_places[0]) + 1)

/* Candidate i for release rel; the last one is in $PGMAPCHECK_CACHE. */
static void vmlinux_candidate(size_t i, const char *rel, char *buf,
			      size_t len)
{
	char cache[4096];

	if (i < KT_NR_PLACES - 1) {
		snprintf(buf, len, vmlinux_places[i], rel);
		return;
	}
	dwm_cache_dir(cache, sizeof(cache));
	if (snprintf(buf, len, "%s/kernels/%s/vmlinux", cache, rel) >= (int)len)
		buf[0] = '\0';
}

/* Whether a readable candidate will do: 0, or why not (in errbuf). */
typedef int (*kt_accept_fn)(void *arg, const char *path, const char *build_id,
			    char *errbuf, size_t errlen);

/*
 * The places in order, the first accepted into path.  The messages leave
 * the frontend's own hint (its option for a vmlinux) to the caller.
 */
static int kt_search_vmlinux(const char *rel, const char *build_id,
			     kt_accept_fn accept, void *arg, char *path,
			     size_t len, char *errbuf, size_t errlen)
{
	char cand[4096], tried[2048] = "", why[512] = "";
	size_t i, used = 0;
	int n;

	if (!rel || !rel[0])
		return li_errbuf(errbuf, errlen, -ENOENT,
				 "the dump has no VMCOREINFO OSRELEASE to find its vmlinux by");
	for (i = 0; i < KT_NR_PLACES; i++) {
		vmlinux_candidate(i, rel, cand, sizeof(cand));
		n = snprintf(tried + used, sizeof(tried) - used, "%s%s",
			     used ? ", " : "", cand);
		if (n > 0 && (size_t)n < sizeof(tried) - used)
			used += n;
		if (!cand[0] || access(cand, R_OK) ||
		    accept(arg, cand, build_id ? build_id : "", why, sizeof(why)))
			continue;
		if (strlen(cand) >= len)
			return li_errbuf(errbuf, errlen, -ERANGE,
					 "%s: the path does not fit in %zu bytes",
					 cand, len);
		memcpy(path, cand, strlen(cand) + 1);
		return 0;
	}
	if (why[0])
		return li_errbuf(errbuf, errlen, -EINVAL, "%s", why);
	return li_errbuf(errbuf, errlen, -ENOENT,
			 "no debug vmlinux for kernel %s (looked in %s); install linux-image-%s-dbg",
			 rel, tried, rel);
}

static int kt_accept_dwarf(void *arg, const char *path, const char *build_id,
			   char *errbuf, size_t errlen)
{
	return kt_use_vmlinux(arg, path, build_id, errbuf, errlen);
}

static int kt_find_vmlinux(struct kt_ctx *k, const char *rel,
			   const char *build_id, char *errbuf, size_t errlen)
{
	char path[4096];
	int err;

	err = kt_search_vmlinux(rel, build_id, kt_accept_dwarf, k, path,
				sizeof(path), errbuf, errlen);
	if (err == -ENOENT)
		li_errbuf_add(errbuf, errlen, err, rel[0] ? " or give one with -k" : KT_HINT);
	return err;
}

/*
 * The dump and the vmlinux must be the same kernel, and the dump must
 * actually hold kernel memory: compare linux_banner as read through the
 * dump (relocated, translated) with the bytes in the vmlinux.  This catches
 * truncated dumps, a wrong KERNELOFFSET and a mismatched vmlinux that has
 * no build-id to compare.
 */
static int kt_check_banner(struct kt_ctx *k, const char *path,
			   const char *hint, char *errbuf, size_t errlen)
{
	char want[KT_BANNER_MAX], got[KT_BANNER_MAX];
	uint64_t addr, size;
	int err;

	if (dwt_symbol(k->dw, "linux_banner", &addr, &size, NULL) || !size)
		return li_errbuf(errbuf, errlen, -EINVAL,
			       "%s is not a Linux kernel image (no linux_banner)",
			       k->vmlinux);
	if (size > sizeof(want))
		size = sizeof(want);
	if (dwt_read_image(k->dw, addr, want, size))
		return li_errbuf(errbuf, errlen, -EINVAL,
			       "%s: cannot read linux_banner from the file",
			       k->vmlinux);
	err = kt_read(k, LI_KVADDR, addr + k->kaslr, got, size);
	if (err)
		return li_errbuf(errbuf, errlen, -EIO,
			       "%s: cannot read linux_banner at 0x%llx (%s): an incomplete dump, or %s does not match it?%s",
			       path, (unsigned long long)(addr + k->kaslr),
			       strerror(-err), k->vmlinux, hint);
	want[size - 1] = got[size - 1] = '\0';
	if (memcmp(want, got, size))
		return li_errbuf(errbuf, errlen, -EINVAL,
			       "%s does not match %s: the dump's linux_banner is \"%.100s\"%s",
			       k->vmlinux, path, got, hint);
	return 0;
}

/* ---- without a vmlinux: BTF and kallsyms ------------------------------ */

static int kt_ksym_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return kt_read(ctx, LI_KVADDR, addr, buf, len);
}

static int kt_ksym_info(void *ctx, const char *key, char *val, size_t len)
{
	return kt_vmcoreinfo(ctx, key, val, len);
}

static const void *kt_ksym_map(void *ctx, uint64_t addr, size_t len,
			       void **map, size_t *maplen)
{
	return kt_map(ctx, addr, len, map, maplen);
}

static void kt_unmap(void *map, size_t maplen)
{
	munmap(map, maplen);
}

/* The kernel memory and VMCOREINFO kallsyms.c and btf_target.c read. */
static struct ksym_mem kt_kmem(struct kt_ctx *k)
{
	return (struct ksym_mem){
		.ctx = k, .read = kt_ksym_read, .info = kt_ksym_info,
		.map = kt_ksym_map, .unmap = kt_unmap,
	};
}

/* kallsyms: the dump's tables; live, /proc/kallsyms (or the tables). */
static int kt_open_kallsyms(struct kt_ctx *k, const char *path,
			    const char **src, char *errbuf, size_t errlen)
{
	const struct ksym_mem mem = kt_kmem(k);
	char why[512];
	int err;

	if (k->live) {
		err = ksym_open_file(KT_LIVE_KALLSYMS, &k->ks, why, sizeof(why));
		if (!err) {
			*src = KT_LIVE_KALLSYMS;
			return 0;
		}
		if (!ksym_open_mem(&mem, &k->ks, NULL, 0)) {
			*src = "kcore";
			return 0;
		}
		return li_errbuf(errbuf, errlen, err, "no kernel symbols: %s", why);
	}
	err = ksym_open_mem(&mem, &k->ks, why, sizeof(why));
	if (err)
		return li_errbuf(errbuf, errlen, err,
			       "%s: no kernel symbols without a vmlinux: %s%s",
			       path, why, KT_HINT);
	*src = "dump";
	return 0;
}

static int kt_open_btf(struct kt_ctx *k, const char *path, const char *file,
		       const char *build_id, const char **src, char *errbuf,
		       size_t errlen)
{
	uint64_t size;
	int err;

	if (file) {
		err = li_check_build_id(file, build_id, errbuf, errlen);
		if (err)
			return err;
		*src = file;
		err = btt_open_file(file, &k->bt, errbuf, errlen);
	} else if (k->live && !access(KT_LIVE_BTF, R_OK) &&
		   !btt_open_file(KT_LIVE_BTF, &k->bt, NULL, 0)) {
		*src = KT_LIVE_BTF;
		err = 0;
	} else {
		const struct ksym_mem mem = kt_kmem(k);

		*src = k->live ? "kcore" : "dump";
		err = bkt_btf_from_memory(&mem, k->ks, path, KT_HINT, &k->bt,
					  errbuf, errlen);
	}
	if (!err && btt_type_size(k->bt, "struct page", &size))
		err = li_errbuf(errbuf, errlen, -EINVAL,
			      "the BTF of %s has no struct page: not the BTF of a kernel",
			      file ? file : path);
	return err;
}

/* kallsyms and BTF; a "btf:SRC+kallsyms:SRC" description in k->vmlinux. */
static int kt_use_btf(struct kt_ctx *k, const char *path, const char *file,
		      const char *rel, const char *build_id, char *errbuf,
		      size_t errlen)
{
	const char *ksrc = "", *bsrc = "";
	const struct ksym_mem mem = kt_kmem(k);
	size_t n;
	int err;

	err = kt_open_kallsyms(k, path, &ksrc, errbuf, errlen);
	if (err)
		return err;
	err = bkt_check_kallsyms(&mem, k->ks, path, rel, KT_HINT, errbuf,
				 errlen);
	if (err)
		return err;
	err = kt_open_btf(k, path, file, build_id, &bsrc, errbuf, errlen);
	if (err)
		return err;
	n = strlen(bsrc) + strlen(ksrc) + 32;
	free(k->vmlinux);
	k->vmlinux = malloc(n);
	if (!k->vmlinux)
		return -ENOMEM;
	snprintf(k->vmlinux, n, "btf:%s+kallsyms:%s", bsrc, ksrc);
	return 0;
}

static void kt_drop_types(struct kt_ctx *k)
{
	dwt_close(k->dw);
	k->dw = NULL;
	btt_close(k->bt);
	k->bt = NULL;
	ksym_close(k->ks);
	k->ks = NULL;
	free(k->vmlinux);
	k->vmlinux = NULL;
}

static void kt_free(struct kt_ctx *k)
{
	kt_drop_xsys(k);
	if (k->xcb) {
		for (size_t i = 0; i < sizeof(kt_cbs) / sizeof(kt_cbs[0]); i++)
			if (kt_cbs[i].cb == k->xcb)
				kt_cbs[i].cb = NULL;
		addrxlat_ctx_del_cb(k->xctx, k->xcb);
	}
	if (k->xctx)
		addrxlat_ctx_decref(k->xctx);
	free(k->segs);
	free(k->loads);
	dd_close(k->dd);
	if (k->kd)
		kdump_free(k->kd);
	if (k->fd >= 0)
		close(k->fd);
	kt_drop_types(k);
	free(k->source);
	free(k);
}

/* The vmlinux argument: which sources, and a file for them or NULL. */
static enum kt_types kt_parse_types(const char *arg, const char **file)
{
	static const struct {
		const char *prefix;
		enum kt_types types;
	} prefixes[] = {
		{ "dwarf:", KT_TYPES_DWARF },
		{ "auto:", KT_TYPES_AUTO },
		{ "btf:", KT_TYPES_BTF },
	};
	size_t i, n;

	*file = arg && *arg ? arg : NULL;
	if (!*file)
		return KT_TYPES_DWARF;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		n = strlen(prefixes[i].prefix);
		if (strncmp(arg, prefixes[i].prefix, n))
			continue;
		*file = arg[n] ? arg + n : NULL;
		/* "auto:PATH": PATH is a vmlinux, which means DWARF */
		if (prefixes[i].types == KT_TYPES_AUTO && *file)
			return KT_TYPES_DWARF;
		return prefixes[i].types;
	}
	return KT_TYPES_DWARF;
}

/* DWARF: the given or found vmlinux, the architecture, the banner. */
static int kt_open_dwarf(struct kt_ctx *k, const char *path, const char *file,
			 const char *rel, const char *build_id, char *errbuf,
			 size_t errlen)
{
	int err;

	if (file)
		err = kt_use_vmlinux(k, file, build_id, errbuf, errlen);
	else
		err = kt_find_vmlinux(k, rel, build_id, errbuf, errlen);
	if (!err)
		err = kt_setup_xlat(k, path, errbuf, errlen);
	if (!err)
		err = kt_check_banner(k, path,
				      rel[0] ? "" :
					       " (the dump has no VMCOREINFO: KASLR offset unknown, 0 assumed)",
				      errbuf, errlen);
	return err;
}

int li_kdump_target_open(const char *dump, const char *vmlinux,
			 struct li_target **out, char *errbuf, size_t errlen)
{
	const char *path = dump ? dump : KT_LIVE_PATH, *file;
	char rel[128], build_id[128], kaslr[64], why[512] = "";
	enum kt_types types = kt_parse_types(vmlinux, &file);
	struct kt_ctx *k;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (errbuf && errlen)
		errbuf[0] = '\0';
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->fd = -1;
	k->live = !dump;
	err = kt_open_dump(k, path, errbuf, errlen);
	if (!err)
		err = kt_get_xlat(k, path, errbuf, errlen);
	if (err)
		goto fail;
	kt_info(k, "OSRELEASE", rel, sizeof(rel));
	kt_info(k, "BUILD-ID", build_id, sizeof(build_id));
	kt_info(k, "KERNELOFFSET", kaslr, sizeof(kaslr));
	k->kaslr = strtoull(kaslr, NULL, 16);
	if (types == KT_TYPES_AUTO) {
		/* a matching vmlinux if there is one, else BTF */
		err = kt_open_dwarf(k, path, NULL, rel, build_id, why,
				    sizeof(why));
		if (err) {
			kt_drop_types(k);
			types = KT_TYPES_BTF;
		}
	} else if (types == KT_TYPES_DWARF) {
		err = kt_open_dwarf(k, path, file, rel, build_id, errbuf,
				    errlen);
	}
	if (types == KT_TYPES_BTF) {
		err = kt_setup_xlat(k, path, errbuf, errlen);
		if (!err)
			err = kt_use_btf(k, path, file, rel, build_id, errbuf,
					 errlen);
		/* auto: say why neither source is usable */
		if (err && why[0] && errbuf && errlen) {
			char both[1024];

			snprintf(both, sizeof(both), "%s; and without it: %s",
				 why, errbuf);
			snprintf(errbuf, errlen, "%s", both);
		}
	}
	if (err)
		goto fail;
	k->source = strdup(dump ? dump : "live");
	if (!k->source) {
		err = -ENOMEM;
		goto fail;
	}
	/*
	 * Our page check in front of libkdumpfile's page-table reads, once
	 * every attribute is set: libkdumpfile 0.5.6 rebuilds its callback
	 * chain when the OS type or architecture changes, and a callback
	 * added before that crashes it.
	 */
	err = kt_add_cb(k);
	if (err)
		goto fail;
	k->target.ops = &kt_ops;
	k->target.ctx = k;
	k->target.source = k->source;
	k->target.vmlinux = k->vmlinux;
	*out = &k->target;
	return 0;
fail:
	if (err == -ENOMEM && errbuf && errlen && !errbuf[0])
		snprintf(errbuf, errlen, "out of memory");
	/* whatever failed, a short file is the first thing to know */
	if (k->need_size && errbuf && errlen) {
		char why[1024];

		snprintf(why, sizeof(why), "%s", errbuf);
		snprintf(errbuf, errlen,
			 "%s is truncated (%llu bytes, its page descriptors describe %llu): %s",
			 path, (unsigned long long)k->file_size,
			 (unsigned long long)k->need_size, why);
	}
	kt_free(k);
	return err;
}

/* ---- dump and vmlinux files, for frontends with readers of their own ---- */

int li_dump_vmcoreinfo(const char *dump, char **out, char *errbuf,
		       size_t errlen)
{
	const char *path = dump ? dump : KT_LIVE_PATH;
	struct kt_ctx *k;
	char *raw = NULL;
	int err;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!out)
		return li_errbuf(errbuf, errlen, -EINVAL, "no place for the text");
	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return li_errbuf(errbuf, errlen, -ENOMEM, "out of memory");
	k->fd = -1;
	k->live = !dump;
	/* the shipped target's open: header checks first, no translation */
	err = kt_open_dump(k, path, errbuf, errlen);
	if (!err && k->own && !(raw = strdup(dd_vmcoreinfo_text(k->dd))))
		err = li_errbuf(errbuf, errlen, -ENOMEM, "out of memory");
	if (!err && !k->own && kdump_vmcoreinfo_raw(k->kd, &raw) != KDUMP_OK) {
		free(raw);
		raw = NULL;
	}
	if (!err && (!raw || !raw[0]))
		err = li_errbuf(errbuf, errlen, -ENOENT, "%s has no VMCOREINFO",
				path);
	if (!err)
		*out = raw;
	else
		free(raw);
	kt_free(k);
	return err;
}

int li_file_build_id(const char *path, char *hex, size_t len, char *errbuf,
		     size_t errlen)
{
	const unsigned char *id;
	ssize_t n = 0;
	Elf *elf;
	int fd, err = 0;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!path || !hex || !len)
		return li_errbuf(errbuf, errlen, -EINVAL, "bad arguments");
	hex[0] = '\0';
	fd = li_open_regular(path, "file", errbuf, errlen);
	if (fd < 0)
		return fd;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		err = li_errbuf(errbuf, errlen, -EINVAL, "%s is not an ELF file",
				path);
	else if ((n = dwelf_elf_gnu_build_id(elf, (const void **)&id)) <= 0)
		err = li_errbuf(errbuf, errlen, -ENOENT,
				"%s has no GNU build-id note", path);
	else if (len < (size_t)n * 2 + 1)
		err = li_errbuf(errbuf, errlen, -ERANGE,
				"%s: a build-id of %zd bytes needs %zu of hex",
				path, n, (size_t)n * 2 + 1);
	else
		for (ssize_t i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02x", id[i]);
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

int li_check_build_id(const char *path, const char *build_id, char *errbuf,
		      size_t errlen)
{
	char have[LI_BUILD_ID_MAX];

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!path || !build_id || !build_id[0] ||
	    li_file_build_id(path, have, sizeof(have), NULL, 0) ||
	    !strcasecmp(have, build_id))
		return 0;
	return li_errbuf(errbuf, errlen, -EINVAL,
			 "build-id mismatch: %s has %s but the dump's VMCOREINFO says %s",
			 path, have, build_id);
}

static int kt_accept_build_id(void *arg, const char *path,
			      const char *build_id, char *errbuf, size_t errlen)
{
	(void)arg;
	return li_check_build_id(path, build_id, errbuf, errlen);
}

int li_find_vmlinux(const char *osrelease, const char *build_id, char *path,
		    size_t len, char *errbuf, size_t errlen)
{
	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!path || !len)
		return li_errbuf(errbuf, errlen, -EINVAL, "no place for the path");
	path[0] = '\0';
	return kt_search_vmlinux(osrelease, build_id, kt_accept_build_id, NULL,
				 path, len, errbuf, errlen);
}

void li_kdump_target_close(struct li_target *target)
{
	if (target)
		kt_free((struct kt_ctx *)target);
}

bool li_kdump_target_truncated(const struct li_target *target,
			       uint64_t *size, uint64_t *need)
{
	const struct kt_ctx *k = (const struct kt_ctx *)target;

	if (!target || target->ops != &kt_ops || !k->need_size)
		return false;
	*size = k->file_size;
	*need = k->need_size;
	return true;
}

/*
 * The captured-memory map of an ELF vmcore, for frontends with readers of
 * their own (drgn, crash): those follow the ELF spec and serve the part of
 * a PT_LOAD past p_filesz as zeroes, which the checks would take for
 * struct pages.  The same header checks and merged segments as the
 * shipped target (kt_scan_elf), without libkdumpfile.
 */
struct li_dump_map {
	struct kt_ctx k;
};

int li_dump_map_open(const char *path, struct li_dump_map **out,
		     char *errbuf, size_t errlen)
{
	struct li_dump_map *m;
	int fd, ret;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!path || !out)
		return -EINVAL;
	*out = NULL;
	/* O_NONBLOCK: a FIFO must not block the open; kt_scan_elf wants a
	 * regular file anyway */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return li_errbuf(errbuf, errlen, -errno, "%s: %s", path,
				 strerror(errno));
	m = calloc(1, sizeof(*m));
	if (!m) {
		close(fd);
		return -ENOMEM;
	}
	ret = kt_scan_elf(&m->k, fd, path, errbuf, errlen);
	close(fd);
	if (ret <= 0) {		/* an error, or not ELF: no map */
		free(m->k.segs);
		free(m->k.loads);
		free(m);
		return ret;
	}
	*out = m;
	return 0;
}

int li_dump_map_captured(const struct li_dump_map *map, uint64_t pa,
			 uint64_t len)
{
	if (!map)
		return 1;
	return len && pa + len - 1 >= pa ? kt_captured(&map->k, pa, len) : 0;
}

void li_dump_map_close(struct li_dump_map *map)
{
	if (!map)
		return;
	free(map->k.segs);
	free(map->k.loads);
	free(map);
}
