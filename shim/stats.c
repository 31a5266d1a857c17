/* Heap statistics: derived on demand from span and page counters minus
 * what thread caches hold (nothing is counted on the fast path). They feed
 * malloc_stats(), mallinfo2(), the KEEL_STATS exit table and the file keel
 * reads from outside the process (publish.c). */
#include "kl_stats.h"
#include "kl_route.h"
#include "kl_config.h"



void kl_stats_take(struct kl_snapshot *s)
{
	size_t cached[KL_NCLASS] = { 0 };
	kl_lock(&kl_locks.threads);
	for (struct kl_tcache *tc = kl_threads; tc; tc = tc->next)
		for (unsigned c = 0; c < KL_NCLASS; c++)
			cached[c] += kl_tbin_count(&tc->bin[c]);
	kl_unlock(&kl_locks.threads);
	kl_xfer_count(cached);
	size_t holes_all = 0;
	s->small_in_use = s->small_free = 0;
	for (unsigned c = 0; c < KL_NCLASS; c++) {
		size_t used = 0, cap = 0, holes = 0;
		for (unsigned a = 0; a < KL_NARENA; a++) {
			struct kl_class *k = &kl_classes[a][c];
			used += __atomic_load_n(&k->used, __ATOMIC_RELAXED);
			cap += __atomic_load_n(&k->nblocks, __ATOMIC_RELAXED);
			holes += __atomic_load_n(&k->holes, __ATOMIC_RELAXED);
			holes += __atomic_load_n(&k->untouched,
						 __ATOMIC_RELAXED);
		}
		size_t u = used > cached[c] ? used - cached[c] : 0;
		size_t avail = (cap - u) * kl_class_size[c];
		/* returned holes, and blocks of clean spans never carved,
		 * are free but not resident (counted whole pages: at most
		 * the free bytes) */
		holes = holes < avail ? holes : avail;
		s->cls_used[c] = u;
		s->cls_free[c] = avail - holes;
		holes_all += holes;
		s->small_in_use += u * kl_class_size[c];
		s->small_free += s->cls_free[c];
	}
	s->large_in_use = __atomic_load_n(&kl_pages.large_in_use,
					  __ATOMIC_RELAXED);
	s->huge = __atomic_load_n(&kl_huge_bytes, __ATOMIC_RELAXED);
	s->huge_count = __atomic_load_n(&kl_huge_count, __ATOMIC_RELAXED);
	s->huge_cached = __atomic_load_n(&kl_huge_cached, __ATOMIC_RELAXED);
	s->dirty = __atomic_load_n(&kl_pages.dirty, __ATOMIC_RELAXED) +
		   s->huge_cached;
	s->clean = __atomic_load_n(&kl_pages.clean, __ATOMIC_RELAXED) +
		   holes_all;
	for (unsigned c = 0; c <= KL_NCLASS; c++)
		s->returned[c] = __atomic_load_n(&kl_pages.returned[c],
						 __ATOMIC_RELAXED);
	s->huge_returned = __atomic_load_n(&kl_huge_returned,
					   __ATOMIC_RELAXED);
	/* cached huge mappings count as mapped and free resident */
	s->mapped = __atomic_load_n(&kl_pages.mapped, __ATOMIC_RELAXED) +
		    s->huge_cached;
}

/* mallinfo2 in glibc's field order. */
void kl_stats_mallinfo(size_t out[10])
{
	struct kl_snapshot s;
	kl_stats_take(&s);
	memset(out, 0, 10 * sizeof(size_t));
	out[0] = s.mapped;			/* arena */
	out[1] = 1;				/* ordblks */
	out[3] = s.huge_count;			/* hblks */
	out[4] = s.huge;			/* hblkhd */
	out[7] = s.small_in_use + s.large_in_use; /* uordblks */
	out[8] = s.small_free + s.dirty;	/* fordblks */
}

static size_t kib(size_t b)
{
	return (b + 1023) / 1024;
}

static void stats_row(const char *name, size_t blocks, size_t in_use,
		      size_t free, size_t returned)
{
	char line[160], num[16] = "";
	if (blocks != (size_t)-1)
		kl_snprintf(num, sizeof(num), "%zu", blocks);
	int n = kl_snprintf(line, sizeof(line),
			    "libkeel: %8s %12s %12zu %12zu %12zu\n", name, num,
			    kib(in_use), kib(free), kib(returned));
	kl_write(2, line, (size_t)n);
}

/* The per-class table and the totals, to stderr. "released" is
 * cumulative: every purge counts each page to the class that used it last
 * (a per-page origin byte in the segment header), so the rows add up to
 * the total. Purges are whole pages: the KiB add up too. "returned" means
 * what it means in keel stats and the guard's report: free and not
 * resident now. */
void kl_stats_print(void)
{
	struct kl_snapshot s;
	char line[192], name[16];
	kl_stats_take(&s);
	kl_write(2, line, (size_t)kl_snprintf(line, sizeof(line),
		 "libkeel: %8s %12s %12s %12s %12s\n", "class", "blocks",
		 "in use KiB", "free KiB", "released KiB"));
	size_t returned = s.huge_returned;
	for (unsigned c = 0; c < KL_NCLASS; c++) {
		returned += s.returned[c + 1];
		if (!s.cls_used[c] && !s.cls_free[c] && !s.returned[c + 1])
			continue;
		kl_snprintf(name, sizeof(name), "%u", kl_class_size[c]);
		stats_row(name, s.cls_used[c], s.cls_used[c] * kl_class_size[c],
			  s.cls_free[c], s.returned[c + 1]);
	}
	returned += s.returned[0];
	/* dirty runs have no class: their free bytes are on the large row */
	stats_row("large", (size_t)-1, s.large_in_use,
		  s.dirty - s.huge_cached, s.returned[0]);
	stats_row("huge", s.huge_count, s.huge, s.huge_cached,
		  s.huge_returned);
	if (kl_routed())
		kl_msg("libkeel: %s is loaded: allocations go to it, not to keel",
		       kl_route.lib);
	int n = kl_snprintf(line, sizeof(line),
			    "libkeel: total KiB: mapped %zu, in use %zu, free resident %zu, returned %zu, released %zu\n",
			    kib(s.mapped + s.huge),
			    kib(s.small_in_use + s.large_in_use + s.huge),
			    kib(s.small_free + s.dirty), kib(s.clean),
			    kib(returned));
	kl_write(2, line, (size_t)n);
	size_t hp = __atomic_load_n(&kl_pages.hugepages, __ATOMIC_RELAXED);
	size_t slow = __atomic_load_n(&kl_pages.hugepages_slow,
				      __ATOMIC_RELAXED);
	if (hp) {
		n = kl_snprintf(line, sizeof(line),
				"libkeel: huge pages backed: %zu of 2 MiB\n", hp);
		kl_write(2, line, (size_t)n);
	}
	if (slow) {
		n = kl_snprintf(line, sizeof(line),
				"libkeel: huge pages slower than small ones: %zu (none asked for 10 s after each)\n",
				slow);
		kl_write(2, line, (size_t)n);
	}
	/* growing buffers' policy, and the price it was chosen on (none
	 * to tell before a sample, at the setting's default) */
	uint64_t price = kl_fault_price_ns();
	bool set = kl_cfg.fault_cost.word != KEEL_FAULT_COST_AUTO;
	if (!price && !set)
		return;
	char cost[32] = "not measured";
	if (price)
		kl_snprintf(cost, sizeof(cost), "%zu.%zu us",
			    (size_t)(price / 1000), (size_t)(price % 1000 / 100));
	n = kl_snprintf(line, sizeof(line),
			"libkeel: a fresh page costs %s (KEEL_FAULT_COST=%s): growing huge buffers %s\n",
			cost, set ? kl_cfg.fault_cost.text : "auto",
			kl_faults_dear() ? "move into freed memory" :
					   "fault their pages in");
	kl_write(2, line, (size_t)n);
}
