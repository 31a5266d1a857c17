/* procinfo: what keel reads of /proc/<pid>: the state, parent and start
 * time, the user ids, the address-space and resident sizes, the command
 * name. Short reads into stack buffers, no stdio; a process can change
 * its own command name, so that one is cleaned before it is printed. */
#ifndef KEEL_PROCINFO_H
#define KEEL_PROCINFO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/procstat.h"

/* /proc/<pid>/stat: 0, or -1 when the process is gone (or the text is
 * not what the kernel writes). A zombie still has one: state 'Z'. */
int proc_stat(pid_t pid, struct keel_proc_stat *out);

/* Real, effective, saved and filesystem uid, from /proc/<pid>/status. */
int proc_uids(pid_t pid, uint32_t uids[4]);

/* /proc/<pid>/statm: the address space and the resident size, in bytes. */
int proc_statm(pid_t pid, uint64_t *size, uint64_t *rss);

/* What /proc/<pid>/status says of a process's memory, in bytes. */
struct proc_memory {
	uint64_t rss, rss_anon, rss_file, rss_shmem;
	uint32_t threads;
};

/* 0, or -1 when the process is gone or has no memory (a kernel thread). */
int proc_memory(pid_t pid, struct proc_memory *out);

/* The proportional set size from /proc/<pid>/smaps_rollup: 0, or -1 when
 * it is not ours to read (another user's process, without ptrace rights). */
int proc_pss(pid_t pid, uint64_t *pss);

/* Whether the process runs a static executable (no program interpreter:
 * AT_BASE is 0 in /proc/<pid>/auxv): 1 yes, 0 no, -1 unknown. */
int proc_is_static(pid_t pid);

/* /proc/<pid>/comm with quotes, backslashes, spaces and control
 * characters made '_' (it goes into columns and JSON); "?" when gone. */
int proc_comm(pid_t pid, char *buf, size_t len);

/* Whether needle (under 256 bytes) is in /proc/<pid>/maps: 1 yes, 0 no,
 * -1 unknown (maps not ours to read, or longer than keel reads). */
int proc_maps_has(pid_t pid, const char *needle);

/* proc_maps_has reading at most *budget bytes, which it takes from
 * *budget: a scan of many processes bounds what they all cost together. */
int proc_maps_has_within(pid_t pid, const char *needle, size_t *budget);

/* The inode of this process's PID namespace (/proc/self/ns/pid), or 0. */
uint64_t proc_pid_namespace(void);

#endif
