/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libinspect - check ZONE_DEVICE struct pages, their dev_pagemaps and the
 * vmemmap that backs them, in a vmcore or a live kernel.
 *
 * One core, many frontends: a frontend (the pgmapcheck CLI, the crash
 * extension, the drgn helpers) supplies memory, type and symbol access as a
 * struct li_target; libinspect does every check and produces a report that
 * all frontends print with the same writers (text and JSON).
 *
 * Conventions (libbpf style): functions return 0 or a negative errno.
 *   -ENODATA  the memory exists but is not captured in the dump
 *             (filtered by makedumpfile, outside every segment, ...)
 *   -EFAULT   the address is invalid (no translation, non-canonical, ...)
 *   -ENOENT   type, member, enumerator or symbol not present
 *   -EINVAL   bad argument
 *   -EINTR    cancelled through the progress callback
 *   -ENOMEM   out of memory
 *   -EIO      any other read error
 *   -LI_READ_FAULT  a read failed, and the target cannot say which of the
 *             first two it is (struct li_target_ops.read)
 *   -LI_READ_XLAT   the target cannot translate this kernel virtual
 *             address itself (struct li_target_ops.read)
 */
#ifndef LIBINSPECT_H
#define LIBINSPECT_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with -fvisibility=hidden: exactly what this header
 * declares is exported (libinspect.map versions it as LIBINSPECT_1). */
#pragma GCC visibility push(default)

#define LI_API_VERSION 1

/*
 * libinspect's own error numbers, returned negated like errno values and
 * above any of them (as libbpf's LIBBPF_ERRNO__*).
 */
#define LI_READ_FAULT	4000	/* read failed: not captured or invalid */
#define LI_READ_XLAT	4001	/* translate it yourself, read physically */
/* Version of the JSON report schema (libinspect/SCHEMA.md). */
#define LI_JSON_SCHEMA_VERSION 1

enum li_addr_space {
	LI_KVADDR = 0,		/* kernel virtual address */
	LI_PHYSADDR = 1,	/* physical address */
};

/*
 * Access to one kernel image, supplied by the frontend.  Every callback
 * returns 0 or a negative errno (see above); ctx is li_target.ctx.
 */
struct li_target_ops {
	/*
	 * Read exactly len bytes.  Called with large buffers (many struct
	 * pages at once); on failure the core retries page by page to tell
	 * which part is missing, so a backend may fail the whole call.
	 * Returns -ENODATA for memory absent from the dump and -EFAULT for
	 * an address that does not translate.  A target that cannot tell
	 * the two apart (a debugger that only says "fault") returns
	 * -LI_READ_FAULT for both (LIBINSPECT_1.3) and li_check() tells
	 * them itself: a physical address is not captured; a kernel virtual
	 * address is translated through the kernel's page tables, read
	 * physically from the same target: no translation is -EFAULT, a
	 * translation whose memory this target cannot read is -ENODATA.
	 * A target that reads physical memory but translates only part of
	 * the kernel's address space (crash --minimal: no vmemmap, no
	 * per-cpu areas) returns -LI_READ_XLAT for a kernel virtual address
	 * it cannot translate: li_check() translates it through the kernel's
	 * page tables and reads it physically, with the errors above.
	 */
	int (*read)(void *ctx, enum li_addr_space space, uint64_t addr,
		    void *buf, size_t len);
	/* sizeof("struct page"), sizeof("struct dev_pagemap"), ... */
	int (*type_size)(void *ctx, const char *type, uint64_t *size);
	/*
	 * Byte offset of a member path inside a type.  The path may cross
	 * nested and anonymous structs/unions: "flags", "flags.f",
	 * "ref.data", "ranges".  -ENOENT if any component is absent: this is
	 * how the core probes the kernel's layout.
	 */
	int (*member_offset)(void *ctx, const char *type, const char *member,
			     uint64_t *offset);
	/* Value of an enumerator of any enum: "ZONE_DEVICE", "PG_head". */
	int (*enum_value)(void *ctx, const char *name, int64_t *value);
	/* Run-time (KASLR-relocated) address of a symbol, local ones too. */
	int (*symbol_address)(void *ctx, const char *name, uint64_t *addr);
	/* Optional (may be NULL): size of a data symbol from the symtab. */
	int (*symbol_size)(void *ctx, const char *name, uint64_t *size);
	/*
	 * Optional (may be NULL): one VMCOREINFO value by key, e.g.
	 * "OSRELEASE", "NUMBER(PG_head_mask)", "LENGTH(node_data)".
	 * Writes a NUL-terminated string into val.
	 */
	int (*vmcoreinfo)(void *ctx, const char *key, char *val, size_t len);
};

struct li_target {
	const struct li_target_ops *ops;
	void *ctx;
	/* Shown in the report's "target" object; may be NULL. */
	const char *frontend;	/* "cli", "crash", "drgn" */
	const char *source;	/* dump path, or "live" */
	const char *vmlinux;	/* debug info path, if known */
};

enum li_severity {
	LI_SEV_INFO = 0,
	LI_SEV_WARNING = 1,
	LI_SEV_ERROR = 2,
};

/* One row of the table of finding codes (libinspect/src/codes.def). */
struct li_code_info {
	const char *code;		/* "TAIL_REFCOUNT" */
	enum li_severity severity;
	const char *summary;		/* one line */
};

/* Progress: phase is a short word ("pgmaps", "pages", "holders",
 * "vmemmap", "hugetlb"); return non-zero to cancel (li_check then returns -EINTR). */
typedef int (*li_progress_fn)(void *arg, const char *phase, uint64_t done,
			      uint64_t total);

#define LI_OPT_PGMAPS_ONLY	(1u << 0)	/* registry only: no page walk */
#define LI_OPT_NO_VMEMMAP	(1u << 1)	/* skip page-table accounting */
#define LI_OPT_NO_HUGETLB	(1u << 2)	/* skip hugetlb/HVO */
#define LI_OPT_NO_HOLDERS	(1u << 3)	/* skip the user page-table walk */

struct li_options {
	uint64_t pgmap;		/* check only this dev_pagemap (0: all) */
	uint64_t pfn_start;	/* check only pfns in [pfn_start, pfn_end] */
	uint64_t pfn_end;	/* inclusive; 0 together with pfn_start 0: all */
	unsigned int max_findings; /* stored per code; 0: default (1000) */
	unsigned int flags;	/* LI_OPT_* */
	li_progress_fn progress;
	void *progress_arg;
};

struct li_report;

/* Walk, check and account; *out is owned by the caller (li_report_free). */
int li_check(const struct li_target *target, const struct li_options *opts,
	     struct li_report **out);
/* Why the last li_check() in this thread failed ("" if it did not). */
const char *li_last_error(void);
void li_report_free(struct li_report *report);

#define LI_TEXT_SUMMARY	(1u << 0)	/* summary lines only */
#define LI_TEXT_VERBOSE	(1u << 1)	/* every finding, kernel model */

int li_report_write_text(const struct li_report *report, FILE *out,
			 unsigned int flags);
/* The JSON document of LI_JSON_SCHEMA_VERSION, newline-terminated. */
int li_report_write_json(const struct li_report *report, FILE *out);
/* Same document in a malloc'ed string (free with li_free); for ctypes. */
char *li_report_json(const struct li_report *report);
void li_free(void *p);

/* Number of findings at a severity; highest severity seen or -1 if none. */
size_t li_report_count(const struct li_report *report, enum li_severity sev);
int li_report_max_severity(const struct li_report *report);

const struct li_code_info *li_codes(size_t *count);
const char *li_severity_name(enum li_severity sev);
const char *li_strerror(int err);
const char *li_version(void);

/*
 * Shipped target: memory from libkdumpfile (ELF vmcore, kdump-compressed,
 * /proc/kcore when path is NULL), types and symbols from the DWARF of
 * vmlinux through libdw, symbols relocated by KERNELOFFSET.  vmlinux may be
 * NULL: it is then looked up from the dump's OSRELEASE in the usual places
 * and its build-id checked against VMCOREINFO when present.  On error a
 * message is written to errbuf.
 */
int li_kdump_target_open(const char *dump, const char *vmlinux,
			 struct li_target **out, char *errbuf, size_t errlen);
void li_kdump_target_close(struct li_target *target);

/*
 * The files around a dump, found and checked as li_kdump_target_open()
 * does, for a frontend that reads the dump its own way (LIBINSPECT_1.3).
 * Each returns 0 or a negative errno with a message in errbuf (may be
 * NULL), which the caller may follow with its own hint ("; give ... -k").
 */

/*
 * The VMCOREINFO text ("KEY=VALUE" lines) a dump file carries: its ELF
 * note (ELF vmcore, /proc/kcore when dump is NULL) or the copy in a
 * kdump-compressed header, read through libkdumpfile after the shipped
 * target's sanity checks of the headers.  For a frontend without the
 * kernel's debug info, which cannot read the kernel's own copy.  *out is
 * malloc'ed and NUL-terminated; free it with li_free().  -ENOENT the dump
 * has none; -EINVAL not a dump libkdumpfile reads, or implausible headers;
 * -EIO a file cut inside its headers; open errors as -errno.
 */
int li_dump_vmcoreinfo(const char *dump, char **out, char *errbuf,
		       size_t errlen);

/* Room for any hex build-id with its NUL (SHA-1 needs 41). */
#define LI_BUILD_ID_MAX	128

/*
 * The GNU build-id note of an ELF file (a vmlinux) as lower-case hex, into
 * hex.  -ENOENT no note; -EINVAL not an ELF file; -ERANGE hex shorter than
 * twice the id plus one; open errors as -errno.
 */
int li_file_build_id(const char *path, char *hex, size_t len, char *errbuf,
		     size_t errlen);

/*
 * Whether the ELF file at path is the kernel whose VMCOREINFO BUILD-ID is
 * build_id (compared without case): -EINVAL with "build-id mismatch: PATH
 * has X but the dump's VMCOREINFO says Y" when both are known and differ,
 * else 0.  Unknown is not a mismatch: build_id NULL or "", or a file
 * without a readable note (not ELF, a raw BTF file, no note); the caller's
 * own open or the kernel's linux_banner then says more.
 */
int li_check_build_id(const char *path, const char *build_id, char *errbuf,
		      size_t errlen);

/*
 * The debug vmlinux of kernel release osrelease (VMCOREINFO OSRELEASE),
 * where li_kdump_target_open() looks, in this order:
 * /usr/lib/debug/boot/vmlinux-R, /usr/lib/debug/lib/modules/R/vmlinux,
 * /lib/modules/R/build/vmlinux, /lib/modules/R/vmlinux, /boot/vmlinux-R,
 * $PGMAPCHECK_CACHE/kernels/R/vmlinux (default ~/.cache/pgmapcheck).  The
 * first readable one that passes li_check_build_id() against build_id (may
 * be NULL) is written into path.  -ENOENT none there (or osrelease NULL or
 * ""; errbuf says where it looked); -EINVAL every one found is of another
 * build-id (errbuf: the last mismatch); -ERANGE len too short.
 */
int li_find_vmlinux(const char *osrelease, const char *build_id, char *path,
		    size_t len, char *errbuf, size_t errlen);

/*
 * Options of li_btf_target_open(), size-prefixed as libbpf's: set sz to
 * sizeof(struct li_btf_target_opts) (LI_OPTS does), leave unknown fields
 * zero.  A NULL opts means all defaults.
 */
struct li_btf_target_opts {
	size_t sz;
	/*
	 * The dump's VMCOREINFO note as text ("KEY=VALUE" lines, copied);
	 * NULL: ask mem->ops->vmcoreinfo, key by key.
	 */
	const char *vmcoreinfo;
};

/* Declares and fills opts with every other byte zero, as LIBBPF_OPTS. */
#define LI_OPTS(TYPE, NAME, ...)					\
	struct TYPE NAME = ({						\
		memset(&NAME, 0, sizeof(struct TYPE));			\
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ };\
	})

/*
 * For a frontend that has the memory of a kernel but no types (a debugger
 * opened without the vmlinux): a target whose types and enumerators come
 * from the kernel's own BTF (the bytes between __start_BTF and __stop_BTF,
 * CONFIG_DEBUG_INFO_BTF) and whose symbols come from its kallsyms tables
 * (found through VMCOREINFO SYMBOL(kallsyms_*), kernels 6.0 and later,
 * CONFIG_KALLSYMS_ALL), both read through mem's read callback.  Reads go
 * to mem; mem's type and symbol callbacks are not used and may be NULL.
 * mem must outlive *out.  (*out)->vmlinux says where the answers came
 * from: "btf:dump+kallsyms:dump" ("kcore" for mem->source "live");
 * frontend and source are mem's.  On error a message is written to errbuf.
 */
int li_btf_target_open(const struct li_target *mem,
		       const struct li_btf_target_opts *opts,
		       struct li_target **out, char *errbuf, size_t errlen);
void li_btf_target_close(struct li_target *target);

/*
 * A target over mem whose type questions (type_size, member_offset,
 * enum_value) libinspect answers from vmlinux's DWARF, with the CLI's
 * reader and its memo of answers (LIBINSPECT_1.6); read, the symbols and
 * VMCOREINFO stay mem's, which must outlive it.  For a frontend whose own
 * type lookups are slow (crash's gdb: a millisecond or more a question).
 * -EINVAL with a message when the dump's BUILD-ID is not vmlinux's; the
 * errors of opening vmlinux (no DWARF, not ELF) likewise.
 */
int li_dwarf_target_open(const struct li_target *mem, const char *vmlinux,
			 struct li_target **out, char *errbuf, size_t errlen);
void li_dwarf_target_close(struct li_target *target);

/*
 * What every frontend (CLI, crash extension, drgn script) shares, so that
 * they accept the same option values, give the same messages and the same
 * status (LIBINSPECT_1.2).
 */

/* Exit status of a frontend run. */
#define LI_EXIT_OK		0	/* nothing at or above the fail-on level */
#define LI_EXIT_FINDINGS	1	/* a finding at or above it */
#define LI_EXIT_USAGE		2	/* usage or input error */
#define LI_EXIT_INTERRUPTED	130	/* cancelled (^C), as a shell says SIGINT */

/* A fail-on level no finding reaches ("never"); the others are li_severity. */
#define LI_FAIL_NEVER		(LI_SEV_ERROR + 1)

/*
 * The one number grammar: a whole string, decimal or 0x-hex, never octal
 * ("010" is ten), no sign or blank.  -EINVAL not a number, -ERANGE above
 * 2^64-1.
 */
int li_parse_u64(const char *s, uint64_t *out);
/* "START" or "START-END" (inclusive, END >= START); -EINVAL, or -EDOM when
 * END is below START. */
int li_parse_pfn_range(const char *s, uint64_t *start, uint64_t *end);
/* "error", "warning", "info" or "never" (LI_FAIL_NEVER); else -EINVAL. */
int li_parse_severity(const char *s, int *level);

/*
 * The value options every frontend has, by their long name (without "--"):
 * "pgmap", "pfn", "max-findings" and "fail-on" take arg; "no-vmemmap",
 * "no-hugetlb" and "no-holders" take none (arg NULL).  Sets opts or
 * *fail_on (may be NULL if "fail-on" is never given).  On error -EINVAL
 * (-ENOENT for an unknown name) and the message the frontends print after
 * "PROG: ", e.g. "--pfn: 'zz' is not a pfn (START or START-END)".
 */
int li_parse_option(struct li_options *opts, int *fail_on, const char *name,
		    const char *arg, char *errbuf, size_t errlen);

/* LI_EXIT_FINDINGS if a finding of report reaches fail_on, else LI_EXIT_OK. */
int li_exit_status(const struct li_report *report, int fail_on);

/*
 * Why li_check() returned err, as the frontends print it after
 * "PROG: SOURCE: ": "interrupted" for -EINTR, else li_last_error(), else
 * li_strerror(err).  Valid until the next li_check() in this thread.
 */
const char *li_check_error(int err);

#define LI_CODES_JSON	(1u << 0)	/* a JSON array, one code a line */

/*
 * The table of li_codes() as "--list-codes" prints it: text columns, or
 * with LI_CODES_JSON [{"code", "severity", "summary"}, ...].  malloc'ed,
 * newline-terminated; free with li_free().  NULL when out of memory.
 */
char *li_codes_text(unsigned int flags);

/*
 * The options every frontend takes, as data (LIBINSPECT_1.6): the CLI,
 * the crash extension and the drgn script build their parsers and help
 * from this table, so names, letters and words cannot drift apart.
 * LI_OPTION_RUN options go to li_parse_option(); the frontend acts on the
 * others (output, progress, --list-codes, --version, --help) by name.
 */
#define LI_OPTION_RUN	(1u << 0)

struct li_option_info {
	const char *name;		/* long name without "--": "fail-on" */
	int letter;			/* short option ('f'), or 0 */
	const char *arg;		/* value's name ("LEVEL"); NULL: none */
	const char *help;		/* one sentence, no final period */
	unsigned int flags;		/* LI_OPTION_* */
};

/* Option i, in --help order; NULL past the last.  Fields are only ever
 * added at the end, so a caller reads the ones it knows. */
const struct li_option_info *li_option(size_t i);

/*
 * The progress line every frontend prints (LIBINSPECT_1.6), on fd: on a
 * terminal one line rewritten in place ("\r\033[K"), elsewhere a line per
 * phase and then every few seconds.  By default it shows only on a
 * terminal and once a run has lasted a second (a short run prints
 * nothing); LI_PROGRESS_ALWAYS (--progress) shows it from the start, on
 * any fd; LI_PROGRESS_NEVER (--no-progress) never.  li_progress_show() is
 * a li_options.progress callback (progress_arg: the meter): it cancels
 * the check (returns 1) once *cancel, the frontend's ^C flag (may be
 * NULL), is set.  A NULL meter shows nothing and never cancels.
 */
#define LI_PROGRESS_ALWAYS	(1u << 0)
#define LI_PROGRESS_NEVER	(1u << 1)

struct li_progress;
struct li_progress *li_progress_new(int fd, unsigned int flags,
				    const volatile sig_atomic_t *cancel);
int li_progress_show(void *meter, const char *phase, uint64_t done,
		     uint64_t total);
/* Erase a shown terminal line (before the report or an error message). */
void li_progress_clear(struct li_progress *p);
/* li_progress_clear(), then free. */
void li_progress_free(struct li_progress *p);

/*
 * Reading a report without its JSON (LIBINSPECT_1.4): what the JSON
 * document's "findings", "pgmaps" and "vmemmap" arrays hold, element by
 * element, in the same order.  The structs are size-prefixed: set sz to
 * sizeof(the struct) as the program was built with; the library fills
 * what both it and the caller know, so a program built against an older
 * or newer header keeps working.  Strings are owned by the report (or
 * static) and valid until li_report_free().  Each getter returns 0,
 * -EINVAL (NULL report or out, sz too small) or -ERANGE (no such index).
 */
struct li_finding_info {
	size_t sz;
	const char *code;		/* "TAIL_REFCOUNT" (li_codes()) */
	enum li_severity severity;
	uint64_t pfn;
	uint64_t page;			/* struct page (or table) address, 0 none */
	uint64_t pgmap;			/* dev_pagemap address, 0 none */
	uint64_t frame;			/* shared vmemmap frame, 0 none */
	uint64_t aliases;		/* vmemmap pages mapping that frame */
	uint64_t count;			/* pfns covered by a run, 0 one */
	const char *detail;
};

/* Findings stored (max_findings per code; counts stay exact). */
size_t li_report_nfindings(const struct li_report *report);
int li_report_finding(const struct li_report *report, size_t i,
		      struct li_finding_info *out);
/* Findings of code made, stored or not (JSON summary.by_code); 0 if
 * none or code is unknown. */
uint64_t li_report_code_count(const struct li_report *report,
			      const char *code);

struct li_pgmap_info {
	size_t sz;
	uint64_t address;
	const char *type;		/* "MEMORY_DEVICE_FS_DAX", "unknown" */
	int64_t type_value;
	uint32_t flags;
	int altmap;			/* PGMAP_ALTMAP_VALID */
	uint64_t vmemmap_shift;
	int nr_range;			/* as read (may be garbage) */
	int nr_ranges;			/* valid ones: li_report_pgmap_range() */
	const char *ref_state;		/* live dead exited invalid unreadable */
	int ref_count_known;
	int64_t ref_count;
	uint64_t pages_checked, pages_uninitialised, pages_not_captured,
		 pages_aliased, pages_referenced;
};

size_t li_report_npgmaps(const struct li_report *report);
int li_report_pgmap(const struct li_report *report, size_t i,
		    struct li_pgmap_info *out);
/* Range k of pgmap i, pfns inclusive; first_pfn is its first pfn with an
 * initialised memmap (after an altmap's reserve).  Pointers may be NULL. */
int li_report_pgmap_range(const struct li_report *report, size_t i,
			  size_t k, uint64_t *start_pfn, uint64_t *end_pfn,
			  uint64_t *first_pfn);

/* The vmemmap accounting of one pgmap range. */
struct li_vmemmap_info {
	size_t sz;
	uint64_t pgmap;
	int range;
	int complete;			/* every vmemmap page was translated */
	uint64_t start_pfn, end_pfn;
	uint64_t struct_pages, struct_page_bytes;
	uint64_t vmemmap_pages;		/* 4 KiB pages the struct pages span */
	uint64_t frames;		/* distinct frames backing them */
	uint64_t predicted_frames;	/* by the kernel's sharing rules */
	uint64_t saved_bytes;
};

size_t li_report_nvmemmap(const struct li_report *report);
int li_report_vmemmap(const struct li_report *report, size_t i,
		      struct li_vmemmap_info *out);

/*
 * Which physical memory an ELF vmcore holds (LIBINSPECT_1.5), for a
 * frontend that reads the dump with a reader of its own: drgn's and
 * crash's follow the ELF spec and serve the part of a PT_LOAD past its
 * p_filesz as zeroes, memory the dump tool left out.  Such a target
 * answers -ENODATA for a physical read the map does not hold.  *out is
 * NULL (and 0 returned) for a file that is not ELF (kdump-compressed:
 * libkdumpfile-based readers already fail what it lacks); the ELF headers
 * get the shipped target's checks (-EINVAL, -EIO, message in errbuf).
 */
struct li_dump_map;
int li_dump_map_open(const char *path, struct li_dump_map **out,
		     char *errbuf, size_t errlen);
/* 1 if all of [pa, pa + len) is in the file (or map is NULL), else 0. */
int li_dump_map_captured(const struct li_dump_map *map, uint64_t pa,
			 uint64_t len);
void li_dump_map_close(struct li_dump_map *map);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* LIBINSPECT_H */
