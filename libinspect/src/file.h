/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LI_FILE_H
#define LI_FILE_H

#include <stddef.h>

/*
 * Opens PATH read-only without blocking and only if it is a regular file.
 * Returns the descriptor, or a negative errno with the reason ("cannot open
 * WHAT PATH: ...", "WHAT PATH is not a regular file") in ERRBUF.
 */
int li_open_regular(const char *path, const char *what, char *errbuf,
		    size_t errlen);

#endif
