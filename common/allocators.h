/* The allocator libraries a program may link or load, as the start of
 * their sonames. keel's PID 1 does not preload its allocator into a
 * program that links one (init/inject_elf.c); the shim steps aside in a
 * process that loaded one (shim/route.c); keel stats calls such a process
 * "own allocator". No libc: the shim includes this too. */
#ifndef KEEL_ALLOCATORS_H
#define KEEL_ALLOCATORS_H

static const char *const keel_allocator_libs[] = {
	"libjemalloc", "libtcmalloc", "libmimalloc", "libhoard",
	"librpmalloc", "libsnmallocshim", "libtbbmalloc_proxy",
};

#define KEEL_ALLOCATOR_NLIBS \
	(sizeof(keel_allocator_libs) / sizeof(keel_allocator_libs[0]))

/* Whether a soname (a file name, no folder) is one of them. */
static inline int keel_allocator_lib(const char *soname)
{
	for (unsigned long i = 0; i < KEEL_ALLOCATOR_NLIBS; i++) {
		const char *a = keel_allocator_libs[i], *b = soname;
		while (*a && *a == *b)
			a++, b++;
		if (!*a)
			return 1;
	}
	return 0;
}

#endif
