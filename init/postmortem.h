/* postmortem: when the OOM killer takes a process, says which one and
 * what its heap held, from the statistics it last published. In two
 * halves: the reaper learns who died while the zombie is still there,
 * the guard thread reads the folder and reports. */
#ifndef KEEL_POSTMORTEM_H
#define KEEL_POSTMORTEM_H

#include <sys/types.h>

#include "init/cgroup.h"
#include "init/heapfile.h"

/* The cgroup whose OOM-kill counter tells the OOM killer's SIGKILL from
 * others (kept by the caller, limits updated in place). */
void postmortem_init(const struct keel_cgroup *cg);

/* keel sends SIGKILL to every process left (the end of the grace
 * period): from then on a SIGKILL death is not the OOM killer's doing. */
void postmortem_killing_all(void);

/* Who the OOM killer took, as /proc said before the reap. */
struct postmortem {
	int by_keel;		/* during keel's own SIGKILL sweep: no name */
	pid_t pid;
	char comm[32];
	struct heapfile_proc who;	/* who.pid 0: /proc said nothing */
};

/* A child died (waitid WNOWAIT: not reaped yet, its /proc entry still
 * there): 1 and *pm if the OOM killer took it, else 0. Reads only /proc
 * and the cgroup's counter, never the statistics folder. */
int postmortem_due(pid_t pid, int code, int sig, struct postmortem *pm);

/* The report: the victim's last statistics from the folder, if any. */
void postmortem_report(const struct postmortem *pm);

#endif
