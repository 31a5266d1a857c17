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
 * lookup order (what dlsym(RTLD_NEXT) returns, found by next.c without
 * libdl), the one the program would call without keel. Blocks keel made before that (the loader's, other
 * constructors') are still freed, moved and measured by keel: free,
 * realloc and malloc_usable_size tell them apart by the heap's registry.
 * The fast paths pay nothing: the thread that turns routing on gives up
 * its cache, and no thread gets one after, so every call reaches the
 * slow paths, which look at kl_route. */
#include "kl_heap.h"
#include "kl_route.h"
#include "kl_exec.h"
#include "common/allocators.h"

KL_HIDDEN struct kl_route kl_route;

static int route_find(struct kl_dl_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	const char *base = info->name;
	if (!base)
		return 0;
	for (const char *c = base; *c; c++)
		if (*c == '/')
			base = c + 1;
	/* one preloaded after keel, as an old LD_PRELOAD left in place is,
	 * is never called (keel's malloc comes first) */
	if (!keel_allocator_lib(base) || kl_preload_names(base))
		return 0;
	size_t i = 0;
	for (; i < sizeof(kl_route.lib) - 1 && base[i]; i++)
		kl_route.lib[i] = base[i];
	kl_route.lib[i] = 0;
	return 1;
}

void kl_route_init(void)
{
	if (!dl_iterate_phdr || !dl_iterate_phdr(route_find, 0))
		return;
	kl_route.malloc = (void *(*)(size_t))kl_next("malloc");
	kl_route.free = (void (*)(void *))kl_next("free");
	kl_route.calloc = (void *(*)(size_t, size_t))kl_next("calloc");
	kl_route.realloc = (void *(*)(void *, size_t))kl_next("realloc");
	kl_route.posix_memalign =
		(int (*)(void **, size_t, size_t))kl_next("posix_memalign");
	kl_route.usable = (size_t (*)(void *))kl_next("malloc_usable_size");
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
