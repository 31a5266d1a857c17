/* A process that loaded another allocator library (jemalloc, tcmalloc,
 * mimalloc...): keel's exported malloc would take the program's malloc
 * and free, but not that library's own calls (jemalloc's sdallocx and
 * sallocx, mimalloc's mi_free, tcmalloc's tc_free), which would then be
 * handed keel's blocks. keel's PID 1 does not preload into a program
 * that links one itself (init/inject_elf.c); this covers the others: a
 * program started by a script, a child of a shimmed process. At start
 * the shim looks through the loaded objects for one that LD_PRELOAD does
 * not name (one preloaded after keel is never called); where it finds one,
 * every allocation goes to the definition that follows keel's in the
 * lookup order (dlsym(RTLD_NEXT)), the one the program would call
 * without keel. Blocks keel made before that (the loader's, other
 * constructors') are still freed, moved and measured by keel: free,
 * realloc and malloc_usable_size tell them apart by the heap's registry.
 * The fast paths pay nothing: the thread that turns routing on gives up
 * its cache, and no thread gets one after, so every call reaches the
 * slow paths, which look at kl_route. */
#include "kl_heap.h"
#include "kl_route.h"
#include "kl_exec.h"
#include "common/allocators.h"

/* glibc's and musl's layout of its first fields */
struct kl_dl_phdr_info {
	uintptr_t addr;
	const char *name;
};

extern int dl_iterate_phdr(int (*fn)(struct kl_dl_phdr_info *info,
				     size_t size, void *arg),
			   void *arg) __attribute__((weak));
extern void *dlsym(void *handle, const char *name) __attribute__((weak));
#define KL_RTLD_NEXT ((void *)-1l)	/* glibc's and musl's */

KL_HIDDEN struct kl_route kl_route;

/* Whether LD_PRELOAD names the library base (as a path or a file name):
 * preloaded after keel, as an old LD_PRELOAD left in place is, it is
 * never called (keel's malloc comes first) and the program does not know
 * of it. */
static bool route_preloaded(const char *base)
{
	char **env = kl_environ();
	const char *v = 0;
	for (; env && *env && !v; env++) {
		const char *a = *env, *b = "LD_PRELOAD=";
		while (*b && *a == *b)
			a++, b++;
		if (!*b)
			v = a;
	}
	while (v && *v) {
		const char *e = v, *name = v;
		while (*e && *e != ' ' && *e != ':' && *e != '\t' && *e != '\n') {
			if (*e == '/')
				name = e + 1;
			e++;
		}
		const char *a = name, *b = base;
		while (a < e && *a == *b)
			a++, b++;
		if (a == e && !*b)
			return true;
		v = *e ? e + 1 : e;
	}
	return false;
}

static int route_find(struct kl_dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	const char *base = info->name;
	if (!base)
		return 0;
	for (const char *c = base; *c; c++)
		if (*c == '/')
			base = c + 1;
	if (!keel_allocator_lib(base) || route_preloaded(base))
		return 0;
	size_t i = 0;
	for (; base[i] && i < sizeof(kl_route.lib) - 1; i++)
		kl_route.lib[i] = base[i];
	kl_route.lib[i] = 0;
	return 1;
}

void kl_route_init(void)
{
	/* glibc before 2.34 keeps dlsym in libdl, which may not be loaded:
	 * keel then stays the allocator, as before */
	if (!dl_iterate_phdr || !dlsym || !dl_iterate_phdr(route_find, 0))
		return;
	/* dlsym may allocate: keel's malloc serves it until routing is on */
	kl_route.malloc = (void *(*)(size_t))dlsym(KL_RTLD_NEXT, "malloc");
	kl_route.free = (void (*)(void *))dlsym(KL_RTLD_NEXT, "free");
	kl_route.calloc = (void *(*)(size_t, size_t))dlsym(KL_RTLD_NEXT,
							   "calloc");
	kl_route.realloc = (void *(*)(void *, size_t))dlsym(KL_RTLD_NEXT,
							    "realloc");
	kl_route.posix_memalign = (int (*)(void **, size_t, size_t))dlsym(
		KL_RTLD_NEXT, "posix_memalign");
	kl_route.usable = (size_t (*)(void *))dlsym(KL_RTLD_NEXT,
						   "malloc_usable_size");
	if (!kl_route.malloc || !kl_route.free || !kl_route.calloc ||
	    !kl_route.realloc || !kl_route.posix_memalign) {
		kl_msg("libkeel: warning: %s is loaded, but its malloc functions were not found: keel's allocator stays",
		       kl_route.lib);
		return;
	}
	kl_tcache_step_aside();
	__atomic_store_n(&kl_route.on, true, __ATOMIC_RELEASE);
}

void *kl_route_realloc(void *p, size_t n)
{
	if (!kl_registry_has(kl_seg_of(p)))
		return kl_route.realloc(p, n);
	/* one of keel's: moves out to the other allocator */
	size_t old = kl_usable(p);
	void *q = kl_route.malloc(n);
	if (q) {
		memcpy(q, p, old < n ? old : n);
		kl_free(p);
	}
	return q;
}

void *kl_route_aligned(size_t align, size_t n)
{
	void *p = 0;
	int e = kl_route.posix_memalign(&p, align < sizeof(void *) ?
					sizeof(void *) : align, n);
	if (e) {
		kl_set_errno(e);
		return 0;
	}
	return p;
}
