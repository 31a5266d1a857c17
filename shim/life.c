/* The library's life: lazy bootstrap (malloc may run before the constructor),
 * the constructor (configuration, fork handlers), the exit report, and
 * fork safety: every lock taken in one order before fork; the child
 * restarts with one thread, no purger and no statistics file yet. */
#include "kl_decay.h"
#include "kl_stats.h"
#include "kl_config.h"
#include "kl_life.h"
#include "kl_exec.h"
#include "kl_route.h"

extern int __register_atfork(void (*prepare)(void), void (*parent)(void),
			     void (*child)(void), void *dso)
	__attribute__((weak));
extern int pthread_atfork(void (*prepare)(void), void (*parent)(void),
			  void (*child)(void)) __attribute__((weak));

KL_HIDDEN struct kl_fork_locks kl_locks;
static bool life_booted;

void kl_boot(void)
{
	if (KL_LIKELY(__atomic_load_n(&life_booted, __ATOMIC_ACQUIRE)))
		return;
	kl_class_init();	/* idempotent: racing threads write the same */
	kl_config_defaults();
	__atomic_store_n(&life_booted, true, __ATOMIC_RELEASE);
}

/* The size classes' locks, or the transfer cache's (xfer), of the arenas
 * in use: a block's span is of such an arena, so no other holds any. */
static void life_arena_locks(bool xfer, bool lock)
{
	for (unsigned a = 0; a < KL_NARENA; a++) {
		if (!(kl_arenas_used & 1u << a))
			continue;
		struct kl_lock *l = xfer ? kl_locks.arena[a].xfer :
					   kl_locks.arena[a].cls;
		for (unsigned c = 0; c < kl_arena_classes(a); c++) {
			if (lock)
				kl_lock(&l[c]);
			else
				kl_unlock(&l[c]);
		}
	}
}

/* Lock order: thread registry, size classes in order, transfer cache,
 * heap, metadata, huge mappings.
 * First (once), the exec wrappers' libc functions, while no lock is held.
 * Then, in a program whose only thread is the one forking, the purger ends
 * (the next free after the fork starts it again): the parent would
 * otherwise count two threads, and CPython 3.12 on, which reads the count
 * from /proc/self/stat as fork returns, warns that a multi-threaded
 * process forked. */
static void life_prepare(void)
{
	kl_exec_resolve();
	if (__atomic_load_n(&kl_nthreads, __ATOMIC_RELAXED) <= 1)
		kl_purger_stop();
	kl_lock(&kl_locks.threads);
	life_arena_locks(false, true);
	life_arena_locks(true, true);
	kl_lock(&kl_locks.heap);
	kl_lock(&kl_locks.meta);
	kl_lock(&kl_locks.huge);
}

static void life_parent(void)
{
	kl_unlock(&kl_locks.huge);
	kl_unlock(&kl_locks.meta);
	kl_unlock(&kl_locks.heap);
	life_arena_locks(true, false);
	life_arena_locks(false, false);
	kl_unlock(&kl_locks.threads);
}

/* Every lock the prepare handler took is free again: the arenas' in use
 * (the others' are free already) and the global ones. */
static void life_child(void)
{
	for (unsigned a = 0; a < KL_NARENA; a++)
		if (kl_arenas_used & 1u << a)
			memset(&kl_locks.arena[a], 0, sizeof(kl_locks.arena[a]));
	kl_locks.threads.state = 0;
	kl_locks.heap.state = 0;
	kl_locks.meta.state = 0;
	kl_locks.huge.state = 0;
	kl_tcache_fork_child();
	kl_purger_fork_child();
	kl_stats_fork_child();
}

__attribute__((constructor)) static void life_init(void)
{
	kl_boot();
	kl_config_read();
	kl_tcache_ctor();
	kl_route_init();
	if (__register_atfork)
		__register_atfork(life_prepare, life_parent, life_child, 0);
	else if (pthread_atfork)
		pthread_atfork(life_prepare, life_parent, life_child);
	kl_stats_map_control();
	kl_preload_init();
	__atomic_store_n(&kl_ctor_done, true, __ATOMIC_RELEASE);
	kl_purger_kick();
}

__attribute__((destructor)) static void life_fini(void)
{
	if (kl_cfg.stats)
		kl_stats_print();
	kl_stats_close();
}
