/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The targets' one way to say why an open failed: format into the caller's
 * buffer (may be NULL) and return the negative errno. */
#ifndef LI_ERRBUF_H
#define LI_ERRBUF_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static inline int li_errbuf(char *errbuf, size_t errlen, int err,
			    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline int li_errbuf(char *errbuf, size_t errlen, int err,
			    const char *fmt, ...)
{
	va_list ap;

	if (errbuf && errlen) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Append s to the message in errbuf (a caller's hint); returns err. */
static inline int li_errbuf_add(char *errbuf, size_t errlen, int err,
				const char *s)
{
	size_t n;

	if (errbuf && errlen) {
		n = strnlen(errbuf, errlen);
		if (n < errlen)
			snprintf(errbuf + n, errlen - n, "%s", s);
	}
	return err;
}

#endif
