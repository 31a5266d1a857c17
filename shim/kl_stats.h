/* The statistics' interface: a snapshot of the heap's counters and the
 * reports made of it (stats.c), and the statistics file and control file
 * shared with keel (publish.c). */
#ifndef KL_STATS_H
#define KL_STATS_H

#include "kl_heap.h"

/* A snapshot of the heap's counters (stats.c), for every report. */
struct kl_snapshot {
	size_t cls_used[KL_NCLASS];	/* blocks in use */
	size_t cls_free[KL_NCLASS];	/* bytes free in spans and caches */
	size_t small_in_use, small_free;
	size_t large_in_use, huge, huge_count;
	size_t dirty, clean, mapped;	/* dirty: free runs + huge_cached */
	size_t huge_cached;
	size_t returned[KL_NCLASS + 1];	/* by origin, as kl_pages.returned */
	size_t huge_returned;
};
void kl_stats_take(struct kl_snapshot *s);
void kl_stats_print(void);
void kl_stats_served(uint32_t epoch);
void kl_stats_fork_child(void);
void kl_stats_close(void);
void kl_stats_mallinfo(size_t out[10]);

void kl_stats_publish(void);
void kl_stats_open(void);
void kl_stats_map_control(void);
void kl_stats_heap_grew(void);

/* /proc/self/stat, parsed (publish.c); -1 when it cannot be read. */
struct keel_proc_stat;
int kl_self_stat(struct keel_proc_stat *ps);

#endif
