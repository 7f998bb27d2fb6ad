// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * findings: the dev_pagemaps and findings of a kernel dump, read through
 * libinspect's getters (no JSON to parse).
 *
 *   cc -o findings findings.c $(pkg-config --cflags --libs libinspect)
 *   ./findings VMCORE [VMLINUX]
 *
 * Prints one line per dev_pagemap and one per stored finding, in the
 * order of the JSON report ("pgmaps", then "findings"):
 *
 *   pgmap 0xffff8c4a8187e8b0 MEMORY_DEVICE_FS_DAX ranges 1 ref live
 *   finding PGMAP_DANGLING error pfn 0x22c00 pgmap 0xffff8c4abc724300: page
 *   names 0xffff8c4abc724c00, not a registered dev_pagemap (refcount 2)
 *
 * Exit status: 0 no error finding, 1 an error finding, 2 the dump could
 * not be opened or checked.
 */
#include <inttypes.h>
#include <stdio.h>
#include <libinspect.h>

int main(int argc, char **argv)
{
	struct li_target *t;
	struct li_report *r;
	char err[256];
	int ret;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s VMCORE [VMLINUX]\n", argv[0]);
		return 2;
	}
	/* VMLINUX NULL: found from the dump's release, checked by build-id */
	if (li_kdump_target_open(argv[1], argc > 2 ? argv[2] : NULL, &t, err,
				 sizeof(err))) {
		fprintf(stderr, "%s: %s\n", argv[1], err);
		return 2;
	}
	/* NULL options: every check, the default finding cap per code */
	ret = li_check(t, NULL, &r);
	if (ret) {
		fprintf(stderr, "%s: %s\n", argv[1], li_check_error(ret));
		li_kdump_target_close(t);
		return 2;
	}
	for (size_t i = 0; i < li_report_npgmaps(r); i++) {
		/* sz: the library fills what this program's header knows */
		struct li_pgmap_info g = { .sz = sizeof(g) };

		if (li_report_pgmap(r, i, &g))
			continue;
		printf("pgmap 0x%" PRIx64 " %s ranges %d ref %s\n", g.address,
		       g.type, g.nr_ranges, g.ref_state);
	}
	for (size_t i = 0; i < li_report_nfindings(r); i++) {
		struct li_finding_info f = { .sz = sizeof(f) };

		if (li_report_finding(r, i, &f))
			continue;
		printf("finding %s %s pfn 0x%" PRIx64 " pgmap 0x%" PRIx64 ": %s\n",
		       f.code, li_severity_name(f.severity), f.pfn, f.pgmap,
		       f.detail);
	}
	ret = li_report_max_severity(r) == LI_SEV_ERROR;
	li_report_free(r);
	li_kdump_target_close(t);
	return ret;
}
