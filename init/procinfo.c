/* procinfo: /proc/<pid> readers (see procinfo.h). Every read is one
 * bounded read(2) into the caller's stack, parsed by common/procstat.c. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "init/procinfo.h"

/* Reads up to len-1 bytes of /proc/<pid>/<what> at offset 0. */
static ssize_t proc_read(pid_t pid, const char *what, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

int proc_stat(pid_t pid, struct keel_proc_stat *out)
{
	char buf[1024];
	ssize_t n = proc_read(pid, "stat", buf, sizeof(buf));

	return n > 0 ? procstat_parse(buf, (size_t)n, out) : -1;
}

int proc_uids(pid_t pid, uint32_t uids[4])
{
	/* "Uid:" is line 9 of status; the command name before it is 64
	 * bytes at most */
	char buf[1024];
	ssize_t n = proc_read(pid, "status", buf, sizeof(buf));

	return n > 0 ? procstat_parse_uids(buf, (size_t)n, uids) : -1;
}

/* statm is "size resident shared ...", in pages. Parsed by hand: sscanf
 * would pull musl's whole scanf (12 KB) into keel. */
int proc_statm(pid_t pid, uint64_t *size, uint64_t *rss)
{
	char buf[128];
	uint64_t v[2] = { 0, 0 };
	const char *p = buf;
	ssize_t n = proc_read(pid, "statm", buf, sizeof(buf));

	if (n <= 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9' && v[i] < (1ull << 52))
			v[i] = v[i] * 10 + (uint64_t)(*p++ - '0');
		if (*p++ != ' ')
			return -1;
	}
	*size = v[0] * (uint64_t)getpagesize();	/* not sysconf: 1 KB */
	*rss = v[1] * (uint64_t)getpagesize();
	return 0;
}

int proc_memory(pid_t pid, struct proc_memory *out)
{
	/* the memory lines come after Groups:, which a root process can
	 * make long; past this, the process is shown without figures */
	char buf[8192];
	uint64_t threads;
	/* kB lines, and Threads: a count. VmRSS: first: a process without
	 * it (a kernel thread) has no memory to show; a later line that is
	 * missing reads 0 */
	const struct {
		const char *key;
		uint64_t *dst;
		unsigned shift;
	} fields[] = {
		{ "VmRSS:", &out->rss, 10 },
		{ "RssAnon:", &out->rss_anon, 10 },
		{ "RssFile:", &out->rss_file, 10 },
		{ "RssShmem:", &out->rss_shmem, 10 },
		{ "Threads:", &threads, 0 },
	};
	ssize_t n = proc_read(pid, "status", buf, sizeof(buf));

	if (n <= 0)
		return -1;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint64_t v = 0;

		if (procstat_field(buf, (size_t)n, fields[i].key, &v) < 0 &&
		    i == 0)
			return -1;
		*fields[i].dst = v << fields[i].shift;
	}
	out->threads = threads > UINT32_MAX ? UINT32_MAX : (uint32_t)threads;
	return 0;
}

int proc_pss(pid_t pid, uint64_t *pss)
{
	char buf[2048];
	uint64_t v;
	ssize_t n = proc_read(pid, "smaps_rollup", buf, sizeof(buf));

	if (n <= 0 || procstat_field(buf, (size_t)n, "Pss:", &v) < 0)
		return -1;
	*pss = v << 10;
	return 0;
}

int proc_is_static(pid_t pid)
{
	/* pairs of (type, value); AT_BASE is where the interpreter was
	 * loaded, 0 when there is none */
	unsigned long aux[128];
	ssize_t n = proc_read(pid, "auxv", (char *)aux, sizeof(aux));

	if (n < (ssize_t)(2 * sizeof(aux[0])))
		return -1;
	for (size_t i = 0; i + 1 < (size_t)n / sizeof(aux[0]); i += 2) {
		if (aux[i] == AT_NULL)
			break;
		if (aux[i] == AT_BASE)
			return aux[i + 1] == 0;
	}
	return -1;
}

int proc_comm(pid_t pid, char *buf, size_t len)
{
	ssize_t n = proc_read(pid, "comm", buf, len);

	if (n <= 0) {
		snprintf(buf, len, "?");
		return -1;
	}
	buf[strcspn(buf, "\n")] = 0;
	for (char *p = buf; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 ||
		    *p == ' ' || (unsigned char)*p >= 0x7f)
			*p = '_';
	return 0;
}

/* A process decides how many mappings it has: past this much of its
 * maps, keel stops looking and calls the answer unknown. */
#define PROC_MAPS_MAX (256 << 10)

int proc_maps_has(pid_t pid, const char *needle)
{
	size_t budget = PROC_MAPS_MAX;

	return proc_maps_has_within(pid, needle, &budget);
}

int proc_maps_has_within(pid_t pid, const char *needle, size_t *budget)
{
	char path[64], buf[4096];
	size_t keep = 0, total = 0, len = strlen(needle);
	size_t max = *budget < PROC_MAPS_MAX ? *budget : PROC_MAPS_MAX;
	int fd, found = 0;
	ssize_t n;

	if (len == 0 || len >= 256 || max == 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	/* each chunk keeps the tail of the last, so a needle split between
	 * two reads is still found */
	while (!found && total < max &&
	       (n = read(fd, buf + keep, sizeof(buf) - keep)) > 0) {
		size_t have = keep + (size_t)n;

		total += (size_t)n;
		found = memmem(buf, have, needle, len) != NULL;
		keep = have < len - 1 ? have : len - 1;
		memmove(buf, buf + have - keep, keep);
	}
	close(fd);
	*budget -= total < *budget ? total : *budget;
	/* nothing readable (not ours to read), or too much to look at */
	if (!found && (total == 0 || total >= max))
		return -1;
	return found;
}

uint64_t proc_pid_namespace(void)
{
	char buf[64];
	ssize_t n = readlink("/proc/self/ns/pid", buf, sizeof(buf) - 1);
	uint64_t v = 0;

	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* "pid:[4026531836]" */
	const char *p = strchr(buf, '[');
	if (!p)
		return 0;
	while (*++p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}
