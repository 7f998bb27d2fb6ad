// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The shipped li_target: memory from libkdumpfile (ELF and kdump-compressed
 * vmcores, /proc/kcore), types and symbols from the vmlinux DWARF and
 * symtab (dwarf_types.c).  Dump formats are libkdumpfile's business; this
 * file only maps its errors onto the errno convention of libinspect.h,
 * finds the vmlinux and makes sure it is the one the dump was taken from.
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
#include <sys/stat.h>
#include <libkdumpfile/kdumpfile.h>
#include "libinspect.h"
#include "dwarf_memo.h"
#include "dwarf_types.h"

#define KT_LIVE_PATH	"/proc/kcore"
#define KT_BANNER_MAX	512

struct kt_ctx {
	struct li_target target;	/* first: close() gets back here */
	kdump_ctx_t *kd;
	int fd;
	struct dwt *dw;
	uint64_t kaslr;			/* KERNELOFFSET */
	char *source;
	char *vmlinux;
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

static int kt_read(void *ctx, enum li_addr_space space, uint64_t addr,
		   void *buf, size_t len)
{
	struct kt_ctx *k = ctx;
	size_t got = len;
	kdump_status st;

	st = kdump_read(k->kd, space == LI_PHYSADDR ? KDUMP_KPHYSADDR :
						      KDUMP_KVADDR,
			addr, buf, &got);
	if (st == KDUMP_OK && got != len)
		return -EIO;
	return kt_errno(st);
}

static int kt_type_size(void *ctx, const char *type, uint64_t *size)
{
	return dwt_type_size(((struct kt_ctx *)ctx)->dw, type, size);
}

static int kt_member_offset(void *ctx, const char *type, const char *member,
			    uint64_t *offset)
{
	return dwt_member_offset(((struct kt_ctx *)ctx)->dw, type, member,
				 offset);
}

static int kt_enum_value(void *ctx, const char *name, int64_t *value)
{
	return dwt_enum_value(((struct kt_ctx *)ctx)->dw, name, value);
}

/* Per-cpu symbols are offsets from __per_cpu_offset[cpu]: not relocated. */
static int kt_symbol_address(void *ctx, const char *name, uint64_t *addr)
{
	struct kt_ctx *k = ctx;
	uint64_t a;
	bool percpu;
	int err;

	err = dwt_symbol(k->dw, name, &a, NULL, &percpu);
	if (err)
		return err;
	*addr = percpu ? a : a + k->kaslr;
	return 0;
}

static int kt_symbol_size(void *ctx, const char *name, uint64_t *size)
{
	return dwt_symbol(((struct kt_ctx *)ctx)->dw, name, NULL, size, NULL);
}

static int kt_vmcoreinfo(void *ctx, const char *key, char *val, size_t len)
{
	struct kt_ctx *k = ctx;
	char *v = NULL;
	kdump_status st;
	int err = 0;

	if (!key || !val || !len)
		return -EINVAL;
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

static int kt_fail(char *errbuf, size_t errlen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int kt_fail(char *errbuf, size_t errlen, int err, const char *fmt, ...)
{
	va_list ap;

	if (errbuf && errlen) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/*
 * libkdumpfile reads a truncated ELF vmcore as zeroes past the end of the
 * file (or SIGBUS when it maps it), which the checks would take for real
 * struct pages.  libelf tells how far the segments reach; the memory itself
 * is still read by libkdumpfile only.  Returns 1 for a complete ELF file,
 * 0 for anything else libkdumpfile may know (kdump-compressed, ...).
 */
/* End of the furthest ELF segment (or of the headers); 0 if unreadable. */
static uint64_t kt_elf_extent(Elf *elf)
{
	uint64_t end;
	GElf_Ehdr eh;
	GElf_Phdr ph;
	size_t i, n;

	/* libelf refuses program headers that run past the end of file */
	if (!gelf_getehdr(elf, &eh) || elf_getphdrnum(elf, &n))
		return 0;
	end = eh.e_phoff + (uint64_t)n * eh.e_phentsize;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, i, &ph))
			return 0;
		if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE)
			continue;
		if (ph.p_offset + ph.p_filesz > end)
			end = ph.p_offset + ph.p_filesz;
	}
	return end;
}

static int kt_check_elf_size(int fd, const char *path, char *errbuf,
			     size_t errlen)
{
	uint64_t need = 0;
	struct stat st;
	bool is_elf;
	Elf *elf;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return 0;
	is_elf = elf_kind(elf) == ELF_K_ELF;
	if (is_elf)
		need = kt_elf_extent(elf);
	elf_end(elf);
	if (is_elf && !need)
		return kt_fail(errbuf, errlen, -EIO,
			       "%s: unreadable ELF program headers: truncated file?",
			       path);
	if (need > (uint64_t)st.st_size)
		return kt_fail(errbuf, errlen, -EIO,
			       "%s is truncated: %llu bytes, its ELF headers describe %llu",
			       path, (unsigned long long)st.st_size,
			       (unsigned long long)need);
	return is_elf;
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

static int kt_open_dump(struct kt_ctx *k, const char *path, char *errbuf,
			size_t errlen)
{
	int complete_elf = 0;
	kdump_status st;

	k->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (k->fd < 0) {
		int err = -errno;

		return kt_fail(errbuf, errlen, err, "cannot open %s: %s", path,
			       strerror(-err));
	}
	if (strcmp(path, KT_LIVE_PATH)) {
		complete_elf = kt_check_elf_size(k->fd, path, errbuf, errlen);
		if (complete_elf < 0)
			return complete_elf;
	}
	k->kd = kdump_new();
	if (!k->kd)
		return kt_fail(errbuf, errlen, -ENOMEM, "out of memory");
	/*
	 * Mapping an ELF vmcore reads struct pages ~10x faster than read(2),
	 * but only a file known to be complete may be mapped: past its end a
	 * mapping gives SIGBUS where read(2) fails cleanly.
	 */
	st = kdump_set_number_attr(k->kd, KDUMP_ATTR_FILE_MMAP_POLICY,
				   complete_elf ? KDUMP_MMAP_TRY :
						  KDUMP_MMAP_NEVER);
	if (st != KDUMP_OK)
		return kt_fail(errbuf, errlen, -EINVAL, "libkdumpfile: %s",
			       kdump_get_err(k->kd));
	st = kdump_open_fd(k->kd, k->fd);
	if (st != KDUMP_OK)
		return kt_fail(errbuf, errlen, -EINVAL,
			       "%s is not a readable dump: %s", path,
			       kt_err_reason(k->kd));
	/* also makes libkdumpfile parse VMCOREINFO */
	st = kdump_set_string_attr(k->kd, KDUMP_ATTR_OSTYPE, "linux");
	if (st != KDUMP_OK)
		return kt_fail(errbuf, errlen, -EINVAL,
			       "%s: cannot set up Linux address translation: %s",
			       path, kt_err_reason(k->kd));
	return 0;
}

/*
 * Linux page-table translation needs the architecture, which some dumps
 * do not say (QEMU's kdump-compressed output): take it from the vmlinux.
 */
static int kt_setup_xlat(struct kt_ctx *k, const char *path, char *errbuf,
			 size_t errlen)
{
	const char *arch;
	kdump_status st;

	if (kdump_get_string_attr(k->kd, KDUMP_ATTR_ARCH_NAME, &arch) ==
	    KDUMP_OK)
		return 0;
	arch = dwt_arch_name(k->dw);
	if (!arch)
		return kt_fail(errbuf, errlen, -EINVAL,
			       "%s: unknown architecture, and %s does not tell a supported one",
			       path, k->vmlinux);
	st = kdump_set_string_attr(k->kd, KDUMP_ATTR_ARCH_NAME, arch);
	if (st != KDUMP_OK)
		return kt_fail(errbuf, errlen, -EINVAL,
			       "%s: cannot set architecture %s: %s", path, arch,
			       kt_err_reason(k->kd));
	return 0;
}

/* A VMCOREINFO value, or "" when the dump has none. */
static void kt_info(struct kt_ctx *k, const char *key, char *val, size_t len)
{
	if (kt_vmcoreinfo(k, key, val, len))
		val[0] = '\0';
}

static int kt_use_vmlinux(struct kt_ctx *k, const char *path,
			  const char *build_id, char *errbuf, size_t errlen)
{
	char have[128];
	int err;

	err = dwt_open(path, &k->dw, errbuf, errlen);
	if (err)
		return err;
	/* a vmlinux without a build-id note is still checked by the banner */
	if (build_id[0] && !dwt_build_id(k->dw, have, sizeof(have)) &&
	    strcasecmp(have, build_id)) {
		dwt_close(k->dw);
		k->dw = NULL;
		return kt_fail(errbuf, errlen, -EINVAL,
			       "build-id mismatch: %s has %s but the dump's VMCOREINFO says %s; give the matching debug vmlinux with -k",
			       path, have, build_id);
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

static int kt_find_vmlinux(struct kt_ctx *k, const char *rel,
			   const char *build_id, char *errbuf, size_t errlen)
{
	char path[4096], tried[2048] = "", why[512] = "";
	size_t i, used = 0;
	int n;

	if (!rel[0])
		return kt_fail(errbuf, errlen, -ENOENT,
			       "the dump has no VMCOREINFO OSRELEASE to find its vmlinux by; give the debug vmlinux with -k");
	for (i = 0; i < KT_NR_PLACES; i++) {
		vmlinux_candidate(i, rel, path, sizeof(path));
		n = snprintf(tried + used, sizeof(tried) - used, "%s%s",
			     used ? ", " : "", path);
		if (n > 0 && (size_t)n < sizeof(tried) - used)
			used += n;
		if (access(path, R_OK))
			continue;
		if (!kt_use_vmlinux(k, path, build_id, why, sizeof(why)))
			return 0;
	}
	if (why[0])
		return kt_fail(errbuf, errlen, -EINVAL, "%s", why);
	return kt_fail(errbuf, errlen, -ENOENT,
		       "no debug vmlinux for kernel %s (looked in %s); install linux-image-%s-dbg or give one with -k",
		       rel, tried, rel);
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
		return kt_fail(errbuf, errlen, -EINVAL,
			       "%s is not a Linux kernel image (no linux_banner)",
			       k->vmlinux);
	if (size > sizeof(want))
		size = sizeof(want);
	if (dwt_read_image(k->dw, addr, want, size))
		return kt_fail(errbuf, errlen, -EINVAL,
			       "%s: cannot read linux_banner from the file",
			       k->vmlinux);
	err = kt_read(k, LI_KVADDR, addr + k->kaslr, got, size);
	if (err)
		return kt_fail(errbuf, errlen, -EIO,
			       "%s: cannot read linux_banner at 0x%llx (%s): an incomplete dump, or %s does not match it?%s",
			       path, (unsigned long long)(addr + k->kaslr),
			       strerror(-err), k->vmlinux, hint);
	want[size - 1] = got[size - 1] = '\0';
	if (memcmp(want, got, size))
		return kt_fail(errbuf, errlen, -EINVAL,
			       "%s does not match %s: the dump's linux_banner is \"%.100s\"%s",
			       k->vmlinux, path, got, hint);
	return 0;
}

static void kt_free(struct kt_ctx *k)
{
	if (k->kd)
		kdump_free(k->kd);
	if (k->fd >= 0)
		close(k->fd);
	dwt_close(k->dw);
	free(k->source);
	free(k->vmlinux);
	free(k);
}

int li_kdump_target_open(const char *dump, const char *vmlinux,
			 struct li_target **out, char *errbuf, size_t errlen)
{
	const char *path = dump ? dump : KT_LIVE_PATH;
	char rel[128], build_id[128], kaslr[64];
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
	err = kt_open_dump(k, path, errbuf, errlen);
	if (err)
		goto fail;
	kt_info(k, "OSRELEASE", rel, sizeof(rel));
	kt_info(k, "BUILD-ID", build_id, sizeof(build_id));
	kt_info(k, "KERNELOFFSET", kaslr, sizeof(kaslr));
	k->kaslr = strtoull(kaslr, NULL, 16);
	if (vmlinux)
		err = kt_use_vmlinux(k, vmlinux, build_id, errbuf, errlen);
	else
		err = kt_find_vmlinux(k, rel, build_id, errbuf, errlen);
	if (err)
		goto fail;
	err = kt_setup_xlat(k, path, errbuf, errlen);
	if (err)
		goto fail;
	err = kt_check_banner(k, path,
			      rel[0] ? "" :
				       " (the dump has no VMCOREINFO: KASLR offset unknown, 0 assumed)",
			      errbuf, errlen);
	if (err)
		goto fail;
	k->source = strdup(dump ? dump : "live");
	if (!k->source) {
		err = -ENOMEM;
		goto fail;
	}
	k->target.ops = &kt_ops;
	k->target.ctx = k;
	k->target.source = k->source;
	k->target.vmlinux = k->vmlinux;
	*out = &k->target;
	return 0;
fail:
	if (err == -ENOMEM && errbuf && errlen && !errbuf[0])
		snprintf(errbuf, errlen, "out of memory");
	kt_free(k);
	return err;
}

void li_kdump_target_close(struct li_target *target)
{
	if (target)
		kt_free((struct kt_ctx *)target);
}
