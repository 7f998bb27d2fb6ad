// SPDX-License-Identifier: GPL-2.0
/*
 * pgmc_private: the device-private fault injections of the selfbuilt
 * faults-private scenario, done once at load time:
 *
 *   insmod pgmc_private.ko drop_ref=PFN leak=PFN
 *
 * drop_ref: PFN is an allocated device-private/coherent page (refcount >= 1);
 *   drop the pgmap reference it holds (6.1: zone_device_page_init took one),
 *   so the pgmap's count falls below 1 + allocated pages (PGMAP_REF_LOW).
 * leak: PFN is a free device page (refcount 0); allocate it the way a driver
 *   does (zone_device_page_init: refcount 1 + one pgmap reference) and never
 *   record it anywhere: no mirror, no page table holds it (PRIVATE_PAGE_LEAKED).
 * vmcores/kmod's pgmapcheck_test does the scenario's PGMAP_DANGLING injection.
 * One "PGMAPCHECK-INJECT code=… pfn=… pgmap=… page=… head_pfn=…" line each,
 * the format vmcores/lib/manifest.py reads.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/memremap.h>

static unsigned long drop_ref;
module_param(drop_ref, ulong, 0444);
static unsigned long leak;
module_param(leak, ulong, 0444);

/* The struct page of a device-private/coherent pfn, NULL otherwise. */
static struct page *hmm_page(unsigned long pfn)
{
	struct page *page;

	if (!pfn_valid(pfn))
		return NULL;
	page = pfn_to_page(pfn);
	if (!is_device_private_page(page) && !is_device_coherent_page(page))
		return NULL;
	return page;
}

static void emit(const char *code, unsigned long pfn, struct page *page)
{
	pr_info("PGMAPCHECK-INJECT code=%s pfn=0x%lx pgmap=0x%lx page=0x%lx head_pfn=0x%lx refcount=%d\n",
		code, pfn, (unsigned long)page->pgmap, (unsigned long)page, pfn,
		page_ref_count(page));
}

static int inject_drop_ref(unsigned long pfn)
{
	struct page *page = hmm_page(pfn);

	if (!page || page_ref_count(page) < 1)
		return -EINVAL;
	put_dev_pagemap(page->pgmap);
	emit("PGMAP_REF_LOW", pfn, page);
	return 0;
}

static int inject_leak(unsigned long pfn)
{
	struct page *page = hmm_page(pfn);

	if (!page || page_ref_count(page) != 0)
		return -EINVAL;
	zone_device_page_init(page);
	emit("PRIVATE_PAGE_LEAKED", pfn, page);
	return 0;
}

static int __init pgmc_private_init(void)
{
	int err = 0;

	if (drop_ref)
		err = inject_drop_ref(drop_ref);
	if (!err && leak)
		err = inject_leak(leak);
	return err;
}

static void __exit pgmc_private_exit(void)
{
}

module_init(pgmc_private_init);
module_exit(pgmc_private_exit);
MODULE_LICENSE("GPL");
