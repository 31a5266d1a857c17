/* The allocator libraries a program may link or load, as the start of
 * their sonames. keel's PID 1 does not preload its allocator into a
 * program that links one (init/inject_elf.c); the shim steps aside in a
 * process that loaded one (shim/route.c); keel stats calls such a process
 * "own allocator". The sanitizers' runtimes (gcc's and clang's) count:
 * each brings a malloc of its own, and ASan's refuses to start ("ASan
 * runtime does not come first in initial library list") when another
 * library is preloaded. No libc: the shim includes this too. */
#ifndef KEEL_ALLOCATORS_H
#define KEEL_ALLOCATORS_H

static const char *const keel_allocator_libs[] = {
	"libjemalloc", "libtcmalloc", "libmimalloc", "libhoard",
	"librpmalloc", "libsnmallocshim", "libtbbmalloc_proxy",
	/* from here (KEEL_FIRST_SANITIZER) the sanitizers' runtimes */
	"libasan", "libtsan", "liblsan", "libhwasan",
	"libclang_rt.asan", "libclang_rt.tsan", "libclang_rt.msan",
	"libclang_rt.lsan", "libclang_rt.hwasan", "libclang_rt.memprof",
};
#define KEEL_FIRST_SANITIZER 7

#define KEEL_ALLOCATOR_NLIBS \
	(sizeof(keel_allocator_libs) / sizeof(keel_allocator_libs[0]))

/* Which of them a soname (a file name, no folder) is: its index + 1, or 0
 * for none. */
static inline unsigned long keel_allocator_index(const char *soname)
{
	for (unsigned long i = 0; i < KEEL_ALLOCATOR_NLIBS; i++) {
		const char *a = keel_allocator_libs[i], *b = soname;
		while (*a && *a == *b)
			a++, b++;
		if (!*a)
			return i + 1;
	}
	return 0;
}

/* Whether a soname is one of them. */
static inline int keel_allocator_lib(const char *soname)
{
	return keel_allocator_index(soname) != 0;
}

/* Whether it is a sanitizer's runtime, which must not have a library
 * preloaded before it. */
static inline int keel_sanitizer_lib(const char *soname)
{
	return keel_allocator_index(soname) > KEEL_FIRST_SANITIZER;
}

#endif
