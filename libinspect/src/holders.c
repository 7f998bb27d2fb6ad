// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Holders: which user page tables name device memory.  Walk the process
 * list from init_task.tasks (leaders only: threads share the leader's mm,
 * and a zombie leader's is found on its threads), each distinct user mm
 * once, its page tables over the user half (li_pt_walk(), LI_PT_USER), and
 * collect:
 *   - present PTE/PMD/PUD leaves whose pfn is in a registered pgmap range,
 *     or is device memory by the kernel's own data (iomem.c: the resource
 *     tree, the struct page's zone; no PTE bit says so on every kernel);
 *   - non-present device-private / device-exclusive swap entries.
 * A leaf that names device memory no live pgmap covers is HOLDER_ORPHANED
 * (kernel-spec §10 S7: the pgmap was torn down under a live mapping).
 * An allocated PRIVATE/COHERENT page that no leaf names, after a complete
 * walk, is PRIVATE_PAGE_LEAKED (li_holders_leaks()).
 *
 * Swap entries (decoded by arch.h): the device types sit above
 * MAX_SWAPFILES, with the other special types, in this order (linux/swap.h):
 * HWPOISON (CONFIG_MEMORY_FAILURE), MIGRATION x3 (5.19+), DEVICE x4
 * (CONFIG_DEVICE_PRIVATE: WRITE, READ, EXCLUSIVE_WRITE, EXCLUSIVE_READ;
 * 6.15+ x3: WRITE, READ, EXCLUSIVE), then SWAPIN_ERROR / PTE_MARKER.
 * MAX_SWAPFILES is the length of swap_info[] (its symbol size / 8), each
 * config is told by a symbol it builds (memory_failure, migrate_pages,
 * make_device_exclusive_range <= 6.14, make_device_exclusive 6.15+).
 */
#include <stdlib.h>
#include <sys/types.h>
#include <string.h>
#include "internal.h"
#include "codes.h"
#include "findings.h"
#include "holders.h"
#include "iomem.h"
#include "progress.h"
#include "read.h"
#include "registry.h"
#include "u64set.h"

#define PF_KTHREAD	0x00200000u

static const char *const level_names[] = { "pte", "pmd", "pud" };
static const char *const kind_names[] = {
	"present", "device_private", "device_exclusive",
};

const char *li_holder_level_name(enum li_holder_level l)
{
	return l <= LI_HL_PUD ? level_names[l] : "?";
}

const char *li_holder_kind_name(enum li_holder_kind k)
{
	return k <= LI_HK_DEVICE_EXCLUSIVE ? kind_names[k] : "?";
}

/* One task being walked. */
struct hwalk {
	struct li_ctx *c;
	int32_t pid;
	char comm[16];
	uint64_t mm;
	/*
	 * Table frames walked for this mm: an entry leading back to one is a
	 * cycle (a table pointing at itself fans out 512-fold per level).
	 * User page tables are not shared within an mm, so a repeat is
	 * corruption, never legitimate.
	 */
	struct li_u64set seen;
	bool cycle_said;
};

static int holder_grow(struct li_report *r)
{
	size_t cap = r->cap_holders ? r->cap_holders * 2 : 64;
	struct li_holder *n;

	if (cap > LI_MAX_HOLDERS)
		cap = LI_MAX_HOLDERS;
	n = realloc(r->holders, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->holders = n;
	r->cap_holders = cap;
	return 0;
}

/*
 * Extend the last run when contiguous in vaddr and pfn (1 leaf = 1 run
 * would list a PTE-mapped device range 512 times); 1 if a run started.
 */
static int holder_add(struct hwalk *w, uint64_t va, uint64_t pfn,
		      uint64_t nr, enum li_holder_level lvl,
		      enum li_holder_kind kind, uint64_t pgmap)
{
	struct li_report *r = w->c->r;
	struct li_holder *h = r->nr_holders ? &r->holders[r->nr_holders - 1] : NULL;
	int err;

	if (h && h->mm == w->mm && h->level == lvl && h->kind == kind &&
	    h->pgmap == pgmap && h->vaddr + h->nr_pages * LI_PAGE_SIZE == va &&
	    h->pfn + h->nr_pages == pfn) {
		h->nr_pages += nr;
		return 0;
	}
	r->hw.total++;
	if (r->nr_holders == r->cap_holders) {
		if (r->cap_holders >= LI_MAX_HOLDERS)
			return 1;
		err = holder_grow(r);
		if (err)
			return err;
	}
	h = &r->holders[r->nr_holders++];
	memset(h, 0, sizeof(*h));
	h->pid = w->pid;
	memcpy(h->comm, w->comm, sizeof(h->comm));
	h->mm = w->mm;
	h->vaddr = va;
	h->pfn = pfn;
	h->nr_pages = nr;
	h->level = lvl;
	h->kind = kind;
	h->pgmap = pgmap;
	return 1;
}

static bool in_filter(const struct li_options *o, uint64_t pfn, uint64_t nr)
{
	if (!o->pfn_start && !o->pfn_end)
		return true;
	return pfn <= o->pfn_end && pfn + nr - 1 >= o->pfn_start;
}

/* A leaf naming device memory (or claiming to): record it. */
static int leaf(struct hwalk *w, uint64_t va, uint64_t pfn, uint64_t nr,
		enum li_holder_level lvl, enum li_holder_kind kind)
{
	struct li_ctx *c = w->c;
	int i = li_pgmap_of_pfn(c->r, pfn);
	struct li_pgmap *g = i >= 0 ? &c->r->pgmaps[i] : NULL;
	int added, err;

	if (!g && kind == LI_HK_PRESENT && li_pfn_kind(c, pfn) != LI_PFN_DEVICE)
		return 0;		/* RAM, MMIO */
	if (!in_filter(c->opts, pfn, nr) ||
	    (c->opts->pgmap && (!g || g->addr != c->opts->pgmap)))
		return 0;
	added = holder_add(w, va, pfn, nr, lvl, kind, g ? g->addr : 0);
	if (added < 0)
		return added;
	if (g) {
		if (!g->pages_mapped)
			g->first_mapped_pfn = pfn;
		g->pages_mapped += nr;
		return 0;
	}
	/* no orphan verdict against a registry the dump holds only in part */
	if (c->r->registry_incomplete)
		return 0;
	/* S7: one finding per run of the orphaned mapping */
	if (!added) {
		li_report_extend(c->r, LI_CODE_HOLDER_ORPHANED, nr);
		return 0;
	}
	err = li_report_add(c->r,
			    LI_FINDING(HOLDER_ORPHANED, .pfn = pfn, .count = nr),
			    "pid %d (%.16s) maps device pfn %#llx at %#llx (%s, %s) but no live pgmap covers it",
			    w->pid, w->comm, (unsigned long long)pfn,
			    (unsigned long long)va, li_holder_level_name(lvl),
			    li_holder_kind_name(kind));
	return err < 0 ? err : 0;
}

static int swap_entry(struct hwalk *w, const struct li_pt_entry *e,
		      enum li_holder_level lvl, uint64_t nr)
{
	const struct li_model *m = w->c->m;
	int type = (int)e->swp_type, k;

	if (m->task.swp_dev_first < 0 || type < m->task.swp_dev_first ||
	    type >= m->task.swp_dev_first + m->task.swp_dev_num)
		return 0;
	k = type - m->task.swp_dev_first;
	return leaf(w, e->va, e->swp_offset & (LI_PFN_MAX - 1), nr, lvl,
		    k < 2 ? LI_HK_DEVICE_PRIVATE : LI_HK_DEVICE_EXCLUSIVE);
}

/*
 * Each table of the mm once: one reached again is a cycle, said once per
 * mm and not walked (the set full: no more detection, the walk goes on).
 */
static int hw_table(void *arg, int level, uint64_t phys, uint64_t va)
{
	struct hwalk *w = arg;
	struct li_ctx *c = w->c;
	int err = li_set_add(&w->seen, phys);

	if (err < 0)
		return err;
	if (!err && !w->seen.full) {
		c->r->hw.table_cycles++;
		if (!w->cycle_said)
			li_report_add(c->r,
				      LI_FINDING(PAGE_TABLE_CYCLE, .page = phys),
				      "pid %d (%s) mm %#llx: a level-%d entry at va %#llx leads back to table %#llx",
				      w->pid, w->comm, (unsigned long long)w->mm,
				      level + 1, (unsigned long long)va,
				      (unsigned long long)phys);
		w->cycle_said = true;
		return 1;
	}
	c->r->hw.tables++;
	return 0;
}

static int hw_entry(void *arg, const struct li_pt_entry *e)
{
	struct hwalk *w = arg;
	uint64_t nr = (e->end - e->va) / LI_PAGE_SIZE;
	enum li_holder_level lvl = e->level == LI_PTE_4K ? LI_HL_PTE :
				   e->level == LI_PTE_2M ? LI_HL_PMD : LI_HL_PUD;

	switch (e->kind) {
	case LI_PT_LEAF:
		return leaf(w, e->va, e->phys >> LI_PAGE_SHIFT, nr, lvl,
			    LI_HK_PRESENT);
	case LI_PT_SWAP:
		return swap_entry(w, e, lvl, nr);
	default:
		if (e->err)
			w->c->r->hw.tables_unreadable++;
		return e->err == -ENOMEM ? e->err : 0;
	}
}

/*
 * A leader that called pthread_exit() has no mm while its threads still
 * run on one: take the first thread's (bounded; a loop just ends it).
 */
static uint64_t thread_group_mm(struct li_ctx *c, uint64_t leader)
{
	const struct li_model *m = c->m;
	uint64_t sig, head, next, mm;

	if (!m->task.has_threads || li_read_u64(c, leader + m->task.ts_signal, &sig) ||
	    !sig || li_read_u64(c, sig + m->task.sig_thread_head, &next))
		return 0;
	head = sig + m->task.sig_thread_head;
	for (unsigned int n = 0; next != head && n < LI_MAX_THREADS; n++) {
		if (li_read_u64(c, next - m->task.ts_thread_node + m->task.ts_mm, &mm))
			return 0;
		if (mm)
			return mm;
		if (li_read_u64(c, next, &next))
			return 0;
	}
	return 0;
}

/* Read what the walk needs of one task; 1 to walk its mm, 0 to skip. */
static int read_task(struct li_ctx *c, uint64_t task, struct hwalk *w)
{
	const struct li_model *m = c->m;
	uint32_t pid, flags = 0;

	if (li_read_u64(c, task + m->task.ts_mm, &w->mm) ||
	    li_read_u32(c, task + m->task.ts_pid, &pid) ||
	    li_read(c, LI_KVADDR, task + m->task.ts_comm, w->comm, sizeof(w->comm)))
		return -EIO;
	w->comm[sizeof(w->comm) - 1] = 0;
	w->pid = (int32_t)pid;
	if (m->task.ts_flags != UINT64_MAX && li_read_u32(c, task + m->task.ts_flags, &flags))
		return -EIO;
	if (flags & PF_KTHREAD)
		return 0;
	if (!w->mm)
		w->mm = thread_group_mm(c, task);
	return w->mm != 0;
}

static int walk_mm(struct hwalk *w)
{
	const struct li_pt_visitor v = { .table = hw_table, .entry = hw_entry,
					 .arg = w };
	struct li_ctx *c = w->c;
	uint64_t pgd;
	int err;

	if (li_read_u64(c, w->mm + c->m->task.mm_pgd, &pgd) || pgd < c->m->mem.page_offset)
		return 0;
	c->r->hw.mms++;
	li_set_reset(&w->seen);
	w->cycle_said = false;
	/* mm->pgd is a direct-map address */
	err = li_pt_walk(&c->pg, pgd - c->m->mem.page_offset, 0,
			 li_pt_user_end(&c->pg), LI_PT_USER, &v);
	li_set_reset(&w->seen);
	return err;
}

int li_holders_walk(struct li_ctx *c)
{
	const struct li_model *m = c->m;
	struct li_holder_walk *hw = &c->r->hw;
	struct li_u64set tasks = { 0 }, mms = { 0 };
	struct hwalk w = { .c = c };
	uint64_t head = m->task.init_task + m->task.ts_tasks, next;
	int err = 0, added;

	if (!m->task.has_tasks || !m->mem.pgd_phys)
		return 0;
	hw->walked = true;
	err = li_iomem_load(c);
	if (err)
		return err;
	hw->iomem_tree = c->iomem.available;
	if (li_read_u64(c, head, &next)) {
		hw->stopped = "unreadable";
		return 0;
	}
	while (next != head) {
		if (hw->tasks >= LI_MAX_TASKS) {
			hw->stopped = "limit";
			break;
		}
		/* a list that loops without coming back to init_task */
		added = li_set_add(&tasks, next);
		if (added <= 0) {
			err = added;
			hw->stopped = "cycle";
			break;
		}
		err = read_task(c, next - m->task.ts_tasks, &w);
		if (err == -EIO) {
			hw->stopped = "unreadable";
			err = 0;
			break;
		}
		hw->tasks++;
		if (err == 1 && (err = li_set_add(&mms, w.mm)) == 1)
			err = walk_mm(&w);
		if (err < 0 || (err = li_progress(c, "holders", hw->tasks, 0)))
			break;
		if (li_read_u64(c, next, &next)) {
			hw->stopped = "unreadable";
			break;
		}
	}
	li_set_reset(&tasks);
	li_set_reset(&mms);
	return err < 0 ? err : 0;
}

/* Page walk: remember an allocated PRIVATE/COHERENT page (bounded). */
void li_leak_note(struct li_ctx *c, uint64_t pfn, uint64_t nr,
		  uint64_t pgmap, int32_t ref, int idle)
{
	struct li_leak_cands *l = &c->leaks;

	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct li_leak_cand *n;

		if (cap > LI_MAX_LEAK_CANDS)
			cap = LI_MAX_LEAK_CANDS;
		n = l->nr < cap ? realloc(l->v, cap * sizeof(*n)) : NULL;
		if (!n) {
			l->dropped++;
			return;
		}
		l->v = n;
		l->cap = cap;
	}
	l->v[l->nr++] = (struct li_leak_cand){ pfn, pgmap, (uint32_t)nr, ref, idle };
}

/* Can "no user page table names it" be said?  Only after a whole walk. */
static bool walk_complete(const struct li_ctx *c)
{
	const struct li_report *r = c->r;

	return r->hw.walked && !r->hw.stopped && !r->hw.tables_unreadable &&
	       !r->hw.table_cycles &&
	       r->hw.total == r->nr_holders && c->m->task.swp_dev_num > 0;
}

struct pfn_span {
	uint64_t lo, hi;		/* inclusive */
};

static int span_cmp(const void *a, const void *b)
{
	const struct pfn_span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The holder runs as sorted, merged pfn spans; the count or -ENOMEM. */
static ssize_t held_spans(const struct li_report *r, struct pfn_span **out)
{
	struct pfn_span *s = malloc((r->nr_holders ? r->nr_holders : 1) * sizeof(*s));
	size_t n = 0;

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < r->nr_holders; i++)
		s[i] = (struct pfn_span){ r->holders[i].pfn,
					  r->holders[i].pfn + r->holders[i].nr_pages - 1 };
	qsort(s, r->nr_holders, sizeof(*s), span_cmp);
	for (size_t i = 0; i < r->nr_holders; i++) {
		if (n && s[i].lo <= s[n - 1].hi + 1) {
			if (s[i].hi > s[n - 1].hi)
				s[n - 1].hi = s[i].hi;
			continue;
		}
		s[n++] = s[i];
	}
	*out = s;
	return (ssize_t)n;
}

/* Does any span meet [lo, hi]? */
static bool held(const struct pfn_span *s, size_t n, uint64_t lo, uint64_t hi)
{
	size_t a = 0, b = n;

	/* first span ending at or after lo */
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (s[mid].hi < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a < n && s[a].lo <= hi;
}

/*
 * PRIVATE_PAGE_LEAKED: an allocated device-private/coherent page (its
 * pgmap live: a dead one is PGMAP_REF_DEAD) that no holder run names, no
 * present PTE nor device swap entry.  One finding per page.  The --pfn and
 * --pgmap filters restrict the page walk and the holder runs alike, so a
 * filtered run judges exactly the pages it walked.
 */
int li_holders_leaks(struct li_ctx *c)
{
	const struct li_leak_cands *l = &c->leaks;
	struct pfn_span *spans;
	ssize_t n;
	int err = 0;

	if (!l->nr || !walk_complete(c))
		return 0;
	n = held_spans(c->r, &spans);
	if (n < 0)
		return (int)n;
	for (size_t i = 0; i < l->nr && err >= 0; i++) {
		const struct li_leak_cand *p = &l->v[i];

		if (held(spans, (size_t)n, p->pfn, p->pfn + p->nr - 1))
			continue;
		err = li_report_add(c->r,
				    LI_FINDING(PRIVATE_PAGE_LEAKED,
					       .pfn = p->pfn,
					       .page = li_page_va(c->m, p->pfn),
					       .pgmap = p->pgmap),
				    "refcount %d > idle %d but no user page table maps it%s",
				    p->ref, p->idle,
				    l->dropped ? " (more pages not checked: candidate cap)" : "");
	}
	free(spans);
	return err < 0 ? err : 0;
}
