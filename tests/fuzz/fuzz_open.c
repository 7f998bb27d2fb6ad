// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: the dump-open path of the shipped target on a mutated
 * file, then, if it opened, the whole check with bounded work.
 *
 * The input is the dump: written to a memfd, opened by its /proc/self/fd
 * path with li_kdump_target_open(path, "btf:") (libkdumpfile headers and
 * VMCOREINFO, the ELF size check, kallsyms and BTF found in the dump's
 * memory), then li_check() as the CLI calls it, cancelled through the
 * progress callback after a bounded number of steps, the report written
 * as text and JSON, and the target closed.
 *
 * FUZZ_OPEN_SPEC overrides the types argument, e.g. "auto:" or
 * "dwarf:/path/to/vmlinux" (a DWARF index costs about a second per input).
 * FUZZ_OPEN_VERBOSE=1 prints why the open or the check failed, or the
 * summary of the report.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "libinspect.h"

/* progress calls before li_check() is cancelled (about 1 per batch/task) */
#define MAX_STEPS	2000

static int memfd = -1;
static char path[64];
static const char *spec = "btf:";
static FILE *devnull;
static bool verbose;

static int budget(void *arg, const char *phase, uint64_t done, uint64_t total)
{
	(void)phase;
	(void)done;
	(void)total;
	return ++*(unsigned int *)arg > MAX_STEPS;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *e = getenv("FUZZ_OPEN_SPEC");

	(void)argc;
	(void)argv;
	if (e && *e)
		spec = e;
	memfd = memfd_create("fuzz-dump", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("fuzz_open: memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	devnull = fopen("/dev/null", "w");
	e = getenv("FUZZ_OPEN_VERBOSE");
	verbose = e && *e && strcmp(e, "0");
	return 0;
}

static void put(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (ftruncate(memfd, 0))
		abort();
	while (done < size) {
		ssize_t n = pwrite(memfd, data + done, size - done, done);

		if (n <= 0)
			abort();
		done += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct li_target *t = NULL;
	struct li_report *r = NULL;
	unsigned int steps = 0;
	struct li_options o = { .max_findings = 20, .progress = budget,
				.progress_arg = &steps };
	char err[1024];
	int ret;

	put(data, size);
	ret = li_kdump_target_open(path, spec, &t, err, sizeof(err));
	if (ret) {
		/* the API: a negative errno and a message */
		if (ret > 0 || t || !memchr(err, 0, sizeof(err)))
			abort();
		if (verbose)
			fprintf(stderr, "fuzz_open: open: %s: %s\n", li_strerror(ret), err);
		return 0;
	}
	if (!t || !t->ops)
		abort();
	t->frontend = "fuzz";
	ret = li_check(t, &o, &r);
	if (!ret && r) {
		li_report_write_text(r, devnull, LI_TEXT_VERBOSE);
		li_report_write_json(r, devnull);
		if (verbose)
			li_report_write_text(r, stderr, LI_TEXT_SUMMARY);
	} else if (verbose) {
		fprintf(stderr, "fuzz_open: check (%u steps): %s: %s\n", steps,
			li_strerror(ret), li_last_error());
	}
	li_report_free(r);
	li_kdump_target_close(t);
	return 0;
}
