// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one table of finding codes.  Every code the core can report is here,
 * with its severity and a one-line meaning; README and SCHEMA.md describe
 * them at length.  Order is the order of the text report.
 */
#include <string.h>
#include "internal.h"

static const struct li_code_info codes[] = {
	/* errors: the kernel's invariants are broken */
	{ "PGMAP_DANGLING", LI_SEV_ERROR,
	  "a referenced ZONE_DEVICE page names a pgmap that is not registered or not a valid dev_pagemap" },
	{ "PGMAP_RANGE", LI_SEV_ERROR,
	  "a page names a registered pgmap whose ranges do not cover the page's pfn" },
	{ "PGMAP_REF_DEAD", LI_SEV_ERROR,
	  "a pgmap's percpu_ref is dead (teardown) while its pages are still referenced" },
	{ "REFCOUNT_BELOW_IDLE", LI_SEV_ERROR,
	  "a page's _refcount is below the idle value for its pgmap type on this kernel" },
	{ "TAIL_REFCOUNT", LI_SEV_ERROR,
	  "a compound tail page has a non-zero _refcount (only the head may hold references)" },
	{ "TAIL_HEAD_MISMATCH", LI_SEV_ERROR,
	  "a compound tail's compound_head does not name its head (head|1)" },
	{ "HEAD_ORDER_MISMATCH", LI_SEV_ERROR,
	  "a compound head's order or PG_head disagrees with the pgmap's vmemmap_shift" },
	{ "ZONE_MISMATCH", LI_SEV_ERROR,
	  "a page inside a pgmap range does not decode to ZONE_DEVICE from its flags" },
	{ "PGMAP_ARRAY_MISMATCH", LI_SEV_ERROR,
	  "pgmap_array runs disagree with the pgmap's ranges (missing, extra, overlapping or malformed)" },
	{ "PGMAP_INVALID", LI_SEV_ERROR,
	  "a registered dev_pagemap has an impossible field (type, nr_range, vmemmap_shift, flags, ref)" },
	{ "ALTMAP_ACCOUNTING", LI_SEV_ERROR,
	  "altmap counters are inconsistent (alloc+align > free, base/end differ from the range)" },
	{ "PINCOUNT_EXCEEDS_REFCOUNT", LI_SEV_ERROR,
	  "a compound head has more pins than references above idle" },
	{ "HVO_MAPPING", LI_SEV_ERROR,
	  "an HVO-optimised hugetlb folio's vmemmap is not aliased read-only onto its head frame" },
	{ "HVO_FLAG_MISMATCH", LI_SEV_ERROR,
	  "a hugetlb folio's vmemmap is aliased but HPG_vmemmap_optimized is clear" },
	{ "XARRAY_CORRUPT", LI_SEV_ERROR,
	  "pgmap_array is malformed (bad node shift, cycle, unreadable node or too many nodes)" },
	{ "HUGETLB_LIST_CORRUPT", LI_SEV_ERROR,
	  "a hugetlb hstate list does not end (cycle or garbage); the walk stopped" },
	{ "HOLDER_ORPHANED", LI_SEV_ERROR,
	  "a user page table maps a device pfn that no live pgmap covers (pgmap freed under a mapping)" },
	{ "HOLDER_DEAD_PGMAP", LI_SEV_ERROR,
	  "a user page table maps pages of a pgmap whose ref is dead while no page holds a reference" },
	/* warnings: unexpected, may be legitimate */
	{ "VMEMMAP_UNEXPECTED", LI_SEV_WARNING,
	  "vmemmap backing frames differ from what the kernel's sharing rules predict" },
	{ "VMEMMAP_SHARED_REFCOUNT", LI_SEV_WARNING,
	  "a shared vmemmap frame's refcount differs from the number of vmemmap PTEs that map it" },
	{ "HVO_KEY_MISMATCH", LI_SEV_WARNING,
	  "hugetlb_optimize_vmemmap_key differs from the number of HVO-optimised folios" },
	{ "DEVMAP_KEY_MISMATCH", LI_SEV_WARNING,
	  "devmap_managed_key differs from the number of pgmaps that take it (torn down without memunmap_pages?)" },
	{ "PGMAP_REF_LOW", LI_SEV_WARNING,
	  "a live pgmap's percpu_ref count is below the references its pages must hold" },
	{ "PAGE_TABLE_CYCLE", LI_SEV_WARNING,
	  "a user page-table entry leads back to a table already walked for that mm (corrupt page tables); not walked again" },
	{ "PRIVATE_PAGE_LEAKED", LI_SEV_WARNING,
	  "a device-private/coherent page is allocated (refcount above idle) but no user page table names it" },
	/* info */
	{ "MEMMAP_NOT_CAPTURED", LI_SEV_INFO,
	  "struct pages absent from the dump (filtered or not saved); not checked" },
	{ "STRUCT_NOT_CAPTURED", LI_SEV_INFO,
	  "a kernel structure the checks read is absent from the dump; what depends on it is not judged" },
	{ "PGMAP_TEARDOWN", LI_SEV_INFO,
	  "a pgmap's ref is dead but no page is referenced: teardown in progress" },
};

#define NR_CODES (sizeof(codes) / sizeof(codes[0]))

LI_EXPORT const struct li_code_info *li_codes(size_t *count)
{
	if (count)
		*count = NR_CODES;
	return codes;
}

size_t li_nr_codes(void)
{
	return NR_CODES;
}

const struct li_code_info *li_code(int idx)
{
	return idx >= 0 && (size_t)idx < NR_CODES ? &codes[idx] : NULL;
}

int li_code_index(const char *code)
{
	for (size_t i = 0; i < NR_CODES; i++)
		if (!strcmp(codes[i].code, code))
			return (int)i;
	return -ENOENT;
}

LI_EXPORT const char *li_severity_name(enum li_severity sev)
{
	switch (sev) {
	case LI_SEV_INFO:
		return "info";
	case LI_SEV_WARNING:
		return "warning";
	case LI_SEV_ERROR:
		return "error";
	}
	return "unknown";
}

LI_EXPORT const char *li_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case ENODATA:
		return "memory not captured in the dump";
	case EFAULT:
		return "invalid address";
	case ENOENT:
		return "type, member, enumerator or symbol not found";
	case EINVAL:
		return "invalid argument";
	case EINTR:
		return "cancelled";
	case ENOMEM:
		return "out of memory";
	case EIO:
		return "read error";
	case ENOTSUP:
		return "kernel layout not supported";
	case LI_READ_FAULT:
		return "read fault (memory not captured or invalid address)";
	}
	return "unknown error";
}

#ifndef LI_VERSION_STRING
#define LI_VERSION_STRING "0.1.0"
#endif

LI_EXPORT const char *li_version(void)
{
	return LI_VERSION_STRING;
}
