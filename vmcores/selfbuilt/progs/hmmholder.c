// SPDX-License-Identifier: GPL-2.0
/*
 * hmmholder: migrate an anonymous buffer to a test_hmm device
 * (HMM_DMIRROR_MIGRATE_TO_DEV) and keep holding it, so that a dump shows
 * device-private (or device-coherent) pages in use by a process.
 *
 *   hmmholder DEVICE NPAGES [close]
 *
 * "close" closes the device after the migration: on a stock kernel that
 * migrates the pages back (dmirror_fops_release evicts), on the patched one
 * (vmcores/patches) they stay on the device.
 * Output: "PGMAPCHECK-HOLD kind=hmm vaddr=0x… pfn=0x… npages=1 swap=0|1" per
 * page (pfn from /proc/self/pagemap: a device-private page is a swap entry
 * whose offset is the pfn, a coherent one a present pte), then
 * "PGMAPCHECK-READY", then it sleeps forever.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "test_hmm_uapi.h"

#define PAGE_SZ		4096UL
#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define SWP_TYPE_BITS	5	/* MAX_SWAPFILES_SHIFT: pagemap swap = type | offset << 5 */

static void die(const char *what)
{
	fprintf(stderr, "hmmholder: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* pfn of a present or device (swap-entry) page at @vaddr, -1 if none. */
static long page_pfn(int pm, unsigned long vaddr, int *swap)
{
	uint64_t e;

	if (pread(pm, &e, sizeof(e), vaddr / PAGE_SZ * sizeof(e)) != sizeof(e))
		die("pagemap");
	*swap = !!(e & PM_SWAP);
	if (e & PM_PRESENT)
		return e & PM_PFN_MASK;
	if (e & PM_SWAP)
		return (e & PM_PFN_MASK) >> SWP_TYPE_BITS;
	return -1;
}

int main(int argc, char **argv)
{
	struct hmm_dmirror_cmd cmd = { 0 };
	unsigned long npages, i;
	char *buf, *mirror;
	int fd, pm, swap;

	if (argc < 3) {
		fprintf(stderr, "usage: hmmholder DEVICE NPAGES [close]\n");
		return 2;
	}
	npages = strtoul(argv[2], NULL, 0);
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		die(argv[1]);
	buf = mmap(NULL, npages * PAGE_SZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mirror = malloc(npages * PAGE_SZ);
	if (buf == MAP_FAILED || !mirror)
		die("alloc");
	for (i = 0; i < npages; i++)
		buf[i * PAGE_SZ] = (char)i | 1;
	cmd.addr = (uintptr_t)buf;
	cmd.ptr = (uintptr_t)mirror;
	cmd.npages = npages;
	if (ioctl(fd, HMM_DMIRROR_MIGRATE_TO_DEV, &cmd))
		die("HMM_DMIRROR_MIGRATE_TO_DEV");
	if (cmd.cpages != npages) {
		fprintf(stderr, "hmmholder: migrated %llu of %lu pages\n",
			(unsigned long long)cmd.cpages, npages);
		return 1;
	}
	if (argc > 3 && !strcmp(argv[3], "close"))
		close(fd);
	pm = open("/proc/self/pagemap", O_RDONLY);
	if (pm < 0)
		die("/proc/self/pagemap");
	for (i = 0; i < npages; i++) {
		unsigned long va = (uintptr_t)buf + i * PAGE_SZ;
		long pfn = page_pfn(pm, va, &swap);

		printf("PGMAPCHECK-HOLD kind=hmm vaddr=0x%lx pfn=0x%lx npages=1 swap=%d\n",
		       va, pfn, swap);
	}
	printf("PGMAPCHECK-READY migrated=%llu\n", (unsigned long long)cmd.cpages);
	fflush(stdout);
	for (;;)
		pause();
}
