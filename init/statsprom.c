/* statsprom: `keel stats --format prometheus`, the Prometheus text
 * exposition format (version 0.0.4), for a sidecar or a node-exporter
 * textfile collector. Each metric family once, its HELP and TYPE first,
 * then its samples; the names are documented in docs/configuration.md. */
#include <stdio.h>
#include <string.h>

#include "init/statsformat.h"

/* A label value: backslash, double quote and newline escaped, as the
 * format asks (command names are cleaned already; this keeps it so). */
static void statsprom_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void statsprom_family(FILE *f, const char *name, const char *type,
			     const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void statsprom_process_labels(FILE *f, const struct stats_row *r)
{
	fprintf(f, "{pid=\"%u\",keel_pid=\"%u\",command=\"", r->pid,
		r->keel_pid);
	statsprom_label(f, r->command);
	fputc('"', f);
}

enum statsprom_metric {
	PROM_RSS, PROM_RSS_ANON, PROM_PSS, PROM_THREADS, PROM_IN_USE,
	PROM_FREE_RESIDENT, PROM_NOT_RESIDENT, PROM_RETURNED, PROM_FRAG,
	PROM_TRIMS, PROM_NMETRICS
};

static const struct {
	const char *name, *type, *help;
} statsprom_metrics[PROM_NMETRICS] = {
	[PROM_RSS] = { "keel_process_rss_bytes", "gauge",
		"Resident set size of the process (VmRSS)." },
	[PROM_RSS_ANON] = { "keel_process_rss_anon_bytes", "gauge",
		"Anonymous resident memory of the process (RssAnon)." },
	[PROM_PSS] = { "keel_process_pss_bytes", "gauge",
		"Proportional set size (smaps_rollup), where readable." },
	[PROM_THREADS] = { "keel_process_threads", "gauge",
		"Threads of the process." },
	[PROM_IN_USE] = { "keel_heap_in_use_bytes", "gauge",
		"Heap bytes in live blocks and resident." },
	[PROM_FREE_RESIDENT] = { "keel_heap_free_resident_bytes", "gauge",
		"Heap bytes free but still resident." },
	[PROM_NOT_RESIDENT] = { "keel_heap_not_resident_bytes", "gauge",
		"Heap bytes the allocator counts but the kernel does not count resident." },
	[PROM_RETURNED] = { "keel_heap_returned_bytes", "gauge",
		"Heap bytes free and given back to the OS (not resident now)." },
	[PROM_FRAG] = { "keel_heap_fragmentation_ratio", "gauge",
		"(in use + free-resident) / in use." },
	[PROM_TRIMS] = { "keel_heap_trims_total", "counter",
		"Full trims the heap has done." },
};

/* A process's value of metric m: 0, or -1 when it has none. */
static int statsprom_value(const struct stats_row *r, int m, double *v)
{
	switch (m) {
	case PROM_RSS: *v = (double)r->rss; return 0;
	case PROM_RSS_ANON: *v = (double)r->rss_anon; return 0;
	case PROM_PSS: *v = (double)r->pss; return r->have_pss ? 0 : -1;
	case PROM_THREADS: *v = r->threads; return 0;
	}
	if (!r->have_heap)
		return -1;
	switch (m) {
	case PROM_IN_USE: *v = (double)r->in_use; break;
	case PROM_FREE_RESIDENT: *v = (double)r->free_resident; break;
	case PROM_NOT_RESIDENT: *v = (double)r->not_resident; break;
	case PROM_RETURNED: *v = (double)r->heap.returned; break;
	case PROM_FRAG: *v = r->fragmentation; break;
	default: *v = (double)r->heap.trims; break;
	}
	return 0;
}

static void statsprom_container(FILE *f, const struct stats_table *t)
{
	if (t->cgroup_version) {
		statsprom_family(f, "keel_cgroup_memory_usage_bytes", "gauge",
				 "Memory usage of the container's cgroup.");
		fprintf(f, "keel_cgroup_memory_usage_bytes %llu\n",
			(unsigned long long)t->usage);
	}
	if (t->limit) {
		statsprom_family(f, "keel_cgroup_memory_limit_bytes", "gauge",
				 "Memory limit of the container's cgroup.");
		fprintf(f, "keel_cgroup_memory_limit_bytes %llu\n",
			(unsigned long long)t->limit);
	}
	if (t->have_oom_kills) {
		statsprom_family(f, "keel_cgroup_oom_kills_total", "counter",
				 "Processes of the container's cgroup the OOM killer killed.");
		fprintf(f, "keel_cgroup_oom_kills_total %llu\n",
			(unsigned long long)t->oom_kills);
	}
	if (t->have_memory_stat) {
		statsprom_family(f, "keel_cgroup_memory_stat_bytes", "gauge",
				 "The cgroup's usage by kind (memory.stat): anon, file (page cache), kernel.");
		fprintf(f, "keel_cgroup_memory_stat_bytes{kind=\"anon\"} %llu\n"
			"keel_cgroup_memory_stat_bytes{kind=\"file\"} %llu\n"
			"keel_cgroup_memory_stat_bytes{kind=\"kernel\"} %llu\n",
			(unsigned long long)t->ms.anon,
			(unsigned long long)t->ms.file,
			(unsigned long long)t->ms.kernel);
	}
}

static void statsprom_keels(FILE *f, const struct stats_table *t)
{
	if (!t->nkeels)
		return;
	statsprom_family(f, "keel_soft_limit_bytes", "gauge",
			 "The soft limit keel's memory guard keeps (0: none).");
	for (int i = 0; i < t->nkeels; i++)
		fprintf(f, "keel_soft_limit_bytes{keel_pid=\"%u\"} %llu\n",
			t->keels[i].pid,
			(unsigned long long)t->keels[i].ctl.limit_bytes);
	statsprom_family(f, "keel_guard_trims_total", "counter",
			 "Times the guard asked every shimmed process to trim.");
	for (int i = 0; i < t->nkeels; i++)
		fprintf(f, "keel_guard_trims_total{keel_pid=\"%u\"} %u\n",
			t->keels[i].pid, t->keels[i].ctl.trims);
	statsprom_family(f, "keel_guard_reports_total", "counter",
			 "Memory reports the guard wrote.");
	for (int i = 0; i < t->nkeels; i++)
		fprintf(f, "keel_guard_reports_total{keel_pid=\"%u\"} %u\n",
			t->keels[i].pid, t->keels[i].ctl.reports);
	statsprom_family(f, "keel_guard_last_trim_timestamp_seconds", "gauge",
			 "Unix time of the guard's last trim (0: never).");
	for (int i = 0; i < t->nkeels; i++)
		fprintf(f, "keel_guard_last_trim_timestamp_seconds{keel_pid=\"%u\"} %llu\n",
			t->keels[i].pid,
			(unsigned long long)t->keels[i].ctl.last_trim_time);
}

static void statsprom_classes(FILE *f, const struct stats_table *t, int free)
{
	if (free)
		statsprom_family(f, "keel_heap_class_free_resident_bytes",
				 "gauge", "Free-resident bytes per size class.");
	else
		statsprom_family(f, "keel_heap_class_in_use_bytes", "gauge",
				 "Bytes in use per size class.");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct stats_row *r = &t->rows[i];

		for (uint32_t k = 0; r->have_heap && k < r->heap.nclasses; k++) {
			const struct keel_class_stats *c = &r->heap.classes[k];

			if (!c->blocks_in_use && !c->bytes_free_resident)
				continue;
			fprintf(f, "%s", free ?
				"keel_heap_class_free_resident_bytes" :
				"keel_heap_class_in_use_bytes");
			statsprom_process_labels(f, r);
			fprintf(f, ",size=\"%llu\"} %llu\n",
				(unsigned long long)c->block_size,
				(unsigned long long)(free ?
				c->bytes_free_resident :
				c->block_size * c->blocks_in_use));
		}
	}
}

void statsprom_print(FILE *f, const struct stats_table *t,
		     const struct stats_format *fmt)
{
	double v;

	statsprom_container(f, t);
	statsprom_keels(f, t);
	statsprom_family(f, "keel_process_heap_published", "gauge",
			 "1 when the process publishes its heap; else 0 and the reason.");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct stats_row *r = &t->rows[i];

		fputs("keel_process_heap_published", f);
		statsprom_process_labels(f, r);
		fputs(",reason=\"", f);
		statsprom_label(f, r->have_heap || !r->no_heap ? "" : r->no_heap);
		fprintf(f, "\"} %d\n", r->have_heap);
	}
	for (int m = 0; m < PROM_NMETRICS; m++) {
		statsprom_family(f, statsprom_metrics[m].name,
				 statsprom_metrics[m].type,
				 statsprom_metrics[m].help);
		for (size_t i = 0; i < t->nrows; i++) {
			if (statsprom_value(&t->rows[i], m, &v) < 0)
				continue;
			fputs(statsprom_metrics[m].name, f);
			statsprom_process_labels(f, &t->rows[i]);
			fprintf(f, "} %.17g\n", v);
		}
	}
	if (fmt->classes) {
		statsprom_classes(f, t, 0);
		statsprom_classes(f, t, 1);
	}
}
