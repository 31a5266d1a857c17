/* statsjson: `keel stats --json`, one line per table, and the process
 * object the guard's memory report shares, so one schema describes both
 * (docs/configuration.md). Every string printed is a cleaned command name
 * (procinfo.h) or keel's own text: nothing needs escaping. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "init/heapfile.h"
#include "init/statsformat.h"

#define STATSJSON_TOP_MAX 8
#define STATSJSON_LINE (64 << 10)

struct statsjson_buf {
	char *p;
	size_t len, used;
};

__attribute__((format(printf, 2, 3)))
static void statsjson_add(struct statsjson_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->used + 1 >= b->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->used += (size_t)n < b->len - b->used ? (size_t)n :
			   b->len - 1 - b->used;
}

static void statsjson_class(struct statsjson_buf *b,
			    const struct keel_class_stats *c, int first)
{
	statsjson_add(b, "%s{\"size\":%llu,\"blocks\":%llu,\"in_use\":%llu,\"free_resident\":%llu}",
		      first ? "" : ",", (unsigned long long)c->block_size,
		      (unsigned long long)c->blocks_in_use,
		      (unsigned long long)(c->block_size * c->blocks_in_use),
		      (unsigned long long)c->bytes_free_resident);
}

static void statsjson_heap_add(struct statsjson_buf *b,
			       const struct stats_row *r, int top)
{
	const struct keel_heap_stats *st = &r->heap;
	int idx[STATSJSON_TOP_MAX], n, first = 1;

	statsjson_add(b, ",\"in_use\":%llu,\"free_resident\":%llu,\"not_resident\":%llu,\"returned\":%llu,\"heap_mapped\":%llu,\"fragmentation\":%.2f,\"heap_threads\":%u,\"trims\":%llu,\"classes\":[",
		      (unsigned long long)r->in_use,
		      (unsigned long long)r->free_resident,
		      (unsigned long long)r->not_resident,
		      (unsigned long long)st->returned,
		      (unsigned long long)st->mapped, r->fragmentation,
		      st->threads, (unsigned long long)st->trims);
	if (top < 0) {
		for (uint32_t i = 0; i < st->nclasses; i++) {
			if (!st->classes[i].blocks_in_use &&
			    !st->classes[i].bytes_free_resident)
				continue;
			statsjson_class(b, &st->classes[i], first);
			first = 0;
		}
	} else {
		n = heapfile_top_classes(st, idx, top < STATSJSON_TOP_MAX ?
					 top : STATSJSON_TOP_MAX);
		for (int i = 0; i < n; i++)
			statsjson_class(b, &st->classes[idx[i]], i == 0);
	}
	statsjson_add(b, "]");
}

size_t statsjson_process(char *buf, size_t len, const struct stats_row *r,
			 int top)
{
	struct statsjson_buf b = { buf, len, 0 };

	if (len)
		buf[0] = 0;
	statsjson_add(&b, "{\"pid\":%u,\"ppid\":%u,\"keel_pid\":%u,\"command\":\"%s\",\"rss\":%llu,\"rss_anon\":%llu,\"rss_file\":%llu,\"rss_shmem\":%llu,",
		      r->pid, r->ppid, r->keel_pid, r->command,
		      (unsigned long long)r->rss,
		      (unsigned long long)r->rss_anon,
		      (unsigned long long)r->rss_file,
		      (unsigned long long)r->rss_shmem);
	if (r->have_pss)
		statsjson_add(&b, "\"pss\":%llu,", (unsigned long long)r->pss);
	statsjson_add(&b, "\"threads\":%u", r->threads);
	if (r->have_growth)
		statsjson_add(&b, ",\"rss_growth_per_min\":%.0f",
			      r->growth_per_min);
	if (r->have_heap)
		statsjson_heap_add(&b, r, top);
	else
		statsjson_add(&b, ",\"no_heap\":\"%s\"",
			      r->no_heap ? r->no_heap : "");
	if (!r->have_heap && r->rejected)
		statsjson_add(&b, ",\"rejected\":\"%s\"", r->rejected);
	statsjson_add(&b, "}");
	return b.used;
}

size_t statsjson_heap(char *buf, size_t len, const struct stats_row *r,
		      int top)
{
	struct statsjson_buf b = { buf, len, 0 };

	if (len)
		buf[0] = 0;
	statsjson_heap_add(&b, r, top);
	return b.used;
}

void statsjson_print(FILE *f, const struct stats_table *t,
		     const struct stats_format *fmt)
{
	static char line[STATSJSON_LINE];

	fprintf(f, "{\"keel\":\"stats\",\"time\":%lld.%03ld,\"cgroup\":%d,\"usage\":%llu,\"limit\":%llu",
		(long long)t->time.tv_sec, t->time.tv_nsec / 1000000,
		t->cgroup_version, (unsigned long long)t->usage,
		(unsigned long long)t->limit);
	if (t->have_oom_kills)
		fprintf(f, ",\"oom_kills\":%llu",
			(unsigned long long)t->oom_kills);
	if (t->have_memory_stat)
		fprintf(f, ",\"anon\":%llu,\"file\":%llu,\"kernel\":%llu",
			(unsigned long long)t->ms.anon,
			(unsigned long long)t->ms.file,
			(unsigned long long)t->ms.kernel);
	/* the first keel's soft limit at the top, as in the report */
	fprintf(f, ",\"soft_limit\":%llu,\"keels\":[",
		(unsigned long long)(t->nkeels ? t->keels[0].ctl.limit_bytes : 0));
	for (int i = 0; i < t->nkeels; i++) {
		const struct keel_control *c = &t->keels[i].ctl;

		fprintf(f, "%s{\"keel_pid\":%u,\"soft_limit\":%llu,\"trims\":%u,\"last_trim\":%llu,\"reports\":%u,\"last_report\":%llu,\"deny_growth\":%s,\"report_pending\":%s}",
			i ? "," : "", t->keels[i].pid,
			(unsigned long long)c->limit_bytes, c->trims,
			(unsigned long long)c->last_trim_time, c->reports,
			(unsigned long long)c->last_report_time,
			c->deny_growth ? "true" : "false",
			c->report_pending ? "true" : "false");
	}
	fprintf(f, "],\"rss\":%llu,\"pss\":%llu,\"rss_anon\":%llu,\"in_use\":%llu,\"free_resident\":%llu,\"processes\":[",
		(unsigned long long)t->rss, (unsigned long long)t->pss,
		(unsigned long long)t->rss_anon, (unsigned long long)t->in_use,
		(unsigned long long)t->free_resident);
	for (size_t i = 0; i < t->nrows; i++) {
		statsjson_process(line, sizeof(line), &t->rows[i],
				  fmt->classes ? -1 : 3);
		fprintf(f, "%s%s", i ? "," : "", line);
	}
	fprintf(f, "]}\n");
}
