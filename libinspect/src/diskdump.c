// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kdump-compressed files: header checks and a page reader (diskdump.h).
 * Layout: makedumpfile's diskdump_mod.h (disk_dump_header, kdump_sub_header,
 * page_desc), 64-bit little-endian.  Every offset and size read from the
 * file is checked against the file before use; a lookup costs one block
 * of the bitmap and one chunk of descriptors at most, whatever the file
 * says, so nothing here loops on the file's numbers except the one count
 * of the bitmap at open, bounded by its header-checked length.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include "diskdump.h"
#include "errbuf.h"

#define DD_HDR		464	/* struct disk_dump_header_64 */
#define DD_SUB		104	/* struct kdump_sub_header, up to max_mapnr_64 */
#define DD_PD		24	/* struct page_desc */
#define DD_PAGE		4096
/* the bitmap is indexed per block of this many bits (512 bytes) */
#define DD_BLK_BITS	4096
#define DD_BLK_WORDS	(DD_BLK_BITS / 64)
/* descriptors are read this many at a time */
#define DD_PD_CHUNK	170
/* the open counts the bitmap in slices of this size (whole blocks) */
#define DD_SLICE	(1u << 20)
/* decompressed pages kept, by pfn (direct-mapped) */
#define DD_CACHE	16
/* libkdumpfile's bound on a compressed page */
#define DD_CMAX		(64u << 10)
/*
 * Page data is read this much at a time (and it holds any block): a dump
 * stores pages in pfn order, and the vmemmap frames of consecutive
 * compound pages were allocated one after the other, so the next block
 * read is usually in the window.
 */
#define DD_WIN		DD_CMAX

#define DD_ZLIB		0x01u
#define DD_LZO		0x02u
#define DD_SNAPPY	0x04u
#define DD_ZSTD		0x20u
#define DD_COMPRESSED	(DD_ZLIB | DD_LZO | DD_SNAPPY | DD_ZSTD)

struct dd_file {
	int fd;
	uint64_t file_size, need_size;	/* need_size 0: the file is whole */
	bool own;
	uint64_t max_pfn;		/* pfns the bitmap covers */
	uint64_t bm_off, bm_len;	/* the second bitmap */
	uint64_t pd_start, pd_count;	/* the descriptors */
	uint64_t *prefix;		/* set bits before each bitmap block */
	/* the last bitmap block: its words and their running counts */
	uint64_t blk;
	bool blk_ok;
	uint64_t words[DD_BLK_WORDS];
	uint32_t before[DD_BLK_WORDS];
	/* the last chunk of descriptors */
	uint64_t chunk;
	bool chunk_ok;
	uint8_t pd[DD_PD_CHUNK * DD_PD];
	char *vmcoreinfo;
	/* zlib: one raw-deflate stream, reset per page */
	z_stream zs;
	bool zs_ok;
	/* file bytes [win_off, win_off + win_len) */
	uint8_t *win;
	uint64_t win_off;
	size_t win_len;
	/*
	 * The last compressed block and what it inflated to: the PTE tables
	 * of a compound devmap's vmemmap are alike (every entry the one
	 * shared tail frame), so their blocks are the same bytes.
	 */
	uint8_t *memo_in;
	uint32_t memo_len;
	bool memo_ok;
	uint8_t memo_out[DD_PAGE];
	struct {
		uint64_t pfn;
		bool ok;
		uint8_t data[DD_PAGE];
	} cache[DD_CACHE];
};

static uint32_t dd_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t dd_le64(const uint8_t *p)
{
	return dd_le32(p) | (uint64_t)dd_le32(p + 4) << 32;
}

static int dd_pread(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(fd, buf, len, (off_t)off);

	return n == (ssize_t)len ? 0 : -EIO;
}

/*
 * The set bits of each DD_BLK_BITS block of bm (len bytes) into
 * prefix[first block...], running from *n.  With the CPU's popcnt where it
 * has one: x86-64's baseline lacks it, and libgcc's table count took ~5x
 * longer over the 17 MB bitmap of a 512 GiB machine.
 */
#define DD_COUNT_BODY(bm, len, prefix, n) do {					\
	for (size_t b = 0; b < (len); b += DD_BLK_BITS / 8) {			\
		size_t e = (len) - b < DD_BLK_BITS / 8 ? (len) : b + DD_BLK_BITS / 8; \
		size_t i = b;							\
		*(prefix)++ = *(n);						\
		for (; i + 8 <= e; i += 8) {					\
			uint64_t w;						\
			memcpy(&w, (bm) + i, 8);				\
			*(n) += __builtin_popcountll(w);			\
		}								\
		for (; i < e; i++)						\
			*(n) += __builtin_popcount((bm)[i]);			\
	}									\
} while (0)

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("popcnt")))
static uint64_t *dd_count_hw(const uint8_t *bm, size_t len, uint64_t *prefix,
			     uint64_t *n)
{
	DD_COUNT_BODY(bm, len, prefix, n);
	return prefix;
}
#endif

static uint64_t *dd_count(const uint8_t *bm, size_t len, uint64_t *prefix,
			  uint64_t *n)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("popcnt"))
		return dd_count_hw(bm, len, prefix, n);
#endif
	DD_COUNT_BODY(bm, len, prefix, n);
	return prefix;
}

/*
 * Can this reader serve the pages: an x86_64 KDUMP file of 4 KiB pages,
 * not one part of a split dump, two bitmaps, its VMCOREINFO in the
 * sub-header.  Anything else is left to libkdumpfile.
 */
static void dd_check_own(struct dd_file *d, const uint8_t *h,
			 const uint8_t *sh, bool have_sh, uint64_t bs)
{
	int32_t version = (int32_t)dd_le32(h + 8);
	uint64_t max_mapnr = dd_le32(h + 440), vo, vl;
	char *text;

	/* utsname.machine: the fifth of six 65-byte fields from offset 12 */
	if (memcmp(h, "KDUMP   ", 8) || version < 3 || bs != DD_PAGE ||
	    !have_sh || memcmp(h + 12 + 4 * 65, "x86_64", 7) ||
	    dd_le32(sh + 12) /* split */)
		return;
	if (version >= 6 && dd_le64(sh + 96))
		max_mapnr = dd_le64(sh + 96);
	if (max_mapnr > d->bm_len * 8)
		return;		/* one bitmap only (old files) */
	d->max_pfn = max_mapnr;
	vo = dd_le64(sh + 32);
	vl = dd_le64(sh + 40);
	if (!vl || vl > (16u << 20) || vo > d->file_size ||
	    vl > d->file_size - vo)
		return;
	text = malloc(vl + 1);
	if (!text)
		return;
	if (dd_pread(d->fd, text, vl, vo)) {
		free(text);
		return;
	}
	text[vl] = '\0';
	if (inflateInit2(&d->zs, -MAX_WBITS) != Z_OK) {
		free(text);
		return;
	}
	d->zs_ok = true;
	d->win = malloc(DD_WIN);
	d->memo_in = malloc(DD_CMAX);
	if (!d->win || !d->memo_in) {
		free(text);
		return;
	}
	d->vmcoreinfo = text;
	d->own = true;
}

int dd_scan(int fd, const char *path, struct dd_file **out, char *errbuf,
	    size_t errlen)
{
	uint8_t h[DD_HDR], sh[DD_SUB], pd[DD_PD], *bm = NULL;
	uint64_t size, bs, hdr_end, bm_len, bm_off, n = 0, pd_end, end, off;
	int32_t version, sub;
	struct dd_file *d = NULL;
	bool kdump, have_sh = false;
	struct stat st;
	int ret = 0;

	*out = NULL;
	if (fstat(fd, &st) || dd_pread(fd, h, sizeof(h), 0) ||
	    (memcmp(h, "KDUMP   ", 8) && memcmp(h, "DISKDUMP", 8)))
		return 0;	/* not ours to judge (flattened, short) */
	kdump = !memcmp(h, "KDUMP   ", 8);
	size = st.st_size;
	version = (int32_t)dd_le32(h + 8);
	bs = (int32_t)dd_le32(h + 428);
	sub = (int32_t)dd_le32(h + 432);
	bm_len = dd_le32(h + 436);
	if (bs < 512 || bs > (1u << 20) || (bs & (bs - 1)) || sub < 0 ||
	    !bm_len || version < 1 || version > 64)
		return li_errbuf(errbuf, errlen, -EINVAL,
				 "%s: implausible kdump header (version %d, block_size %lld, sub_hdr_size %d, bitmap_blocks %llu)",
				 path, version, (long long)(int32_t)bs, sub,
				 (unsigned long long)bm_len);
	hdr_end = (1 + (uint64_t)sub + bm_len) * bs;
	if (hdr_end > size)
		return li_errbuf(errbuf, errlen, -EIO,
				 "%s is truncated: %llu bytes, its kdump headers alone describe %llu",
				 path, (unsigned long long)size,
				 (unsigned long long)hdr_end);
	/* kdump sub-header: VMCOREINFO and the ELF notes are read whole */
	if (kdump && sub && !dd_pread(fd, sh, sizeof(sh), bs)) {
		have_sh = true;
		for (int i = 0; i < 2; i++) {
			uint64_t o = dd_le64(sh + 32 + 16 * i), l = dd_le64(sh + 40 + 16 * i);

			if (l && (l > (16u << 20) || o > size || l > size - o))
				return li_errbuf(errbuf, errlen, -EINVAL,
						 "%s: kdump %s at %#llx, %llu bytes, lies outside the file (%llu bytes)",
						 path, i ? "ELF notes" : "VMCOREINFO",
						 (unsigned long long)o,
						 (unsigned long long)l,
						 (unsigned long long)size);
		}
	}
	bm_len = bm_len * bs / 2;
	bm_off = (1 + (uint64_t)sub) * bs + bm_len;
	d = calloc(1, sizeof(*d));
	/* one count per bitmap block: 256 KiB for 512 GiB of pfns */
	if (d)
		d->prefix = malloc((bm_len / (DD_BLK_BITS / 8) + 1) * 8);
	if (!d || !d->prefix) {
		ret = -ENOMEM;
		goto out;
	}
	d->fd = fd;
	d->file_size = size;
	d->bm_off = bm_off;
	d->bm_len = bm_len;
	d->pd_start = hdr_end;
	/*
	 * One descriptor per bit of the second bitmap, counted a slice at a
	 * time: the bitmap (17 MB for 512 GiB) is never all in memory, and the
	 * slice stays in the CPU cache (read(2) into it took a quarter of the
	 * time of counting the file mapped, page-table and TLB costs included).
	 */
	bm = malloc(DD_SLICE);
	if (!bm) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint64_t o = 0, l, *pre = d->prefix; o < bm_len; o += l) {
		l = bm_len - o < DD_SLICE ? bm_len - o : DD_SLICE;
		if (dd_pread(fd, bm, l, bm_off + o)) {
			ret = -EIO;
			goto out;
		}
		pre = dd_count(bm, l, pre, &n);
	}
	d->pd_count = n;
	pd_end = hdr_end + n * DD_PD;
	end = pd_end;
	/* pages are written in descriptor order: the last one ends the file */
	if (n && pd_end <= size && !dd_pread(fd, pd, sizeof(pd), pd_end - DD_PD)) {
		off = dd_le64(pd);
		if (off <= UINT64_MAX - dd_le32(pd + 8) && off + dd_le32(pd + 8) > end)
			end = off + dd_le32(pd + 8);
	}
	if (pd_end > size) {
		ret = li_errbuf(errbuf, errlen, -EIO,
				"%s is truncated: %llu bytes, its page descriptors alone need %llu",
				path, (unsigned long long)size,
				(unsigned long long)pd_end);
		goto out;
	}
	if (end > size)
		d->need_size = end;
	d->max_pfn = bm_len * 8;
	dd_check_own(d, h, sh, have_sh, bs);
out:
	free(bm);
	if (ret) {
		dd_close(d);
		return ret;
	}
	*out = d;
	return 0;
}

void dd_close(struct dd_file *d)
{
	if (!d)
		return;
	if (d->zs_ok)
		inflateEnd(&d->zs);
	free(d->win);
	free(d->memo_in);
	free(d->vmcoreinfo);
	free(d->prefix);
	free(d);
}

bool dd_truncated(const struct dd_file *d, uint64_t *size, uint64_t *need)
{
	if (!d || !d->need_size)
		return false;
	*size = d->file_size;
	*need = d->need_size;
	return true;
}

bool dd_own_pages(const struct dd_file *d)
{
	return d && d->own;
}

/*
 * The descriptor of pfn into pd: 1, 0 when the pfn is not dumped, or
 * -errno.  Its index is the number of set bits before it.
 */
static int dd_desc(struct dd_file *d, uint64_t pfn, uint8_t *pd)
{
	uint64_t blk = pfn / DD_BLK_BITS, idx, chunk, w, bit;

	if (pfn >= d->max_pfn)
		return 0;
	if (!d->blk_ok || d->blk != blk) {
		uint64_t o = blk * (DD_BLK_BITS / 8);
		size_t l = d->bm_len - o < DD_BLK_BITS / 8 ? d->bm_len - o :
							     DD_BLK_BITS / 8;
		uint8_t raw[DD_BLK_BITS / 8] = { 0 };
		uint32_t c = 0;

		d->blk_ok = false;
		if (dd_pread(d->fd, raw, l, d->bm_off + o))
			return -EIO;
		for (int i = 0; i < DD_BLK_WORDS; i++) {
			d->words[i] = dd_le64(raw + 8 * i);
			d->before[i] = c;
			c += __builtin_popcountll(d->words[i]);
		}
		d->blk = blk;
		d->blk_ok = true;
	}
	w = pfn % DD_BLK_BITS / 64;
	bit = pfn % 64;
	if (!(d->words[w] >> bit & 1))
		return 0;
	idx = d->prefix[blk] + d->before[w] +
	      __builtin_popcountll(d->words[w] & ((1ull << bit) - 1));
	if (idx >= d->pd_count)
		return -EIO;	/* cannot be: the count said so */
	chunk = idx / DD_PD_CHUNK;
	if (!d->chunk_ok || d->chunk != chunk) {
		uint64_t first = chunk * DD_PD_CHUNK;
		uint64_t k = d->pd_count - first < DD_PD_CHUNK ?
			     d->pd_count - first : DD_PD_CHUNK;

		d->chunk_ok = false;
		if (dd_pread(d->fd, d->pd, k * DD_PD, d->pd_start + first * DD_PD))
			return -EIO;
		d->chunk = chunk;
		d->chunk_ok = true;
	}
	memcpy(pd, d->pd + idx % DD_PD_CHUNK * DD_PD, DD_PD);
	return 1;
}

bool dd_present(struct dd_file *d, uint64_t pa, uint64_t len)
{
	uint8_t pd[DD_PD];

	for (uint64_t pfn = pa / DD_PAGE; pfn <= (pa + len - 1) / DD_PAGE; pfn++) {
		int r = dd_desc(d, pfn, pd);

		if (r < 0)
			return false;
		/* no descriptor: excluded, which libkdumpfile says itself */
		if (r && (dd_le64(pd) > d->file_size ||
			  dd_le32(pd + 8) > d->file_size - dd_le64(pd)))
			return false;
	}
	return true;
}

/* A failed read of page data: past the end of a cut file is not captured. */
static int dd_lost(const struct dd_file *d)
{
	return d->need_size ? -ENODATA : -EIO;
}

/*
 * Adler-32 of a page, as the zlib stream's trailer has it.  zlib 1.2.13
 * sums one byte at a time, which was a quarter of a whole run over 128 GiB
 * of 2M-aligned device-dax (130 K struct page frames, mostly zeroes): with
 * SSSE3, 32 bytes a step (a = 1 + the bytes, b = the sum of every prefix's
 * a; b gains 32 a per step, and each byte times its distance to the end).
 */
#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("ssse3")))
static uint32_t dd_adler_ssse3(const uint8_t *p, size_t len)
{
	const __m128i tap1 = _mm_setr_epi8(32, 31, 30, 29, 28, 27, 26, 25,
					   24, 23, 22, 21, 20, 19, 18, 17);
	const __m128i tap2 = _mm_setr_epi8(16, 15, 14, 13, 12, 11, 10, 9,
					   8, 7, 6, 5, 4, 3, 2, 1);
	const __m128i zero = _mm_setzero_si128(), ones = _mm_set1_epi16(1);
	uint32_t a = 1, b = 0;
	size_t blocks = len / 32;

	len -= blocks * 32;
	while (blocks) {
		/* 5552 bytes at most between reductions: no 32-bit overflow */
		size_t n = blocks < 5552 / 32 ? blocks : 5552 / 32;
		__m128i ps = _mm_set_epi32(0, 0, 0, a * n);
		__m128i s2 = _mm_set_epi32(0, 0, 0, b);
		__m128i s1 = _mm_setzero_si128();

		blocks -= n;
		do {
			__m128i x = _mm_loadu_si128((const __m128i *)p);
			__m128i y = _mm_loadu_si128((const __m128i *)(p + 16));

			ps = _mm_add_epi32(ps, s1);
			s1 = _mm_add_epi32(s1, _mm_sad_epu8(x, zero));
			s2 = _mm_add_epi32(s2, _mm_madd_epi16(
					_mm_maddubs_epi16(x, tap1), ones));
			s1 = _mm_add_epi32(s1, _mm_sad_epu8(y, zero));
			s2 = _mm_add_epi32(s2, _mm_madd_epi16(
					_mm_maddubs_epi16(y, tap2), ones));
			p += 32;
		} while (--n);
		s2 = _mm_add_epi32(s2, _mm_slli_epi32(ps, 5));
		s1 = _mm_add_epi32(s1, _mm_shuffle_epi32(s1, _MM_SHUFFLE(2, 3, 0, 1)));
		s1 = _mm_add_epi32(s1, _mm_shuffle_epi32(s1, _MM_SHUFFLE(1, 0, 3, 2)));
		s2 = _mm_add_epi32(s2, _mm_shuffle_epi32(s2, _MM_SHUFFLE(2, 3, 0, 1)));
		s2 = _mm_add_epi32(s2, _mm_shuffle_epi32(s2, _MM_SHUFFLE(1, 0, 3, 2)));
		a = (a + (uint32_t)_mm_cvtsi128_si32(s1)) % 65521;
		b = (uint32_t)_mm_cvtsi128_si32(s2) % 65521;
	}
	while (len--) {
		a += *p++;
		b += a;
	}
	return (b % 65521) << 16 | a % 65521;
}
#endif

static uint32_t dd_adler32(const uint8_t *p, size_t len)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("ssse3"))
		return dd_adler_ssse3(p, len);
#endif
	return (uint32_t)adler32(adler32(0, Z_NULL, 0), p, (uInt)len);
}

/*
 * A zlib stream (RFC 1950) of one page: the 2-byte header, raw deflate,
 * the Adler-32 of the page (big-endian), checked as uncompress() would.
 */
static int dd_inflate(struct dd_file *d, const uint8_t *in, uint32_t size,
		      uint8_t *page)
{
	const uint8_t *t;

	if (d->memo_ok && size == d->memo_len &&
	    !memcmp(in, d->memo_in, size)) {
		memcpy(page, d->memo_out, DD_PAGE);
		return 0;
	}
	/* deflate, 32K window at most, no preset dictionary, check bits */
	if (size < 6 || (in[0] & 0x0f) != 8 || in[0] >> 4 > 7 ||
	    (in[1] & 0x20) || (in[0] << 8 | in[1]) % 31)
		return -EIO;
	if (inflateReset(&d->zs) != Z_OK)
		return -EIO;
	d->zs.next_in = (Bytef *)in + 2;
	d->zs.avail_in = size - 2;
	d->zs.next_out = page;
	d->zs.avail_out = DD_PAGE;
	if (inflate(&d->zs, Z_FINISH) != Z_STREAM_END || d->zs.avail_out ||
	    d->zs.avail_in < 4)
		return -EIO;
	t = d->zs.next_in;
	if (((uint32_t)t[0] << 24 | t[1] << 16 | t[2] << 8 | t[3]) !=
	    dd_adler32(page, DD_PAGE))
		return -EIO;
	memcpy(d->memo_in, in, size);
	memcpy(d->memo_out, page, DD_PAGE);
	d->memo_len = size;
	d->memo_ok = true;
	return 0;
}

/* File bytes [off, off + size) through the window, or NULL. */
static const uint8_t *dd_bytes(struct dd_file *d, uint64_t off, uint32_t size)
{
	ssize_t n;

	if (off >= d->win_off && off - d->win_off <= d->win_len &&
	    size <= d->win_len - (off - d->win_off))
		return d->win + (off - d->win_off);
	d->win_len = 0;
	n = pread(d->fd, d->win, DD_WIN, (off_t)off);
	if (n < (ssize_t)size)
		return NULL;
	d->win_off = off;
	d->win_len = n;
	return d->win;
}

/* The whole page of pfn into page. */
static int dd_page(struct dd_file *d, uint64_t pfn, uint8_t *page)
{
	uint8_t pd[DD_PD];
	const uint8_t *in;
	uint64_t off;
	uint32_t size, flags;
	int r = dd_desc(d, pfn, pd);

	if (r <= 0)
		return r ? r : -ENODATA;
	off = dd_le64(pd);
	size = dd_le32(pd + 8);
	flags = dd_le32(pd + 12);
	if (flags & DD_COMPRESSED ? size > DD_CMAX : size != DD_PAGE)
		return -EIO;
	if (off > d->file_size || size > d->file_size - off)
		return dd_lost(d);
	if (flags & (DD_LZO | DD_SNAPPY | DD_ZSTD) && !(flags & DD_ZLIB))
		return -ENOTSUP;
	in = dd_bytes(d, off, size);
	if (!in)
		return dd_lost(d);
	if (!(flags & DD_ZLIB)) {
		memcpy(page, in, DD_PAGE);
		return 0;
	}
	return dd_inflate(d, in, size, page);
}

int dd_read(struct dd_file *d, uint64_t pa, void *buf, size_t len)
{
	uint64_t pfn = pa / DD_PAGE, o = pa % DD_PAGE;
	unsigned int slot = pfn % DD_CACHE;
	int err;

	if (!d->own)
		return -ENOTSUP;
	if (!len)
		return 0;
	if (len > DD_PAGE - o)
		return -EINVAL;
	if (!(d->cache[slot].ok && d->cache[slot].pfn == pfn)) {
		d->cache[slot].ok = false;
		err = dd_page(d, pfn, d->cache[slot].data);
		if (err)
			return err;
		d->cache[slot].pfn = pfn;
		d->cache[slot].ok = true;
	}
	memcpy(buf, d->cache[slot].data + o, len);
	return 0;
}

const char *dd_vmcoreinfo_text(const struct dd_file *d)
{
	return d && d->own ? d->vmcoreinfo : NULL;
}

/* The value of the line "key=value", as libkdumpfile's vmcoreinfo lookup. */
int dd_vmcoreinfo(const struct dd_file *d, const char *key, char *val,
		  size_t len)
{
	size_t kl = strlen(key), vl;
	const char *p = dd_vmcoreinfo_text(d), *e;

	if (!p)
		return -ENOENT;
	for (; *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) <= kl || strncmp(p, key, kl) || p[kl] != '=')
			continue;
		vl = e - p - kl - 1;
		snprintf(val, len, "%.*s", (int)vl, p + kl + 1);
		return vl >= len ? -ENOSPC : 0;
	}
	return -ENOENT;
}
