/* statstext: `keel stats` for people. A header that adds up (the cgroup's
 * usage split the way memory.stat splits it, keel's soft limit and guard
 * state), then one row per process, largest RSS first; --watch adds the
 * growth per minute and a sparkline of RSS, --classes the size classes. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "init/log.h"
#include "init/statsformat.h"

const char *stats_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

/* "3m12s ago", or "never" for a time of 0. */
static const char *statstext_ago(uint64_t then, const struct stats_table *t,
				 char *buf, size_t len)
{
	uint64_t now = (uint64_t)t->time.tv_sec, s;

	if (!then)
		return "never";
	s = now > then ? now - then : 0;
	if (s < 60)
		snprintf(buf, len, "%llus ago", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus ago",
			 (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%lluh%02llum ago",
			 (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60));
	return buf;
}

static void statstext_header(FILE *f, const struct stats_table *t)
{
	char a[32], b[32], c[32], d[32], e[32], tm[32];
	struct tm utc;

	gmtime_r(&t->time.tv_sec, &utc);
	strftime(tm, sizeof(tm), "%Y-%m-%d %H:%M:%S UTC", &utc);
	fprintf(f, "keel stats at %s\n", tm);
	if (!t->cgroup_version) {
		fprintf(f, "memory: no memory cgroup found\n");
	} else {
		fprintf(f, "memory: usage %s", stats_size(t->usage, a, sizeof(a)));
		if (t->limit)
			fprintf(f, " of limit %s (%.0f%%)",
				stats_size(t->limit, b, sizeof(b)),
				100.0 * (double)t->usage / (double)t->limit);
		else
			fprintf(f, ", no limit");
		fprintf(f, " (cgroup v%d)", t->cgroup_version);
		if (t->have_oom_kills && t->oom_kills)
			fprintf(f, ", %llu OOM %s so far",
				(unsigned long long)t->oom_kills,
				KEEL_PLURAL(t->oom_kills, "kill", "kills"));
		fprintf(f, "\n");
	}
	if (t->have_memory_stat) {
		uint64_t parts = t->ms.anon + t->ms.file + t->ms.kernel;

		fprintf(f, "  = %s process memory + %s page cache + %s kernel",
			stats_size(t->ms.anon, a, sizeof(a)),
			stats_size(t->ms.file, b, sizeof(b)),
			stats_size(t->ms.kernel, c, sizeof(c)));
		if (t->usage > parts)
			fprintf(f, " + %s other",
				stats_size(t->usage - parts, d, sizeof(d)));
		fprintf(f, "\n");
	}
	for (int i = 0; i < t->nkeels; i++) {
		const struct keel_control *ctl = &t->keels[i].ctl;

		fprintf(f, "keel pid %u: soft limit %s, %u %s (last %s), %u %s (last %s)%s%s\n",
			t->keels[i].pid,
			ctl->limit_bytes ? stats_size(ctl->limit_bytes, a,
						      sizeof(a)) : "none",
			ctl->trims, KEEL_PLURAL(ctl->trims, "trim", "trims"),
			statstext_ago(ctl->last_trim_time, t, b, sizeof(b)),
			ctl->reports,
			KEEL_PLURAL(ctl->reports, "report", "reports"),
			statstext_ago(ctl->last_report_time, t, c, sizeof(c)),
			ctl->deny_growth ? ", heaps may not grow" : "",
			ctl->report_pending ? ", report pending" : "");
	}
	if (!t->nkeels)
		fprintf(f, "keel: none found (run keel stats in the container keel started, with the same KEEL_STATS_DIR)\n");
	fprintf(f, "processes: %zu (%u with a published heap), RSS %s (anonymous %s), PSS %s; heaps: %s in use, %s free-resident\n",
		t->nrows, t->heaps, stats_size(t->rss, a, sizeof(a)),
		stats_size(t->rss_anon, b, sizeof(b)),
		stats_size(t->pss, c, sizeof(c)),
		stats_size(t->in_use, d, sizeof(d)),
		stats_size(t->free_resident, e, sizeof(e)));
}

/* RSS samples as a line of block characters, lowest to highest; padded
 * to its column when a note follows. */
static void statstext_spark(FILE *f, const struct stats_row *r, int pad)
{
	static const char *const bars[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	uint64_t lo = UINT64_MAX, hi = 0;

	for (int i = 0; i < r->ntrend; i++) {
		lo = r->trend[i] < lo ? r->trend[i] : lo;
		hi = r->trend[i] > hi ? r->trend[i] : hi;
	}
	for (int i = 0; i < STATS_TREND; i++) {
		if (i >= r->ntrend) {
			if (pad)
				fputc(' ', f);
			continue;
		}
		int k = hi > lo ? (int)((r->trend[i] - lo) * 7 / (hi - lo)) : 0;
		fputs(bars[k], f);
	}
}

static void statstext_growth(FILE *f, const struct stats_row *r)
{
	char g[32], s[24];
	double v = r->growth_per_min;

	if (!r->have_growth) {
		fprintf(f, " %11s", "-");
		return;
	}
	snprintf(g, sizeof(g), "%c%s", v < 0 ? '-' : '+',
		 stats_size((uint64_t)(v < 0 ? -v : v), s, sizeof(s)));
	fprintf(f, " %11s", g);
}

static void statstext_row(FILE *f, const struct stats_table *t,
			  const struct stats_row *r,
			  const struct stats_format *fmt, int keel_col)
{
	char a[24], b[24], c[24], d[24], e[24];

	fprintf(f, "%7u ", r->pid);
	if (keel_col)
		fprintf(f, "%5u ", r->keel_pid);
	fprintf(f, "%-15s %10s %10s ", r->command,
		stats_size(r->rss, a, sizeof(a)),
		r->have_pss ? stats_size(r->pss, b, sizeof(b)) : "-");
	if (r->have_heap)
		fprintf(f, "%10s %13s %10s ", stats_size(r->in_use, c, sizeof(c)),
			stats_size(r->free_resident, d, sizeof(d)),
			stats_size(r->heap.returned, e, sizeof(e)));
	else
		fprintf(f, "%10s %13s %10s ", "-", "-", "-");
	if (r->have_heap && r->in_use)
		fprintf(f, "%5.2f", r->fragmentation);
	else
		fprintf(f, "%5s", "-");
	fprintf(f, " %7u", r->threads);
	if (fmt->watch) {
		statstext_growth(f, r);
		fputc(' ', f);
		statstext_spark(f, r, !r->have_heap || r->not_resident);
	}
	if (!r->have_heap)
		fprintf(f, "  %s%s%s", r->no_heap ? r->no_heap : "",
			r->rejected ? ": " : "", r->rejected ? r->rejected : "");
	else if (r->not_resident)
		fprintf(f, "  %s counted in use but not resident",
			stats_size(r->not_resident, a, sizeof(a)));
	fputc('\n', f);
	(void)t;
}

/* --classes: each published heap's size classes in use. */
static void statstext_classes(FILE *f, const struct stats_row *r)
{
	char a[24], b[24];

	fprintf(f, "\npid %u %s, size classes:\n%10s %12s %10s %13s\n", r->pid,
		r->command, "SIZE", "BLOCKS", "IN-USE", "FREE-RESIDENT");
	for (uint32_t i = 0; i < r->heap.nclasses; i++) {
		const struct keel_class_stats *c = &r->heap.classes[i];

		if (!c->blocks_in_use && !c->bytes_free_resident)
			continue;
		fprintf(f, "%10llu %12llu %10s %13s\n",
			(unsigned long long)c->block_size,
			(unsigned long long)c->blocks_in_use,
			stats_size(c->block_size * c->blocks_in_use, a,
				   sizeof(a)),
			stats_size(c->bytes_free_resident, b, sizeof(b)));
	}
}

void statstext_print(FILE *f, const struct stats_table *t,
		     const struct stats_format *fmt)
{
	/* several keels share a PID namespace (a pod's shared process
	 * namespace): then each row says whose it is */
	int keel_col = t->nkeels > 1 || (t->nkeels == 1 && t->keels[0].pid != 1);

	statstext_header(f, t);
	fprintf(f, "%7s ", "PID");
	if (keel_col)
		fprintf(f, "%5s ", "KEEL");
	fprintf(f, "%-15s %10s %10s %10s %13s %10s %5s %7s", "COMMAND", "RSS",
		"PSS", "IN-USE", "FREE-RESIDENT", "RETURNED", "FRAG",
		"THREADS");
	if (fmt->watch)
		fprintf(f, " %11s %-16s", "GROWTH/MIN", "TREND");
	fprintf(f, "  NOTE\n");
	for (size_t i = 0; i < t->nrows; i++)
		statstext_row(f, t, &t->rows[i], fmt, keel_col);
	if (fmt->classes)
		for (size_t i = 0; i < t->nrows; i++)
			if (t->rows[i].have_heap)
				statstext_classes(f, &t->rows[i]);
}
