// SPDX-License-Identifier: GPL-2.0
/*
 * holder: map ZONE_DEVICE (or hugetlb) memory, touch it, optionally pin it
 * through /proc/pgmapcheck_test, print what it holds, then sleep forever so
 * that a dump of the guest shows live, legitimate references.
 *
 *   holder devdax /dev/dax0.0 NBYTES [pin NPAGES]
 *   holder file PATH NBYTES
 *   holder hugetlb N
 *
 * Output: one "PGMAPCHECK-HOLD kind=K vaddr=0x… pfn=0x… npages=N" line per
 * 2 MiB chunk (pfn of its first 4 KiB page, from /proc/self/pagemap), then
 * "PGMAPCHECK-READY".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE_SZ		4096UL
#define CHUNK_SZ	(2UL << 20)
#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define CTL_PATH	"/proc/pgmapcheck_test"

static void die(const char *what)
{
	fprintf(stderr, "holder: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long parse_num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "holder: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

/* Write to every 4 KiB page so each one is faulted in. */
static void touch(char *p, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += PAGE_SZ)
		p[off] = (char)(off / PAGE_SZ) | 1;
}

/* Returns the pfn mapped at @vaddr, or -1 if not present. */
static long long vaddr_pfn(int pm, unsigned long vaddr)
{
	uint64_t ent;

	if (pread(pm, &ent, sizeof(ent), (vaddr / PAGE_SZ) * sizeof(ent)) !=
	    sizeof(ent))
		die("pread /proc/self/pagemap");
	if (!(ent & PM_PRESENT) || !(ent & PM_PFN_MASK))
		return -1;
	return (long long)(ent & PM_PFN_MASK);
}

/*
 * First pfn of a (single-range) device-dax device, from its sysfs resource:
 * /proc/self/pagemap has no PUD walker (it splits, i.e. zaps, a device-dax
 * PUD leaf), so a 1 GiB device-dax mapping reads as not present there.  The device maps its range linearly from offset 0.
 */
static long long dax_first_pfn(const char *dev)
{
	char path[256];
	unsigned long long start;
	const char *name = strrchr(dev, '/');
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/resource",
		 name ? name + 1 : dev);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%llx", &start);
	fclose(f);
	return n == 1 ? (long long)(start / PAGE_SZ) : -1;
}

static void print_hold(const char *kind, const char *dev, char *p, size_t len)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	long long base = -1;
	size_t off;

	if (pm < 0)
		die("open /proc/self/pagemap");
	for (off = 0; off < len; off += CHUNK_SZ) {
		size_t n = len - off < CHUNK_SZ ? len - off : CHUNK_SZ;
		unsigned long va = (unsigned long)p + off;
		long long pfn = vaddr_pfn(pm, va);

		if (pfn < 0 && dev && base < 0)
			base = dax_first_pfn(dev);
		if (pfn < 0 && base >= 0)
			pfn = base + (long long)(off / PAGE_SZ);
		if (pfn < 0) {
			fprintf(stderr, "holder: no pfn for 0x%lx\n", va);
			exit(1);
		}
		printf("PGMAPCHECK-HOLD kind=%s vaddr=0x%lx pfn=0x%llx npages=%zu\n",
		       kind, va, pfn, n / PAGE_SZ);
	}
	close(pm);
}

/* The module pins on the writer's mm, so this process must write it. */
static void pin(char *p, unsigned long npages)
{
	char cmd[64];
	int fd = open(CTL_PATH, O_WRONLY);
	int len;

	if (fd < 0)
		die("open " CTL_PATH);
	len = snprintf(cmd, sizeof(cmd), "pin-user 0x%lx %lu",
		       (unsigned long)p, npages);
	if (write(fd, cmd, len) != len)
		die("pin-user");
	close(fd);
}

static char *map_fd(const char *path, int flags, size_t len)
{
	int fd = open(path, flags, 0644);
	char *p;

	if (fd < 0)
		die(path);
	if ((flags & O_CREAT) && ftruncate(fd, len))
		die("ftruncate");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	close(fd);
	return p;
}

static char *map_hugetlb(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE,
		       -1, 0);

	if (p == MAP_FAILED)
		die("mmap hugetlb");
	return p;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: holder devdax DEV NBYTES [pin NPAGES]\n"
		"       holder file PATH NBYTES\n"
		"       holder hugetlb N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long npin = 0;
	const char *kind;
	size_t len;
	char *p;

	if (argc < 3)
		usage();
	kind = argv[1];
	if (!strcmp(kind, "devdax") && (argc == 4 || argc == 6)) {
		if (argc == 6) {
			if (strcmp(argv[4], "pin"))
				usage();
			npin = parse_num(argv[5]);
		}
		len = parse_num(argv[3]);
		p = map_fd(argv[2], O_RDWR, len);
	} else if (!strcmp(kind, "file") && argc == 4) {
		len = parse_num(argv[3]);
		p = map_fd(argv[2], O_RDWR | O_CREAT, len);
	} else if (!strcmp(kind, "hugetlb") && argc == 3) {
		len = parse_num(argv[2]) * CHUNK_SZ;
		p = map_hugetlb(len);
	} else {
		usage();
	}
	touch(p, len);
	print_hold(kind, strcmp(kind, "devdax") ? NULL : argv[2], p, len);
	/*
	 * Reading pagemap splits a PUD leaf it has no walker for, and
	 * splitting a device-dax PUD zaps it (mm/pagewalk.c, huge_memory.c):
	 * fault the 1 GiB mapping back in so the dump shows it held.
	 */
	touch(p, len);
	fflush(stdout);
	if (npin)
		pin(p, npin);
	printf("PGMAPCHECK-READY\n");
	fflush(stdout);
	for (;;)
		pause();
}
