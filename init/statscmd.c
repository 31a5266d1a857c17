/* statscmd: `keel stats` (see statscmd.h): its arguments and its refresh
 * loop. The figures come from statstable.c, which reads what processes
 * write as PID 1 does; the formats are statstext.c, statsjson.c and
 * statsprom.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/parse.h"
#include "common/printable.h"
#include "init/log.h"
#include "init/statscmd.h"
#include "init/statsformat.h"
#include "init/statshist.h"
#include "init/statstable.h"

#define STATS_USAGE "usage: keel stats [--json | --format text|json|prometheus] [--classes] [--watch [SECONDS]]"

enum stats_output { STATS_TEXT, STATS_JSON, STATS_PROMETHEUS };

struct stats_args {
	int output;		/* enum stats_output */
	struct stats_format fmt;
	uint64_t watch_ms;	/* 0: print once */
};

static const char stats_help[] =
	STATS_USAGE "\n"
	"Prints where the container's memory is, as the OOM killer counts it:\n"
	"the cgroup's usage and limit, split into process memory, page cache\n"
	"and kernel (memory.stat), and its OOM kills so far; keel's soft limit\n"
	"and its guard's trims and reports; then a row for every process of\n"
	"the container, largest RSS first: RSS, PSS (where readable), and the\n"
	"heap keel's allocator publishes: IN-USE (live blocks, resident),\n"
	"FREE-RESIDENT (free but still resident), RETURNED (free and given back\n"
	"to the OS, not resident), FRAG ((in use + free-resident) / in use),\n"
	"THREADS. IN-USE plus FREE-RESIDENT never exceed RSS: what the\n"
	"allocator counts and the kernel does not is shown apart as not\n"
	"resident. A process without a published heap says why: static binary,\n"
	"own allocator, not started by keel, heap below the publishing\n"
	"threshold (4 MiB), statistics rejected.\n"
	"  -j, --json             one JSON line per refresh (schema shared with\n"
	"                         the guard's memory report)\n"
	"  --format FORMAT        text (default), json, or prometheus (the text\n"
	"                         exposition format; not with --watch)\n"
	"  -c, --classes          the heaps' size classes too\n"
	"  -w, --watch [SECONDS]  refresh every SECONDS (0.1-3600, default 2),\n"
	"                         with a timestamp, RSS growth per minute and a\n"
	"                         sparkline of RSS per process\n"
	"Exit status: 0 when figures were printed (also with no shimmed\n"
	"process), 1 when nothing could be read, 2 for bad arguments.\n";

/* -w N, --watch N and --watch=N; a bare one is 2 s. */
static int stats_watch_arg(int argc, char **argv, int *i, uint64_t *ms)
{
	const char *a = argv[*i], *v = "2";
	char q[KEEL_PRINTABLE_MAX];

	if (!strncmp(a, "--watch=", 8))
		v = a + 8;
	else if (*i + 1 < argc && argv[*i + 1][0] >= '0' &&
		 argv[*i + 1][0] <= '9')
		v = argv[++*i];
	if (parse_duration_ms(v, 1000, ms) < 0 || *ms < 100 ||
	    *ms > 3600000) {
		fatal("stats: --watch %s: not a refresh period (accepted: 0.1-3600 seconds)",
		      printable(q, sizeof(q), v));
		return -1;
	}
	return 0;
}

static int stats_format_arg(const char *v, struct stats_args *sa)
{
	char q[KEEL_PRINTABLE_MAX];

	if (!strcmp(v, "text"))
		sa->output = STATS_TEXT;
	else if (!strcmp(v, "json"))
		sa->output = STATS_JSON;
	else if (!strcmp(v, "prometheus"))
		sa->output = STATS_PROMETHEUS;
	else {
		fatal("stats: --format %s: not a format (accepted: text, json, prometheus)",
		      printable(q, sizeof(q), v));
		return -1;
	}
	return 0;
}

/* 0, 1 after --help, or -1 after one fatal line. */
static int stats_parse(int argc, char **argv, struct stats_args *sa)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json") || !strcmp(a, "-j")) {
			sa->output = STATS_JSON;
		} else if (!strcmp(a, "--classes") || !strcmp(a, "-c")) {
			sa->fmt.classes = 1;
		} else if (!strcmp(a, "--format") && i + 1 < argc) {
			if (stats_format_arg(argv[++i], sa) < 0)
				return -1;
		} else if (!strncmp(a, "--format=", 9)) {
			if (stats_format_arg(a + 9, sa) < 0)
				return -1;
		} else if (!strcmp(a, "--watch") || !strcmp(a, "-w") ||
			   !strncmp(a, "--watch=", 8)) {
			if (stats_watch_arg(argc, argv, &i, &sa->watch_ms) < 0)
				return -1;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(stats_help, stdout);
			return 1;
		} else {
			char q[KEEL_PRINTABLE_MAX];

			fatal("stats: unknown argument: %s (" STATS_USAGE ")",
			      printable(q, sizeof(q), a));
			return -1;
		}
	}
	if (sa->watch_ms && sa->output == STATS_PROMETHEUS) {
		fatal("stats: --watch with --format prometheus: a scrape is one exposition (accepted: --watch with text or json)");
		return -1;
	}
	sa->fmt.watch = sa->watch_ms != 0;
	return 0;
}

static void stats_sleep(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int stats_main(int argc, char **argv)
{
	struct stats_args sa = { 0 };
	struct statshist hist = { 0 };
	struct stats_table t;
	int rc, warned = 0;

	rc = stats_parse(argc, argv, &sa);
	if (rc)
		return rc < 0 ? 2 : 0;
	for (;;) {
		rc = statstable_collect(&t, 1);
		if (rc < 0)
			error("stats: nothing could be read: no memory cgroup and no process in /proc");
		else if (!t.nkeels && !warned++)
			warning("stats: no keel found: run it in the container keel started, with the same KEEL_STATS_DIR");
		if (rc == 0 && sa.watch_ms)
			statshist_update(&hist, &t);
		if (rc == 0 && sa.output == STATS_JSON)
			statsjson_print(stdout, &t, &sa.fmt);
		else if (rc == 0 && sa.output == STATS_PROMETHEUS)
			statsprom_print(stdout, &t, &sa.fmt);
		else if (rc == 0)
			statstext_print(stdout, &t, &sa.fmt);
		statstable_free(&t);
		if (!sa.watch_ms)
			break;
		if (sa.output == STATS_TEXT)
			fputc('\n', stdout);
		fflush(stdout);
		stats_sleep(sa.watch_ms);
	}
	statshist_free(&hist);
	if (fflush(stdout))
		return 1;
	return rc < 0 ? 1 : 0;
}
