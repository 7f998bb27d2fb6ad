// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Types shaped like the kernel's (struct page's anonymous unions, arrays of
 * structs, bitfields, typedef chains, negative and 64-bit enumerators,
 * static and global symbols) for tests/dwarf-types.t.  Built with -g, the
 * program prints the compiler's own answers as target-probe queries, so
 * the DWARF index (libinspect/src/dwarf_types.c) can be compared with them.
 */
#include <stddef.h>
#include <stdio.h>

enum fx_small { FX_NEG = -5, FX_ZERO = 0, FX_INT_MAX = 0x7fffffff };
enum { FX_ANON_A = 3, FX_ANON_B = 9 };
enum fx_wide { FX_WIDE = 0x123456789LL };

struct fx_inner {
	int a;
	char b[3];
	long c;
};

typedef struct fx_inner fx_inner_t;
typedef fx_inner_t fx_inner2_t;

struct fx_outer {
	unsigned long flags;
	union {
		struct {
			void *p;
			struct fx_inner in;
		};
		struct {
			unsigned int x : 3, y : 13;
			unsigned long z;
			union {
				short s;
				fx_inner2_t deep;
			};
		};
	};
	struct fx_inner arr[4];
	struct {
		int n;
		enum fx_small e;
	} named;
	const volatile fx_inner2_t cv;
};

typedef struct fx_outer fx_outer_t;

struct fx_outer fx_global;
fx_outer_t *fx_outer_ptr;	/* GCC drops typedefs nothing declares */
static struct fx_inner fx_local __attribute__((used));
static int fx_dup __attribute__((used));

#define SIZE(t)		printf("size:%s=%zu\n", #t, sizeof(t))
#define OFF(t, m)	printf("off:%s:%s=%zu\n", #t, #m, offsetof(t, m))
#define ENUM(e)		printf("enum:%s=%lld\n", #e, (long long)(e))

int main(void)
{
	SIZE(struct fx_outer);
	SIZE(struct fx_inner);
	SIZE(fx_inner2_t);
	SIZE(fx_outer_t);
	SIZE(enum fx_small);
	SIZE(union fx_absent *);
	OFF(struct fx_outer, flags);
	OFF(struct fx_outer, p);
	OFF(struct fx_outer, in);
	OFF(struct fx_outer, in.c);
	OFF(struct fx_outer, z);
	OFF(struct fx_outer, s);
	OFF(struct fx_outer, deep.b);
	OFF(struct fx_outer, arr);
	OFF(struct fx_outer, arr[2].c);
	OFF(struct fx_outer, arr[3].b);
	OFF(struct fx_outer, named.e);
	OFF(struct fx_outer, cv.c);
	OFF(fx_outer_t, arr[1].a);
	ENUM(FX_NEG);
	ENUM(FX_ZERO);
	ENUM(FX_INT_MAX);
	ENUM(FX_ANON_A);
	ENUM(FX_ANON_B);
	ENUM(FX_WIDE);
	printf("sym:fx_global=%p\n", (void *)&fx_global);
	printf("symsize:fx_global=%zu\n", sizeof(fx_global));
	printf("sym:fx_local=%p\n", (void *)&fx_local);
	return fx_dup;
}
