/* The shim stepping aside for another allocator the process loaded
 * (route.c). */
#ifndef KL_ROUTE_H
#define KL_ROUTE_H

#include "kl_os.h"

struct kl_route {
	bool on;		/* allocations go to the functions below */
	char lib[48];		/* the allocator library found */
	void *(*malloc)(size_t n);
	void (*free)(void *p);
	void *(*calloc)(size_t nmemb, size_t size);
	void *(*realloc)(void *p, size_t n);
	int (*posix_memalign)(void **out, size_t align, size_t n);
	size_t (*usable)(void *p);
};
extern KL_HIDDEN struct kl_route kl_route;

static inline bool kl_routed(void)
{
	return __atomic_load_n(&kl_route.on, __ATOMIC_ACQUIRE);
}

/* From the constructor: an allocator library among the loaded objects
 * turns routing on. */
void kl_route_init(void);

/* realloc and aligned allocation while routed; a block keel made before
 * stays keel's until it is freed or moved. */
void *kl_route_realloc(void *p, size_t n);
void *kl_route_aligned(size_t align, size_t n);

#endif
