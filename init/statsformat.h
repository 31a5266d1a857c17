/* statsformat: the three ways `keel stats` prints a table (statstable.h):
 * text for people, JSON for log pipelines (the schema the guard's memory
 * report shares), and the Prometheus text exposition format for scrapers.
 * Names and units: docs/configuration.md, "keel stats". */
#ifndef KEEL_STATSFORMAT_H
#define KEEL_STATSFORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "init/statstable.h"

struct stats_format {
	int classes;		/* --classes: per size class too */
	int watch;		/* --watch: growth and trend columns */
};

/* "301.2 MiB" style text for byte counts. */
const char *stats_size(uint64_t bytes, char *buf, size_t len);

void statstext_print(FILE *f, const struct stats_table *t,
		     const struct stats_format *fmt);

/* One JSON line per table. */
void statsjson_print(FILE *f, const struct stats_table *t,
		     const struct stats_format *fmt);

/* One process as a JSON object into buf (NUL-terminated, cut at len);
 * top > 0 lists the top largest size classes, -1 every class in use.
 * Returns the length written. Shared with the guard's report. */
size_t statsjson_process(char *buf, size_t len, const struct stats_row *r,
			 int top);

/* Only the heap's fields, each after a comma: for the OOM post-mortem's
 * object, which names the process itself. */
size_t statsjson_heap(char *buf, size_t len, const struct stats_row *r,
		      int top);

void statsprom_print(FILE *f, const struct stats_table *t,
		     const struct stats_format *fmt);

#endif
