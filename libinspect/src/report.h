/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Report writers' helpers shared with frontend.c and access.c (report.c).
 */
#ifndef LI_REPORT_H
#define LI_REPORT_H

#include "internal.h"

/* A JSON string literal of s, quoted and escaped. */
void li_json_string(FILE *f, const char *s);
/* "live", "dead", "exited", "invalid" or "unreadable" */
const char *li_pgmap_ref_state(const struct li_pgmap *g);

#endif /* LI_REPORT_H */
