// SPDX-License-Identifier: GPL-2.0
/*
 * pgmapcheck_test: report ZONE_DEVICE pgmaps and inject faults into their
 * struct pages, so that the vmcores/ corpus carries ground truth recorded
 * inside the guest (not derived from libinspect).
 *
 * Control file /proc/pgmapcheck_test, one command per write():
 *   report PFN
 *   page PFN
 *   inject CODE PFN [ARG]
 *   pin-user ADDR NPAGES
 * Every result line is printk'd and appended to a log that reads of the
 * control file return.  Target: Debian 6.1, 6.12 and 7.2; the layout block
 * below names what moved between them, the README how each fault lands.
 */
#define pr_fmt(fmt) fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/memremap.h>
#include <linux/percpu-refcount.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/version.h>
#include <linux/sched.h>
#include <linux/pgtable.h>

/*
 * Struct page layouts read from each series' headers (and vmlinux).  Some
 * moves are silent (a word keeps its name or place but changes meaning), so
 * a series not listed must be checked the same way before it may build.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/* 6.1: the baseline: page[1].compound_order/_nr/_pincount, page->pgmap */
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
/* order is folio->_flags_1's low byte; nr and pincount are folio fields */
#define PCT_FOLIO_FIELDS
#ifdef CONFIG_64BIT
#define PCT_NR_FIELD	_folio_nr_pages
#endif
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(7, 3, 0)
#define PCT_FOLIO_FIELDS
/* nr only where struct page has room after _refcount (mm_types.h) */
#ifdef NR_PAGES_IN_LARGE_FOLIO
#define PCT_NR_FIELD	_nr_pages
#endif
/* compound_head became compound_info: head | 1, or a mask | 1 */
#define PCT_COMPOUND_INFO
/* pgmap left struct page for struct folio (the head's word 1) */
#define PCT_FOLIO_PGMAP
/* page->flags is memdesc_flags_t */
#define PCT_MEMDESC_FLAGS
/* get_dev_pagemap() lost its pgmap argument */
#define PCT_GET_DEV_PAGEMAP_1
/* fsdax pages count like RAM: 0 when unused (dax_page_is_idle()) */
#define PCT_FSDAX_IDLE	0
#else
#error "pgmapcheck_test knows the 6.1, 6.12 and 7.2 struct page layouts only; port it"
#endif

/* 6.1 and 6.12: fsdax pages idle at 1 and wake the fs on dropping to it */
#ifndef PCT_FSDAX_IDLE
#define PCT_FSDAX_IDLE	1
#endif

/* Word 1 of a tail: what compound_head() decodes */
#ifdef PCT_COMPOUND_INFO
#define tail_word(p)	((p)->compound_info)
#else
#define tail_word(p)	((p)->compound_head)
#endif

#ifdef PCT_MEMDESC_FLAGS
#define flags_word(p)	((p)->flags.f)
#else
#define flags_word(p)	((p)->flags)
#endif

/* The pgmap pointer of a head (or order-0 page); same word on all three */
#ifdef PCT_FOLIO_PGMAP
#define head_pgmap(h)	(((struct folio *)(h))->pgmap)
#else
#define head_pgmap(h)	((h)->pgmap)
#endif

#ifdef PCT_GET_DEV_PAGEMAP_1
#define get_pgmap(pfn)	get_dev_pagemap(pfn)
#else
#define get_pgmap(pfn)	get_dev_pagemap(pfn, NULL)
#endif

/* log2(sizeof(struct page)), as set_compound_head() computes it */
#define STRUCT_PAGE_ORDER	order_base_2(sizeof(struct page))

#define PROC_NAME	"pgmapcheck_test"
#define LOG_SIZE	(256 * 1024)
#define LINE_SIZE	512
#define CMD_SIZE	256
#define MAX_INJECTED	64
/* struct pages 0..63 of a compound share vmemmap page 0 with nobody */
#define UNALIASED_TAILS	(PAGE_SIZE / sizeof(struct page))
/* lib/percpu-refcount.c keeps this private */
#define PCPU_COUNT_BIAS	(1LU << (BITS_PER_LONG - 1))

/* The recorded order of a compound head. */
static unsigned int head_order(struct page *head)
{
#ifdef PCT_FOLIO_FIELDS
	return ((struct folio *)head)->_flags_1 & 0xff;
#else
	return head[1].compound_order;
#endif
}

/* The recorded page count of a compound head (derived where unstored). */
static unsigned int head_nr(struct page *head)
{
#if defined(PCT_NR_FIELD)
	return ((struct folio *)head)->PCT_NR_FIELD;
#elif !defined(PCT_FOLIO_FIELDS) && defined(CONFIG_64BIT)
	return head[1].compound_nr;
#else
	return 1U << head_order(head);
#endif
}

/*
 * Record @order on @head the way set_compound_order() (6.1) and
 * folio_set_order() (mm/internal.h, not for modules) do: order and nr
 * together, so only the order is off, not the pair's consistency.
 */
static void set_head_order(struct page *head, unsigned int order)
{
#ifdef PCT_FOLIO_FIELDS
	struct folio *folio = (struct folio *)head;

	folio->_flags_1 = (folio->_flags_1 & ~0xffUL) | order;
#ifdef PCT_NR_FIELD
	folio->PCT_NR_FIELD = 1U << order;
#endif
#else
	set_compound_order(head, order);
#endif
}

/* Large-folio pin count (6.1: page[1].compound_pincount). */
static atomic_t *head_pincount(struct page *head)
{
#ifdef PCT_FOLIO_FIELDS
	return &((struct folio *)head)->_pincount;
#else
	return compound_pincount_ptr(head);
#endif
}

/*
 * Refcount of an unused head, as __init_zone_device_page() leaves it:
 * device-dax (GENERIC) 1 on all three, fsdax PCT_FSDAX_IDLE; other types
 * keep the 6.1 module's 1.
 */
static int idle_refcount(const struct dev_pagemap *pgmap)
{
	return pgmap->type == MEMORY_DEVICE_FS_DAX ? PCT_FSDAX_IDLE : 1;
}

/* Whether tails record a mask rather than a head pointer (7.x with HVO). */
static bool tail_word_is_mask(void)
{
#ifdef PCT_COMPOUND_INFO
	return compound_info_has_mask();
#else
	return false;
#endif
}

/* What set_compound_head() stores in a tail of an order-@order @head. */
static unsigned long tail_word_for(struct page *head, unsigned int order)
{
	struct page scratch;

#ifdef PCT_COMPOUND_INFO
	set_compound_head(&scratch, head, order);
#else
	set_compound_head(&scratch, head);
#endif
	return tail_word(&scratch);
}

/* The head address tail word @info names at @page, as _compound_head(). */
static unsigned long tail_word_head(const struct page *page,
				    unsigned long info)
{
	return tail_word_is_mask() ? (unsigned long)page & info : info - 1;
}

static DEFINE_MUTEX(pct_lock);
static char *pct_log;
static size_t pct_log_len;
static unsigned long injected_heads[MAX_INJECTED];
static unsigned int nr_injected;

/* Print one result line and append it to the log read back via /proc. */
static __printf(1, 2) void emit(const char *fmt, ...)
{
	char line[LINE_SIZE];
	va_list args;
	int len;

	va_start(args, fmt);
	len = vscnprintf(line, sizeof(line) - 1, fmt, args);
	va_end(args);
	pr_info("%s\n", line);
	line[len++] = '\n';
	if (pct_log_len + len <= LOG_SIZE) {
		memcpy(pct_log + pct_log_len, line, len);
		pct_log_len += len;
	}
}

static const char *pgmap_type_name(enum memory_type type)
{
	switch (type) {
	case MEMORY_DEVICE_PRIVATE:	return "MEMORY_DEVICE_PRIVATE";
	case MEMORY_DEVICE_COHERENT:	return "MEMORY_DEVICE_COHERENT";
	case MEMORY_DEVICE_FS_DAX:	return "MEMORY_DEVICE_FS_DAX";
	case MEMORY_DEVICE_GENERIC:	return "MEMORY_DEVICE_GENERIC";
	case MEMORY_DEVICE_PCI_P2PDMA:	return "MEMORY_DEVICE_PCI_P2PDMA";
	}
	return "MEMORY_DEVICE_UNKNOWN";
}

/* Mirrors mm/memremap.c pfn_first(): range 0 starts after the altmap. */
static unsigned long range_first_pfn(struct dev_pagemap *pgmap, int i)
{
	unsigned long pfn = PHYS_PFN(pgmap->ranges[i].start);
	struct vmem_altmap *altmap = pgmap_altmap(pgmap);

	if (i == 0 && altmap)
		pfn += altmap->reserve + altmap->free;
	return pfn;
}

static int pgmap_range_of(struct dev_pagemap *pgmap, unsigned long pfn)
{
	int i;

	for (i = 0; i < pgmap->nr_range; i++)
		if (pfn >= PHYS_PFN(pgmap->ranges[i].start) &&
		    pfn <= PHYS_PFN(pgmap->ranges[i].end))
			return i;
	return -1;
}

/*
 * Whether the compound at @head_pfn has deduplicated vmemmap (tails >= 64
 * alias one frame): mirrors compound_nr_pages() in mm/mm_init.c.
 */
static bool vmemmap_deduped(struct dev_pagemap *pgmap, unsigned long head_pfn)
{
	return !early_section(__pfn_to_section(head_pfn)) &&
		vmemmap_can_optimize(pgmap_altmap(pgmap), pgmap);
}

/*
 * Logical count of a percpu_ref (racy snapshot, good enough for a report).
 * In percpu mode the atomic part carries PCPU_COUNT_BIAS.
 */
static long percpu_ref_logical(struct percpu_ref *ref, const char **mode)
{
	unsigned long ptr = READ_ONCE(ref->percpu_count_ptr);
	unsigned long __percpu *counts;
	unsigned long sum = 0;
	int cpu;

	if (!ref->data) {
		*mode = "nodata";
		return 0;
	}
	if (ptr & __PERCPU_REF_DEAD)
		*mode = "dead";
	else if (ptr & __PERCPU_REF_ATOMIC)
		*mode = "atomic";
	else
		*mode = "percpu";
	if (ptr & __PERCPU_REF_ATOMIC)
		return atomic_long_read(&ref->data->count);

	counts = (unsigned long __percpu *)(ptr & ~__PERCPU_REF_ATOMIC_DEAD);
	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(counts, cpu);
	return atomic_long_read(&ref->data->count) + sum - PCPU_COUNT_BIAS;
}

/* Caller holds one reference on @pgmap (taken by get_dev_pagemap). */
static void report_pgmap(struct dev_pagemap *pgmap)
{
	struct vmem_altmap *altmap = pgmap_altmap(pgmap);
	char ranges[LINE_SIZE / 2] = "";
	char alt[LINE_SIZE / 4] = "";
	const char *mode;
	long count;
	size_t off = 0;
	int i;

	for (i = 0; i < pgmap->nr_range; i++)
		off += scnprintf(ranges + off, sizeof(ranges) - off,
				 " range%d=0x%llx-0x%llx", i,
				 (u64)PHYS_PFN(pgmap->ranges[i].start),
				 (u64)PHYS_PFN(pgmap->ranges[i].end));
	if (altmap)
		scnprintf(alt, sizeof(alt),
			  " altmap_base_pfn=0x%lx altmap_reserve=%lu altmap_free=%lu altmap_alloc=%lu",
			  altmap->base_pfn, altmap->reserve, altmap->free,
			  altmap->alloc);
	/* minus the reference this report itself holds */
	count = percpu_ref_logical(&pgmap->ref, &mode) - 1;
	emit("PGMAPCHECK-PGMAP addr=0x%lx type=%s nr_range=%d%s vmemmap_shift=%lu flags=0x%x altmap=%d%s first_pfn=0x%lx page=0x%lx vmemmap_base=0x%lx ref_count=%ld ref_mode=%s vmemmap_dedup=%d",
	     (unsigned long)pgmap, pgmap_type_name(pgmap->type),
	     pgmap->nr_range, ranges, pgmap->vmemmap_shift, pgmap->flags,
	     altmap ? 1 : 0, alt, range_first_pfn(pgmap, 0),
	     (unsigned long)pfn_to_page(PHYS_PFN(pgmap->ranges[0].start)),
	     vmemmap_base, count, mode,
	     vmemmap_deduped(pgmap, range_first_pfn(pgmap, 0)));
}

static int cmd_report(unsigned long pfn)
{
	struct dev_pagemap *pgmap = get_pgmap(pfn);

	if (!pgmap)
		return -ENXIO;
	report_pgmap(pgmap);
	put_dev_pagemap(pgmap);
	return 0;
}

/* A pfn resolved to its pgmap and compound. */
struct target {
	unsigned long pfn;
	struct page *page;
	unsigned long head_pfn;
	struct page *head;
	struct dev_pagemap *pgmap;	/* holds a reference */
	unsigned long nr;		/* pages per compound */
};

static int resolve_target(unsigned long pfn, struct target *t)
{
	unsigned long first;
	int i;

	t->pgmap = get_pgmap(pfn);
	if (!t->pgmap)
		return -ENXIO;
	i = pgmap_range_of(t->pgmap, pfn);
	first = i < 0 ? ULONG_MAX : range_first_pfn(t->pgmap, i);
	/* pfns in the altmap reserve have no initialised struct page */
	if (pfn < first) {
		put_dev_pagemap(t->pgmap);
		return -ERANGE;
	}
	t->nr = pgmap_vmemmap_nr(t->pgmap);
	t->pfn = pfn;
	t->page = pfn_to_page(pfn);
	t->head_pfn = first + ((pfn - first) & ~(t->nr - 1));
	t->head = pfn_to_page(t->head_pfn);
	return 0;
}

static bool is_head(const struct target *t)
{
	return t->pfn == t->head_pfn;
}

/* Tail whose struct page is in the compound's own first vmemmap page. */
static bool is_unaliased_tail(const struct target *t)
{
	unsigned long idx = t->pfn - t->head_pfn;

	return idx >= 1 && idx < UNALIASED_TAILS;
}

/* One fault per compound: a second one would add findings to the first. */
static bool compound_claimed(unsigned long head_pfn)
{
	unsigned int i;

	for (i = 0; i < nr_injected; i++)
		if (injected_heads[i] == head_pfn)
			return true;
	return false;
}

/*
 * Head codes need PFN to be the head, and an idle one, so the fault is the
 * only anomaly of its compound.
 */
static int require_idle_head(const struct target *t)
{
	if (!is_head(t) || (t->nr > 1 && !PageHead(t->head)))
		return -EINVAL;
	return page_ref_count(t->head) == idle_refcount(t->pgmap) ? 0 : -EBUSY;
}

static void emit_inject(const char *code, const struct target *t,
			const char *extra)
{
	emit("PGMAPCHECK-INJECT code=%s pfn=0x%lx pgmap=0x%lx page=0x%lx head_pfn=0x%lx%s",
	     code, t->pfn, (unsigned long)t->pgmap, (unsigned long)t->page,
	     t->head_pfn, extra);
}

/*
 * Frame behind the vmemmap page holding @page, 0 if unmapped.  init_mm is
 * not exported: walk the writer's mm, whose kernel half shares init_mm's
 * tables (vmemmap_populate() syncs new top-level entries into every pgd).
 */
static unsigned long vmemmap_frame(const struct page *page)
{
	unsigned long va = (unsigned long)page;
	pgd_t *pgd = pgd_offset(current->active_mm, va);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;
	pte_t *pte;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return 0;
	p4d = p4d_offset(pgd, va);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return 0;
	pud = pud_offset(p4d, va);
	if (pud_none(*pud))
		return 0;
	if (pud_leaf(*pud))
		return pud_pfn(*pud) + ((va & ~PUD_MASK) >> PAGE_SHIFT);
	pmd = pmd_offset(pud, va);
	if (pmd_none(*pmd))
		return 0;
	if (pmd_leaf(*pmd))
		return pmd_pfn(*pmd) + ((va & ~PMD_MASK) >> PAGE_SHIFT);
	pte = pte_offset_kernel(pmd, va);
	return pte_present(*pte) ? pte_pfn(*pte) : 0;
}

/* Struct page of tail @idx, seen through vmemmap page @vpage of the compound. */
static struct page *compound_page_in(const struct target *t,
				     unsigned long vpage, unsigned long idx)
{
	return t->head + vpage * UNALIASED_TAILS + idx % UNALIASED_TAILS;
}

/* Vmemmap pages of one compound (a compound's head is page aligned). */
static unsigned long compound_vmemmap_pages(const struct target *t)
{
	return t->nr / UNALIASED_TAILS;
}

/*
 * Where the compound's vmemmap maps @frame: first vmemmap page (index) and
 * how many map it.
 */
static unsigned long frame_aliases(const struct target *t,
				   unsigned long frame, unsigned long *first)
{
	unsigned long v, n = 0;

	*first = ULONG_MAX;
	for (v = 0; v < compound_vmemmap_pages(t); v++) {
		if (vmemmap_frame(compound_page_in(t, v, 0)) != frame)
			continue;
		if (!n++)
			*first = v;
	}
	return n;
}

static int set_tail_refcount(struct target *t, bool aliased, long arg,
			     bool has_arg, char *out, size_t n)
{
	unsigned long idx = t->pfn - t->head_pfn;

	if (t->nr == 1 || is_head(t))
		return -EINVAL;
	if (aliased && (idx < UNALIASED_TAILS ||
			!vmemmap_deduped(t->pgmap, t->head_pfn)))
		return -EINVAL;
	if (!aliased && !is_unaliased_tail(t))
		return -EINVAL;
	if (has_arg && !arg)
		return -EINVAL;
	set_page_count(t->page, has_arg ? arg : 1);
	scnprintf(out, n, " refcount=%d tail_index=%lu", page_ref_count(t->page),
		  idx);
	return 0;
}

static int inject_tail_refcount(struct target *t, long arg, bool has_arg,
				char *out, size_t n)
{
	return set_tail_refcount(t, false, arg, has_arg, out, n);
}

/*
 * The written struct page is the same memory as its twins in every vmemmap
 * page mapping the shared frame: one fault, named (line's code and pfn) as
 * a TAIL_REFCOUNT at the first alias, so every consumer of the INJECT
 * lines sees the one finding a checker must give; what was written stays
 * in injected_code/injected_pfn.
 */
static int inject_tail_aliased(struct target *t, long arg, bool has_arg,
			       char *out, size_t n)
{
	unsigned long idx = t->pfn - t->head_pfn, frame, first, nr;
	size_t len;
	int err;

	frame = vmemmap_frame(t->page);
	nr = frame ? frame_aliases(t, frame, &first) : 0;
	if (nr < 2)
		return -EINVAL;
	err = set_tail_refcount(t, true, arg, has_arg, out, n);
	if (err)
		return err;
	len = strlen(out);
	scnprintf(out + len, n - len,
		  " injected_code=TAIL_REFCOUNT_ALIASED injected_pfn=0x%lx frame=0x%lx aliases=%lu",
		  t->pfn, frame, nr);
	t->pfn = t->head_pfn + first * UNALIASED_TAILS + idx % UNALIASED_TAILS;
	t->page = pfn_to_page(t->pfn);
	return 0;
}

/*
 * The reused frame F1 (behind vmemmap page 1) of a deduplicated compound
 * holds one reference per vmemmap PTE mapping it; take one more.
 */
static int inject_shared_refcount(struct target *t, long arg, bool has_arg,
				  char *out, size_t n)
{
	unsigned long frame, first, ptes;
	struct page *fp;
	int err = require_idle_head(t), before;

	if (err)
		return err;
	if (t->nr <= UNALIASED_TAILS || !vmemmap_deduped(t->pgmap, t->head_pfn))
		return -EINVAL;
	frame = vmemmap_frame(compound_page_in(t, 1, 0));
	if (!frame || !pfn_valid(frame))
		return -ENXIO;
	ptes = frame_aliases(t, frame, &first);
	if (first != 1 || ptes < 2)
		return -EINVAL;
	fp = pfn_to_page(frame);
	before = page_ref_count(fp);
	page_ref_inc(fp);
	scnprintf(out, n, " frame=0x%lx frame_refcount=%d old_frame_refcount=%d ptes=%lu",
		  frame, page_ref_count(fp), before, ptes);
	return 0;
}

/*
 * Default wrong head.  A pointer names any head: the neighbouring compound
 * of the same range.  A mask keeps the tail address's bits from order +
 * STRUCT_PAGE_ORDER up, so it can only name the head of a larger aligned
 * block below: the nearest one.  The own head when there is none (refused).
 */
static unsigned long default_wrong_head(const struct target *t)
{
	unsigned long wrong = t->head_pfn + t->nr, h;
	unsigned int o;

	if (tail_word_is_mask()) {
		for (o = t->pgmap->vmemmap_shift + 1;
		     o + STRUCT_PAGE_ORDER < BITS_PER_LONG; o++) {
			h = tail_word_head(t->page, tail_word_for(t->head, o));
			if (h != (unsigned long)t->head)
				return page_to_pfn((struct page *)h);
		}
		return t->head_pfn;
	}
	if (pgmap_range_of(t->pgmap, wrong) != pgmap_range_of(t->pgmap, t->pfn))
		wrong = t->head_pfn - t->nr;
	return wrong;
}

/*
 * Tail word naming @wp at @t->page under this kernel's encoding, 0 if there
 * is none: a mask with a larger order is all a mask can say.
 */
static unsigned long tail_word_naming(const struct target *t,
				      struct page *wp)
{
	unsigned long info;
	unsigned int o;

	if (!tail_word_is_mask())
		return tail_word_for(wp, t->pgmap->vmemmap_shift);
	for (o = t->pgmap->vmemmap_shift + 1;
	     o + STRUCT_PAGE_ORDER < BITS_PER_LONG; o++) {
		info = tail_word_for(wp, o);
		if (tail_word_head(t->page, info) == (unsigned long)wp)
			return info;
	}
	return 0;
}

/*
 * The tail's word 1 names another compound's head, encoded as the kernel
 * encodes tails (head | 1, or on 7.x possibly a mask | 1); expected is what
 * set_compound_head() wrote there.
 */
static int inject_tail_head(struct target *t, long arg, bool has_arg,
			    char *out, size_t n)
{
	unsigned long wrong, info, old, expected;
	struct page *wp;

	if (t->nr == 1 || !is_unaliased_tail(t))
		return -EINVAL;
	wrong = has_arg ? arg : default_wrong_head(t);
	if (wrong == t->head_pfn || pgmap_range_of(t->pgmap, wrong) < 0)
		return -EINVAL;
	wp = pfn_to_page(wrong);
	if (!PageHead(wp))
		return -EINVAL;
	info = tail_word_naming(t, wp);
	if (!info) {
		scnprintf(out, n, " reason=mask_cannot_name_head wrong_head_pfn=0x%lx",
			  wrong);
		return -EOPNOTSUPP;
	}
	expected = tail_word_for(t->head, t->pgmap->vmemmap_shift);
	old = READ_ONCE(tail_word(t->page));
	WRITE_ONCE(tail_word(t->page), info);
	/* the kernel's own decoder must now name the wrong head */
	if (compound_head(t->page) != wp) {
		WRITE_ONCE(tail_word(t->page), old);
		return -EIO;
	}
	scnprintf(out, n, " compound_head=0x%lx wrong_head_pfn=0x%lx expected_compound_head=0x%lx",
		  READ_ONCE(tail_word(t->page)), wrong, expected);
	return 0;
}

/* Writes order and nr together (set_head_order) so only order is off. */
static int inject_head_order(struct target *t, long arg, bool has_arg,
			     char *out, size_t n)
{
	unsigned long shift = t->pgmap->vmemmap_shift;
	long order = has_arg ? arg : (long)shift - 1;
	int err = require_idle_head(t);

	if (err || t->nr == 1)
		return err ?: -EINVAL;
	if (order < 0 || order > 30 || order == shift)
		return -EINVAL;
	set_head_order(t->head, order);
	scnprintf(out, n, " order=%u nr_pages=%u vmemmap_shift=%lu",
		  head_order(t->head), head_nr(t->head), shift);
	return 0;
}

/* Point the referenced head at a freed copy of its own pgmap. */
static int inject_pgmap_dangling(struct target *t, long arg, bool has_arg,
				 char *out, size_t n)
{
	struct dev_pagemap *copy;
	int err = require_idle_head(t);

	if (err)
		return err;
	copy = kmemdup(t->pgmap, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	get_page(t->head);
	WRITE_ONCE(head_pgmap(t->head), copy);
	kfree(copy);
	scnprintf(out, n, " pgmap_ptr=0x%lx refcount=%d freed_size=%zu",
		  (unsigned long)READ_ONCE(head_pgmap(t->head)),
		  page_ref_count(t->head), sizeof(*copy));
	return 0;
}

/* Point the referenced head at another live pgmap (owner of pfn @other). */
static int inject_pgmap_range(struct target *t, long arg, bool has_arg,
			      char *out, size_t n)
{
	struct dev_pagemap *other;
	int err = require_idle_head(t);

	if (err || !has_arg)
		return err ?: -EINVAL;
	other = get_pgmap(arg);
	if (!other)
		return -ENXIO;
	if (other == t->pgmap || pgmap_range_of(other, t->pfn) >= 0) {
		put_dev_pagemap(other);
		return -EINVAL;
	}
	get_page(t->head);
	WRITE_ONCE(head_pgmap(t->head), other);
	put_dev_pagemap(other);
	scnprintf(out, n, " pgmap_ptr=0x%lx refcount=%d",
		  (unsigned long)READ_ONCE(head_pgmap(t->head)),
		  page_ref_count(t->head));
	return 0;
}

/*
 * FS_DAX and GENERIC heads below their idle refcount.  Where idle is 0
 * (fsdax on 7.2) there is no such state, only a negative count: refused.
 */
static int inject_below_idle(struct target *t, long arg, bool has_arg,
			     char *out, size_t n)
{
	int idle = idle_refcount(t->pgmap), err = require_idle_head(t);

	if (err)
		return err;
	if (t->pgmap->type != MEMORY_DEVICE_FS_DAX &&
	    t->pgmap->type != MEMORY_DEVICE_GENERIC)
		return -EINVAL;
	if (!idle) {
		scnprintf(out, n, " reason=idle_refcount_0 type=%s idle=%d",
			  pgmap_type_name(t->pgmap->type), idle);
		return -EOPNOTSUPP;
	}
	if (has_arg && arg >= idle)
		return -EINVAL;
	set_page_count(t->head, has_arg ? arg : idle - 1);
	scnprintf(out, n, " refcount=%d idle=%d", page_ref_count(t->head), idle);
	return 0;
}

/*
 * A compound head claiming more pins than references above idle; the
 * 6.1 order-0 pin count is folded into _refcount and cannot be faked.
 */
static int inject_pincount(struct target *t, long arg, bool has_arg,
			   char *out, size_t n)
{
	int err = require_idle_head(t);

	if (err || t->nr == 1)
		return err ?: -EINVAL;
	if (has_arg && arg < 1)
		return -EINVAL;
	atomic_set(head_pincount(t->head), has_arg ? arg : 1);
	scnprintf(out, n, " pincount=%d refcount=%d idle=%d",
		  atomic_read(head_pincount(t->head)), page_ref_count(t->head),
		  idle_refcount(t->pgmap));
	return 0;
}

/*
 * Only unaliased tails or order-0 pages: a head's zone is copied into the
 * checks of all its tails.
 */
static int inject_zone(struct target *t, long arg, bool has_arg,
		       char *out, size_t n)
{
	long zone = has_arg ? arg : ZONE_MOVABLE;
	unsigned long old = flags_word(t->page);

	if (t->nr > 1 && !is_unaliased_tail(t))
		return -EINVAL;
	if (zone < 0 || zone >= MAX_NR_ZONES || zone == ZONE_DEVICE)
		return -EINVAL;
	set_page_zone(t->page, zone);
	scnprintf(out, n, " flags=0x%lx old_flags=0x%lx zone=%d zone_device=%d zones_pgshift=%d zones_mask=0x%lx",
		  flags_word(t->page), old, page_zonenum(t->page), ZONE_DEVICE,
		  (int)ZONES_PGSHIFT, (unsigned long)ZONES_MASK);
	return 0;
}

/*
 * The upstream leak pattern: get_dev_pagemap() never paired with
 * put_dev_pagemap(), plus a page reference.  Unbinding the device then
 * blocks memunmap_pages() in wait_for_completion(&pgmap->done).
 */
static int inject_ref_dead(struct target *t, long arg, bool has_arg,
			   char *out, size_t n)
{
	int err = require_idle_head(t);

	if (err)
		return err;
	get_page(t->head);
	/* the reference resolve_target() took is the leaked one */
	scnprintf(out, n, " leaked_pgmap_ref=1 refcount=%d",
		  page_ref_count(t->head));
	return 0;
}

typedef int (*inject_fn)(struct target *t, long arg, bool has_arg,
			 char *out, size_t n);

static const struct {
	const char *code;
	inject_fn fn;
} injectors[] = {
	{ "TAIL_REFCOUNT",		inject_tail_refcount },
	{ "TAIL_REFCOUNT_ALIASED",	inject_tail_aliased },
	{ "TAIL_HEAD_MISMATCH",		inject_tail_head },
	{ "HEAD_ORDER_MISMATCH",	inject_head_order },
	{ "PGMAP_DANGLING",		inject_pgmap_dangling },
	{ "PGMAP_RANGE",		inject_pgmap_range },
	{ "REFCOUNT_BELOW_IDLE",	inject_below_idle },
	{ "ZONE_MISMATCH",		inject_zone },
	{ "PGMAP_REF_DEAD",		inject_ref_dead },
	{ "PINCOUNT_EXCEEDS_REFCOUNT",	inject_pincount },
	{ "VMEMMAP_SHARED_REFCOUNT",	inject_shared_refcount },
};

static inject_fn find_injector(const char *code)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(injectors); i++)
		if (!strcmp(injectors[i].code, code))
			return injectors[i].fn;
	return NULL;
}

static int cmd_inject(const char *code, unsigned long pfn, long arg,
		      bool has_arg)
{
	inject_fn inject = find_injector(code);
	char extra[LINE_SIZE / 2];
	struct target t;
	int err;

	if (!inject)
		return -EOPNOTSUPP;
	if (nr_injected == MAX_INJECTED)
		return -ENOSPC;
	err = resolve_target(pfn, &t);
	if (err)
		return err;
	extra[0] = '\0';
	err = compound_claimed(t.head_pfn) ? -EBUSY :
		inject(&t, arg, has_arg, extra, sizeof(extra));
	/* a fault this kernel's layout cannot express: say why */
	if (err == -EOPNOTSUPP && extra[0])
		emit("PGMAPCHECK-INJECT-SKIP code=%s pfn=0x%lx pgmap=0x%lx head_pfn=0x%lx%s",
		     code, t.pfn, (unsigned long)t.pgmap, t.head_pfn, extra);
	if (err) {
		put_dev_pagemap(t.pgmap);
		return err;
	}
	injected_heads[nr_injected++] = t.head_pfn;
	emit_inject(inject == inject_tail_aliased ? "TAIL_REFCOUNT" : code, &t,
		    extra);
	if (strcmp(code, "PGMAP_REF_DEAD"))
		put_dev_pagemap(t.pgmap);
	return 0;
}

/* Report one run of pinned pages that share a compound head. */
static void emit_pin(struct page *head, unsigned long npages)
{
	int pincount = PageHead(head) ? atomic_read(head_pincount(head)) :
		page_ref_count(head) / GUP_PIN_COUNTING_BIAS;

	emit("PGMAPCHECK-PIN pfn=0x%lx npages=%lu head_refcount=%d pincount=%d",
	     page_to_pfn(head), npages, page_ref_count(head), pincount);
}

/* Long-term pins on the writer's own mm; never released. */
static int cmd_pin_user(unsigned long addr, unsigned long npages)
{
	struct page **pages, *head = NULL;
	unsigned long run = 0;
	long i, nr;

	if (!npages || npages > 1UL << 18)
		return -EINVAL;
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	nr = pin_user_pages_fast(addr, npages, FOLL_LONGTERM | FOLL_WRITE,
				 pages);
	for (i = 0; i < nr; i++) {
		struct page *h = compound_head(pages[i]);

		if (h != head && run) {
			emit_pin(head, run);
			run = 0;
		}
		head = h;
		run++;
	}
	if (run)
		emit_pin(head, run);
	kvfree(pages);
	if (nr < 0)
		return nr;
	return nr == npages ? 0 : -EFAULT;
}

/*
 * The guest's own view of one struct page, for cross-checking what crash
 * and drgn read from the dump.  Works for any pfn with a memmap.
 */
static int cmd_page(unsigned long pfn)
{
	char first_tail[LINE_SIZE / 4] = "";
	struct page *page;

	if (!pfn_valid(pfn))
		return -ENXIO;
	page = pfn_to_page(pfn);
	if (PageHead(page))
		scnprintf(first_tail, sizeof(first_tail),
			  " order=%u nr_pages=%u pincount=%d",
			  head_order(page), head_nr(page),
			  atomic_read(head_pincount(page)));
	emit("PGMAPCHECK-PAGE pfn=0x%lx page=0x%lx flags=0x%lx word8=0x%lx refcount=%d mapcount=%d zone=%d head=%d%s",
	     pfn, (unsigned long)page, READ_ONCE(flags_word(page)),
	     READ_ONCE(tail_word(page)), page_ref_count(page),
	     atomic_read(&page->_mapcount), page_zonenum(page),
	     PageHead(page) ? 1 : 0, first_tail);
	return 0;
}

static int parse_ulong(const char *s, unsigned long *v)
{
	return s ? kstrtoul(s, 0, v) : -EINVAL;
}

static int run_command(char *buf)
{
	char *argv[5] = { NULL };
	unsigned long a, b;
	int argc = 0, err;
	char *tok;
	long arg = 0;

	while ((tok = strsep(&buf, " \t\n")) && argc < ARRAY_SIZE(argv))
		if (*tok)
			argv[argc++] = tok;
	if (!argc)
		return -EINVAL;
	if (!strcmp(argv[0], "report") && argc == 2) {
		err = parse_ulong(argv[1], &a);
		return err ?: cmd_report(a);
	}
	if (!strcmp(argv[0], "page") && argc == 2) {
		err = parse_ulong(argv[1], &a);
		return err ?: cmd_page(a);
	}
	if (!strcmp(argv[0], "pin-user") && argc == 3) {
		err = parse_ulong(argv[1], &a) ?: parse_ulong(argv[2], &b);
		return err ?: cmd_pin_user(a, b);
	}
	if (!strcmp(argv[0], "inject") && (argc == 3 || argc == 4)) {
		err = parse_ulong(argv[2], &a);
		if (!err && argc == 4)
			err = kstrtol(argv[3], 0, &arg);
		return err ?: cmd_inject(argv[1], a, arg, argc == 4);
	}
	return -EINVAL;
}

static ssize_t pct_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	char buf[CMD_SIZE], cmd[CMD_SIZE];
	int err;

	if (count >= sizeof(buf))
		return -E2BIG;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	strim(buf);
	strscpy(cmd, buf, sizeof(cmd));
	mutex_lock(&pct_lock);
	err = run_command(buf);
	if (err)
		emit("PGMAPCHECK-ERROR cmd=\"%s\" err=%d", cmd, err);
	mutex_unlock(&pct_lock);
	return err ?: count;
}

static ssize_t pct_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&pct_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, pct_log, pct_log_len);
	mutex_unlock(&pct_lock);
	return ret;
}

static const struct proc_ops pct_ops = {
	.proc_read = pct_read,
	.proc_write = pct_write,
	.proc_lseek = default_llseek,
};

static int __init pct_init(void)
{
	pct_log = kvzalloc(LOG_SIZE, GFP_KERNEL);
	if (!pct_log)
		return -ENOMEM;
	if (!proc_create(PROC_NAME, 0600, NULL, &pct_ops)) {
		kvfree(pct_log);
		return -ENOMEM;
	}
	return 0;
}

/* Injected faults and pins stay in place: unloading does not repair them. */
static void __exit pct_exit(void)
{
	remove_proc_entry(PROC_NAME, NULL);
	kvfree(pct_log);
}

module_init(pct_init);
module_exit(pct_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pgmapcheck corpus: ZONE_DEVICE report and fault injection");
