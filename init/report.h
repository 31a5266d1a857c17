/* report: the memory guard's diagnostic report (limit, usage split into
 * anon/file/kernel, each shimmed process's heap, the largest processes
 * without one) and the OOM post-mortem, so the answer to "where is the
 * memory" is in the log. */
#ifndef KEEL_REPORT_H
#define KEEL_REPORT_H

#include <stdint.h>
#include <sys/types.h>

#include "common/heapstats.h"
#include "init/cgroup.h"

/* KEEL_REPORT as the option table parsed it (stderr, off, or an absolute
 * path the report is appended to); given is the setting as the user wrote
 * it, for the message when the path cannot work (too long, or a folder
 * keel cannot write). Returns 0, or -1 after a fatal message. */
int report_configure(const struct keel_choice *dest, const char *given);

/* Writes the report: one JSON line, then the readable form. why says what
 * set it off; trigger is the usage that set it off, usage is now;
 * oom_kills the cgroup's OOM kills so far. */
void report_memory(const struct keel_cgroup *cg, uint64_t soft_limit,
		   uint64_t trigger, uint64_t usage, uint64_t oom_kills,
		   int stats_dirfd, const char *why);

/* A process died of SIGKILL while the cgroup's OOM-kill counter rose: says
 * so in plain words, then its last published statistics (st may be NULL).
 * name NULL: keel cannot tell which process it was. */
void report_oom_kill(const char *name, pid_t pid, uint64_t limit,
		     const struct keel_heap_stats *st);

/* A process died of SIGSYS: when the application's seccomp filter kills
 * (KEEL_SECCOMP_ACTION=kill), says in plain words that it did and which
 * setting denied the call; a SIGSYS from elsewhere gets a plainer line. */
void report_seccomp_kill(const char *name, pid_t pid);

#endif
