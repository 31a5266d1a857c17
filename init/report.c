/* report: formats the guard's diagnostic report and the OOM post-mortem.
 * A JSON line for log pipelines and a readable form for people, written in
 * one go to stderr or appended to KEEL_REPORT's file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/parse.h"
#include "common/printable.h"
#include "init/clock.h"
#include "init/log.h"
#include "init/options.h"
#include "init/report.h"
#include "init/seccomp.h"
#include "init/heapscan.h"
#include "init/procinfo.h"
#include "init/heapfile.h"
#include "init/statsformat.h"
#include "init/statstable.h"

#define REPORT_MAX 32768
#define REPORT_TOP_CLASSES 3
/* Processes without published heap statistics (not shimmed, another
 * allocator, a static binary): the largest few by RSS are listed too, so a
 * sidecar or a Go program that holds the memory shows in the report. The
 * walk of /proc is bounded: a container full of processes costs PID 1 at
 * most this many reads of statm per report. */
#define REPORT_OTHERS 5
#define REPORT_OTHERS_SCAN_MAX 4096
/* the pids listed with a heap, so they are not listed twice */
#define REPORT_HEAPS_MAX 1024
/* The statistics folder is read for at most this long a report: any
 * process may plant files there, and 400,000 of them took 4 s to read,
 * while the guard's thread, which reports, trimmed nothing. */
#define REPORT_SCAN_MS 250

static enum { REPORT_STDERR, REPORT_OFF, REPORT_FILE } report_dest;
static char report_path[4096];

/* Text and JSON are built side by side, then written at once so a
 * report is never interleaved with the application's own lines. */
struct report_buf {
	char text[REPORT_MAX];
	char json[REPORT_MAX];
	size_t tlen, jlen;
};

static struct report_buf report_buf;

static struct {
	uint32_t pid[REPORT_HEAPS_MAX];
	size_t n;
} report_heaps;

__attribute__((format(printf, 3, 4)))
static void report_add(char *buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= REPORT_MAX - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, REPORT_MAX - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < REPORT_MAX - *len ? (size_t)n :
			REPORT_MAX - 1 - *len;
}

#define TEXT(...) report_add(rb->text, &rb->tlen, __VA_ARGS__)
#define JSON(...) report_add(rb->json, &rb->jlen, __VA_ARGS__)

int report_configure(const struct keel_choice *dest, const char *given)
{
	if (dest->word == KEEL_REPORT_STDERR) {
		report_dest = REPORT_STDERR;
		return 0;
	}
	if (dest->word == KEEL_REPORT_OFF) {
		report_dest = REPORT_OFF;
		return 0;
	}
	if (strlen(dest->text) >= sizeof(report_path)) {
		fatal("%s: a path too long (accepted: up to %zu bytes)", given,
		      sizeof(report_path) - 1);
		return -1;
	}
	snprintf(report_path, sizeof(report_path), "%s", dest->text);
	/* checked now, not when the guard fires and the report would be lost */
	char *slash = strrchr(report_path, '/');
	*slash = 0;
	if (access(*report_path ? report_path : "/", W_OK | X_OK) < 0) {
		char q[KEEL_PRINTABLE_MAX];

		fatal("%s: the folder %s cannot be written: %s (accepted: stderr, off, or a file in a folder keel can write)",
		      given, printable(q, sizeof(q),
				       *report_path ? report_path : "/"),
		      strerror(errno));
		return -1;
	}
	*slash = '/';
	report_dest = REPORT_FILE;
	return 0;
}

static void report_flush(struct report_buf *rb)
{
	int fd = STDERR_FILENO;

	if (report_dest == REPORT_OFF)
		return;
	if (report_dest == REPORT_FILE) {
		fd = open(report_path, O_WRONLY | O_APPEND | O_CREAT |
			  O_CLOEXEC | O_NOCTTY, 0644);
		if (fd < 0) {
			char q[KEEL_PRINTABLE_MAX];

			warning("unable to append the memory report to %s: %s",
				printable(q, sizeof(q), report_path),
				strerror(errno));
			return;
		}
	}
	if (fd == STDERR_FILENO) {
		log_report(rb->json, rb->jlen);
		log_report(rb->text, rb->tlen);
		return;
	}
	log_write_all(fd, rb->json, rb->jlen);
	log_write_all(fd, rb->text, rb->tlen);
	close(fd);
}

static double report_mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

/* The largest size classes, in words. */
static void report_top_classes(struct report_buf *rb,
			       const struct keel_heap_stats *st,
			       const char *indent)
{
	int top[REPORT_TOP_CLASSES], n;

	n = heapfile_top_classes(st, top, REPORT_TOP_CLASSES);
	if (n)
		TEXT("%slargest size classes:", indent);
	for (int i = 0; i < n; i++) {
		const struct keel_class_stats *c = &st->classes[top[i]];

		TEXT(" %llu B x %llu = %.1f MiB%s",
		     (unsigned long long)c->block_size,
		     (unsigned long long)c->blocks_in_use,
		     report_mib(c->block_size * c->blocks_in_use),
		     i + 1 < n ? "," : "\n");
	}
}

/* The last heap a dead process published, for both forms (the
 * post-mortem): as published, since it has no RSS left to weigh it by. */
static void report_last_heap(struct report_buf *rb, pid_t pid,
			     const char *name, const struct keel_heap_stats *st)
{
	static char obj[8192];
	static struct stats_row r;

	memset(&r, 0, sizeof(r));
	r.pid = (uint32_t)pid;
	r.keel_pid = (uint32_t)getpid();
	snprintf(r.command, sizeof(r.command), "%s", name);
	statstable_set_heap(&r, st);	/* no RSS: as published */
	TEXT("keel: report:     heap: %.1f MiB in use, %.1f MiB free-resident, %.1f MiB returned, fragmentation %.2f, %u %s on the heap, %llu %s\n",
	     report_mib(r.in_use), report_mib(r.free_resident),
	     report_mib(st->returned), r.fragmentation, st->threads,
	     KEEL_PLURAL(st->threads, "thread", "threads"),
	     (unsigned long long)st->trims,
	     KEEL_PLURAL(st->trims, "trim", "trims"));
	report_top_classes(rb, st, "keel: report:     ");
	statsjson_heap(obj, sizeof(obj), &r, REPORT_TOP_CLASSES);
	JSON("%s", obj);
}

/* A process object into the array report_memory opened: commas between. */
static void report_json_process(struct report_buf *rb, const char *obj)
{
	JSON("%s%s", rb->json[rb->jlen - 1] == '[' ? "" : ",", obj);
}

/* One process of the report: the row `keel stats` would print for it
 * (statstable.h), so that both say the same in the same terms. */
static void report_process(const struct keel_heap_stats *st, void *arg)
{
	static char obj[8192];
	static struct stats_row r;
	struct report_buf *rb = arg;

	if (statstable_row(&r, st->pid, 0) < 0) {
		/* gone since the scan: its heap as published */
		memset(&r, 0, sizeof(r));
		r.pid = st->pid;
		proc_comm((pid_t)st->pid, r.command, sizeof(r.command));
	}
	r.keel_pid = (uint32_t)getpid();
	statstable_set_heap(&r, st);
	if (report_heaps.n < REPORT_HEAPS_MAX)
		report_heaps.pid[report_heaps.n++] = st->pid;
	TEXT("keel: report:   pid %u %s: rss %.1f MiB\n", r.pid, r.command,
	     report_mib(r.rss));
	TEXT("keel: report:     heap: %.1f MiB in use, %.1f MiB free-resident, %.1f MiB returned, fragmentation %.2f, %u %s on the heap, %llu %s",
	     report_mib(r.in_use), report_mib(r.free_resident),
	     report_mib(st->returned), r.fragmentation, st->threads,
	     KEEL_PLURAL(st->threads, "thread", "threads"),
	     (unsigned long long)st->trims,
	     KEEL_PLURAL(st->trims, "trim", "trims"));
	if (r.not_resident)
		TEXT("; %.1f MiB counted in use but not resident",
		     report_mib(r.not_resident));
	TEXT("\n");
	report_top_classes(rb, st, "keel: report:     ");
	statsjson_process(obj, sizeof(obj), &r, REPORT_TOP_CLASSES);
	report_json_process(rb, obj);
}

static int report_listed(uint32_t pid)
{
	for (size_t i = 0; i < report_heaps.n; i++)
		if (report_heaps.pid[i] == pid)
			return 1;
	return 0;
}

struct report_other {
	uint32_t pid;
	uint64_t rss;
};

/* Whether pid is charged to the guarded cgroup: /proc shows more than the
 * container where keel is not PID 1 of its own namespace (a pod sharing
 * one PID namespace, --pid=host), and those processes count elsewhere.
 * mine NULL: keel's own path is unknown, and nobody is left out. */
static int report_in_cgroup(const struct keel_cgroup *cg, const char *mine,
			    pid_t pid)
{
	char theirs[PATH_MAX];

	return !mine || (cgroup_path_of(cg->version, pid, theirs,
					sizeof(theirs)) == 0 &&
			 cgroup_path_within(theirs, mine));
}

/* The largest processes of the cgroup (in keel's /proc) that were not
 * listed with a heap, largest first, into top[REPORT_OTHERS]. */
static int report_find_others(const struct keel_cgroup *cg,
			      struct report_other *top)
{
	static char mine_buf[PATH_MAX];
	const char *mine = cgroup_path_of(cg->version, 0, mine_buf,
					  sizeof(mine_buf)) == 0 ?
			   mine_buf : NULL;
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0, scanned = 0;

	if (!d)
		return 0;
	while (scanned < REPORT_OTHERS_SCAN_MAX && (de = readdir(d))) {
		uint64_t pid, size, rss;
		int i;

		if (parse_u64(de->d_name, &pid) < 0 || !pid ||
		    pid > 0x7fffffff || pid == (uint64_t)getpid())
			continue;
		scanned++;
		/* a kernel thread or a process whose memory is gone: 0 */
		if (proc_statm((pid_t)pid, &size, &rss) < 0 || !rss ||
		    (n == REPORT_OTHERS && rss <= top[n - 1].rss) ||
		    report_listed((uint32_t)pid) ||
		    !report_in_cgroup(cg, mine, (pid_t)pid))
			continue;
		if (n < REPORT_OTHERS)
			n++;
		for (i = n - 1; i > 0 && top[i - 1].rss < rss; i--)
			top[i] = top[i - 1];
		top[i] = (struct report_other){ (uint32_t)pid, rss };
	}
	closedir(d);
	return n;
}

/* Whether keel started pid (its parents lead to keel), as keel_pid says
 * in keel stats: a process that docker exec started is in the cgroup but
 * not keel's. At most 64 steps up. */
static int report_descends(uint32_t pid)
{
	struct keel_proc_stat ps;
	uint32_t self = (uint32_t)getpid();

	for (int i = 0; i < 64 && pid > 1 && pid != self; i++) {
		if (proc_stat((pid_t)pid, &ps) < 0)
			return 0;
		pid = ps.ppid;
	}
	return pid == self;
}

static void report_others(struct report_buf *rb, const struct keel_cgroup *cg)
{
	static char obj[4096];
	static struct stats_row r;
	struct report_other top[REPORT_OTHERS];
	int n = report_find_others(cg, top);

	for (int i = 0; i < n; i++) {
		if (statstable_row(&r, top[i].pid, 0) < 0 || !r.rss)
			continue;	/* gone since */
		r.keel_pid = report_descends(r.pid) ? (uint32_t)getpid() : 0;
		r.no_heap = "not published";
		TEXT("keel: report:   pid %u %s: rss %.1f MiB, no heap statistics (keel stats says why)\n",
		     r.pid, r.command, report_mib(r.rss));
		statsjson_process(obj, sizeof(obj), &r, 0);
		report_json_process(rb, obj);
	}
}

void report_memory(const struct keel_cgroup *cg, uint64_t soft_limit,
		   uint64_t trigger, uint64_t usage, uint64_t oom_kills,
		   int stats_dirfd, const char *why)
{
	struct report_buf *rb = &report_buf;
	struct keel_memory_stat ms = { 0 };
	struct heapscan_result res = { 0 };

	if (report_dest == REPORT_OFF)
		return;
	rb->tlen = rb->jlen = 0;
	cgroup_memory_stat(cg, &ms);
	TEXT("keel: report: %s: usage %.1f MiB (%.1f MiB when it crossed), soft limit %.1f MiB, cgroup limit %.1f MiB",
	     why, report_mib(usage), report_mib(trigger),
	     report_mib(soft_limit), report_mib(cg->limit));
	if (cg->high)
		TEXT(", memory.high %.1f MiB", report_mib(cg->high));
	if (oom_kills)
		TEXT(", %llu OOM %s so far", (unsigned long long)oom_kills,
		     KEEL_PLURAL(oom_kills, "kill", "kills"));
	TEXT("\n");
	TEXT("keel: report:   cgroup memory: %.1f MiB process memory, %.1f MiB page cache, %.1f MiB kernel\n",
	     report_mib(ms.anon), report_mib(ms.file), report_mib(ms.kernel));
	JSON("{\"keel\":\"memory-report\",\"time\":%lld,\"reason\":\"%s\",\"trigger_usage\":%llu,\"usage\":%llu,\"soft_limit\":%llu,\"limit\":%llu,\"high\":%llu,\"oom_kills\":%llu,\"anon\":%llu,\"file\":%llu,\"kernel\":%llu,\"processes\":[",
	     (long long)time(NULL), why, (unsigned long long)trigger,
	     (unsigned long long)usage,
	     (unsigned long long)soft_limit, (unsigned long long)cg->limit,
	     (unsigned long long)cg->high, (unsigned long long)oom_kills,
	     (unsigned long long)ms.anon, (unsigned long long)ms.file,
	     (unsigned long long)ms.kernel);
	report_heaps.n = 0;
	if (stats_dirfd >= 0)
		heapscan_each(stats_dirfd, HEAPSCAN_SWEEP, report_process, rb,
			      clock_now_ms() + REPORT_SCAN_MS, &res);
	if (res.cut)
		TEXT("keel: report:   the statistics folder was not read to its end in %d ms (%u entries read: planted files?): heaps past them are not listed\n",
		     REPORT_SCAN_MS, res.entries);
	report_others(rb, cg);
	JSON(res.cut ? "],\"heaps_cut\":true}\n" : "]}\n");
	report_flush(rb);
}

void report_oom_kill(const char *name, pid_t pid, uint64_t limit,
		     const struct keel_heap_stats *st)
{
	struct report_buf *rb = &report_buf;

	if (!name) {
		error("a process in the container was killed by the OOM killer at %.0f MiB",
		      report_mib(limit));
		return;
	}
	if (!st) {
		error("%s (pid %d) was killed by the OOM killer at %.0f MiB; no heap statistics (not shimmed by keel)",
		      name, (int)pid, report_mib(limit));
		return;
	}
	error("%s (pid %d) was killed by the OOM killer at %.0f MiB; heap: %.0f MiB in use, %.0f MiB free-resident",
	      name, (int)pid, report_mib(limit), report_mib(st->in_use),
	      report_mib(st->free_resident));
	rb->tlen = rb->jlen = 0;
	TEXT("keel: report:   last heap statistics of pid %d:\n", (int)pid);
	JSON("{\"keel\":\"oom-kill\",\"time\":%lld,\"pid\":%d,\"command\":\"%s\",\"limit\":%llu",
	     (long long)time(NULL), (int)pid, name,
	     (unsigned long long)limit);
	report_last_heap(rb, pid, name, st);
	JSON("}\n");
	report_flush(rb);
}

/* The kernel kills with SIGSYS for KEEL_SECCOMP_ACTION=kill, and the app
 * dies without a word of its own: name the setting that denied the call. */
void report_seccomp_kill(const char *name, pid_t pid)
{
	const char *deny = keel_opts.seccomp_deny;
	int mode_on = keel_opts.seccomp.word != KEEL_SECCOMP_OFF;
	int deny_on = deny && *deny;

	if (keel_opts.seccomp_action.word != KEEL_SECCOMP_KILL ||
	    (!mode_on && !deny_on)) {
		error("%s (pid %d) was killed by SIGSYS (bad system call)",
		      name, (int)pid);
		return;
	}
	/* as the user gave them: "KEEL_SECCOMP=strict" or "--seccomp strict" */
	error("%s (pid %d) was killed by seccomp (SIGSYS): it made a system call %s%s%s denies",
	      name, (int)pid, mode_on ? options_given(&keel_opts.seccomp) : "",
	      mode_on && deny_on ? " or " : "",
	      deny_on ? options_given(&keel_opts.seccomp_deny) : "");
}
