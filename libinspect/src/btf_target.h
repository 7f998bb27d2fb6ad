/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * BTF and kallsyms read out of a kernel's memory, with the checks that
 * make them the dump's kernel's: shared by the shipped target
 * (kdump_target.c, "btf:") and li_btf_target_open() (btf_target.c).
 * path names the memory in messages; hint ends the messages that say a
 * vmlinux is needed (each frontend names its own option).
 */
#ifndef LI_BTF_TARGET_H
#define LI_BTF_TARGET_H

#include <stddef.h>
#include "btf_types.h"
#include "kallsyms.h"

/*
 * kallsyms must hold data symbols (CONFIG_KALLSYMS_ALL) and its
 * linux_banner must read as a banner of rel (VMCOREINFO OSRELEASE, may be
 * ""): this catches a wrong translation or corrupt tables.
 */
int bkt_check_kallsyms(const struct ksym_mem *mem, struct ksym *ks,
		       const char *path, const char *rel, const char *hint,
		       char *errbuf, size_t errlen);
/* The BTF between kallsyms' __start_BTF and __stop_BTF. */
int bkt_btf_from_memory(const struct ksym_mem *mem, struct ksym *ks,
			const char *path, const char *hint, struct btt **out,
			char *errbuf, size_t errlen);

#endif
