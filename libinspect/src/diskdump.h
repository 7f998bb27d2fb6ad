/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump-compressed files (makedumpfile's and QEMU's "KDUMP" format, and
 * the older "DISKDUMP"), 64-bit little-endian: the header checks made
 * before anything trusts the file, and a page reader of our own.
 *
 * Why our own reader: libkdumpfile 0.5.1's open reads the whole page
 * bitmap (17 MB for 512 GiB, whatever the dump holds) and turns it into
 * pfn regions, and each page read decompresses into its cache and copies
 * out.  Here the bitmap is counted once into a small index (one prefix
 * count per 4096 pfns), a page's descriptor is found from it, and a page
 * is inflated straight into the caller's buffer.  libkdumpfile stays for
 * what this reader does not do (dd_own_pages() false, or -ENOTSUP).
 */
#ifndef LI_DISKDUMP_H
#define LI_DISKDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dd_file;

/*
 * The headers of fd checked, the second (dumped pages) bitmap indexed.
 * 0 with *out NULL: not a kdump-compressed file (not ours to judge);
 * 0 with *out set; or -errno, the reason in errbuf (implausible header,
 * a file cut inside its headers or page descriptors).  A file cut in its
 * page data opens: dd_truncated() says so, its lost pages are not captured.
 */
int dd_scan(int fd, const char *path, struct dd_file **out, char *errbuf,
	    size_t errlen);
void dd_close(struct dd_file *d);

/* The file is shorter than its last page needs: *size, *need bytes. */
bool dd_truncated(const struct dd_file *d, uint64_t *size, uint64_t *need);

/*
 * Does this reader serve the pages and VMCOREINFO (an x86_64 "KDUMP" file
 * of 4 KiB pages, not split, its VMCOREINFO in the sub-header)?
 */
bool dd_own_pages(const struct dd_file *d);

/*
 * [pa, pa + len) within one page: 0; -ENODATA (not dumped, or past the end
 * of a cut file); -EIO (a corrupt descriptor or block); -ENOTSUP (a
 * compression this reader does not do: lzo, snappy, zstd).
 */
int dd_read(struct dd_file *d, uint64_t pa, void *buf, size_t len);

/* Is every page of [pa, pa + len) stored before the end of the file? */
bool dd_present(struct dd_file *d, uint64_t pa, uint64_t len);

/* VMCOREINFO (dd_own_pages() only): the text, or the value of key. */
const char *dd_vmcoreinfo_text(const struct dd_file *d);
int dd_vmcoreinfo(const struct dd_file *d, const char *key, char *val,
		  size_t len);

#endif
