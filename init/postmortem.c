/* postmortem: an OOM kill explained (see postmortem.h). The victim is
 * named as it was when it died and with the heap it last published; the
 * OOM-kill counter rising tells the OOM killer's SIGKILL from others. */
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>

#include "common/heapstats.h"
#include "init/heapscan.h"
#include "init/postmortem.h"
#include "init/procinfo.h"
#include "init/report.h"
#include "init/statsdir.h"

static struct {
	const struct keel_cgroup *cg;
	uint64_t oom_kills;	/* the counter at the last post-mortem */
	int killed_by_keel;	/* keel's own SIGKILL sweep ran */
} pm;

void postmortem_init(const struct keel_cgroup *cg)
{
	pm.cg = cg;
	cgroup_oom_kills(cg, &pm.oom_kills);
}

void postmortem_killing_all(void)
{
	pm.killed_by_keel = 1;
}

void postmortem_process_dying(pid_t pid, int code, int sig)
{
	struct keel_heap_stats st;
	char comm[32];
	uint64_t kills;
	int have;

	if (!pm.cg || code != CLD_KILLED || sig != SIGKILL ||
	    cgroup_oom_kills(pm.cg, &kills) < 0 || kills <= pm.oom_kills)
		return;
	pm.oom_kills = kills;
	/* SIGKILL from keel's own sweep: the OOM killer's victim may be any
	 * process, so no name is better than a wrong one */
	if (pm.killed_by_keel) {
		report_oom_kill(NULL, 0, pm.cg->limit, NULL);
		return;
	}
	proc_comm(pid, comm, sizeof(comm));
	have = statsdir_fd() >= 0 &&
	       heapscan_find(statsdir_fd(), pid, &st) == 0;
	report_oom_kill(comm, pid, pm.cg->limit, have ? &st : NULL);
}
