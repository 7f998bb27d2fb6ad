/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel model (model.c): every layout fact the walkers need, probed
 * from the target's types, enums and symbols.
 */
#ifndef LI_MODEL_H
#define LI_MODEL_H

#include "internal.h"

int li_model_probe(struct li_ctx *c, char *err, size_t errlen);
bool li_has_sym(struct li_ctx *c, const char *name);
enum li_mtype li_mtype_of(const struct li_model *m, int64_t val);
const char *li_mtype_name(enum li_mtype t);
int li_page_zone(const struct li_model *m, uint64_t flags);

#endif /* LI_MODEL_H */
