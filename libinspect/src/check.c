// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * li_check(): the model probe, then the registry, page, holder, vmemmap
 * and hugetlb phases in that order, into a new report.  The top layer:
 * it calls every phase and no phase calls it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "holders.h"
#include "hugetlb.h"
#include "iomem.h"
#include "model.h"
#include "pages.h"
#include "registry.h"
#include "vmemmap.h"

static __thread char last_error[256];

LI_EXPORT const char *li_last_error(void)
{
	return last_error;
}

static struct li_report *report_new(const struct li_target *t,
				    const struct li_options *o)
{
	struct li_report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->nr_codes = LI_NR_CODES;
	r->buckets = calloc(r->nr_codes, sizeof(*r->buckets));
	r->frontend = strdup(t->frontend ? t->frontend : "");
	r->source = strdup(t->source ? t->source : "");
	r->vmlinux = strdup(t->vmlinux ? t->vmlinux : "");
	if (!r->buckets || !r->frontend || !r->source || !r->vmlinux) {
		li_report_free(r);
		return NULL;
	}
	r->truncated = li_kdump_target_truncated &&
		       li_kdump_target_truncated(t, &r->file_size,
						 &r->expected_size);
	r->opts = *o;
	r->opts.progress = NULL;
	r->opts.progress_arg = NULL;
	r->max_findings = o->max_findings ? o->max_findings :
			  LI_DEFAULT_MAX_FINDINGS;
	return r;
}

static bool pgmap_registered(const struct li_report *r, uint64_t addr)
{
	for (size_t i = 0; i < r->nr_pgmaps; i++)
		if (r->pgmaps[i].addr == addr)
			return true;
	return false;
}

LI_EXPORT int li_check(const struct li_target *target,
		       const struct li_options *opts, struct li_report **out)
{
	static const struct li_options defaults;
	struct li_ctx *c;
	struct li_report *r;
	int err;

	if (!out || !target || !target->ops || !target->ops->read ||
	    !target->ops->type_size || !target->ops->member_offset ||
	    !target->ops->enum_value || !target->ops->symbol_address)
		return -EINVAL;
	*out = NULL;
	if (!opts)
		opts = &defaults;
	r = report_new(target, opts);
	c = calloc(1, sizeof(*c));
	if (!r || !c) {
		free(c);
		li_report_free(r);
		return -ENOMEM;
	}
	c->t = target;
	c->opts = opts;
	c->r = r;
	c->m = &r->model;
	last_error[0] = 0;
	err = li_model_probe(c, r->model_error, sizeof(r->model_error));
	if (err) {
		snprintf(last_error, sizeof(last_error), "%s", r->model_error);
		goto fail;
	}
	r->model_ok = true;
	err = li_check_pgmaps(c);
	if (!err && opts->pgmap && !pgmap_registered(r, opts->pgmap)) {
		/* a typo must not read as "nothing wrong" */
		snprintf(last_error, sizeof(last_error),
			 "0x%" PRIx64 " is not a registered dev_pagemap",
			 opts->pgmap);
		err = -ENOENT;
		goto fail;
	}
	if (!err && !(opts->flags & LI_OPT_PGMAPS_ONLY))
		err = li_walk_pages(c);
	if (!err && !(opts->flags & (LI_OPT_NO_HOLDERS | LI_OPT_PGMAPS_ONLY))) {
		err = li_holders_walk(c);
		if (!err)
			err = li_holders_leaks(c);
	}
	if (!err && !(opts->flags & LI_OPT_PGMAPS_ONLY))
		li_check_refs(c);
	if (!err && !(opts->flags & (LI_OPT_NO_VMEMMAP | LI_OPT_PGMAPS_ONLY)))
		err = li_vmemmap_account(c);
	if (!err && !(opts->flags & (LI_OPT_NO_HUGETLB | LI_OPT_PGMAPS_ONLY)))
		err = li_hugetlb_walk(c);
	if (err) {
		snprintf(last_error, sizeof(last_error), "check failed: %s",
			 li_strerror(err));
		goto fail;
	}
	free(c->leaks.v);
	li_iomem_free(c);
	free(c);
	*out = r;
	return 0;
fail:
	free(c->leaks.v);
	li_iomem_free(c);
	free(c);
	li_report_free(r);
	return err;
}

LI_EXPORT void li_report_free(struct li_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->buckets && i < r->nr_codes; i++)
		free(r->buckets[i].v);
	free(r->buckets);
	free(r->pgmaps);
	free(r->runs);
	free(r->vmem);
	free(r->huge);
	free(r->folios);
	free(r->holders);
	free(r->frontend);
	free(r->source);
	free(r->vmlinux);
	free(r);
}
