/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library is built with -fvisibility=hidden; the functions of
 * include/libinspect.h are defined LI_EXPORT.  A header of its own so
 * that codes.c, which internal.h's types need, does not need internal.h.
 */
#ifndef LI_EXPORT_H
#define LI_EXPORT_H

#define LI_EXPORT __attribute__((visibility("default")))

#endif /* LI_EXPORT_H */
