/* postmortem: an OOM kill explained (see postmortem.h). The victim is
 * named as it was when it died and with the heap it last published; the
 * OOM-kill counter rising tells the OOM killer's SIGKILL from others. */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

#include "common/heapstats.h"
#include "init/heapscan.h"
#include "init/postmortem.h"
#include "init/procinfo.h"
#include "init/report.h"
#include "init/statsdir.h"

static struct {
	const struct keel_cgroup *cg;
	int oom_fd;		/* the counter's file, kept open */
	uint64_t oom_kills;	/* the counter at the last post-mortem */
	int killed_by_keel;	/* keel's own SIGKILL sweep ran */
} pm_state = { .oom_fd = -1 };

void postmortem_init(const struct keel_cgroup *cg)
{
	pm_state.cg = cg;
	pm_state.oom_fd = cgroup_oom_kills_open(cg);
	if (pm_state.oom_fd >= 0)
		cgroup_oom_kills_fd(pm_state.oom_fd, &pm_state.oom_kills);
}

void postmortem_killing_all(void)
{
	pm_state.killed_by_keel = 1;
}

int postmortem_due(pid_t pid, int code, int sig, struct postmortem *pm)
{
	uint64_t kills;

	if (pm_state.oom_fd < 0 || code != CLD_KILLED || sig != SIGKILL ||
	    cgroup_oom_kills_fd(pm_state.oom_fd, &kills) < 0 ||
	    kills <= pm_state.oom_kills)
		return 0;
	pm_state.oom_kills = kills;
	memset(pm, 0, sizeof(*pm));
	/* SIGKILL from keel's own sweep: the OOM killer's victim may be any
	 * process, so no name is better than a wrong one */
	pm->by_keel = pm_state.killed_by_keel;
	if (pm->by_keel)
		return 1;
	pm->pid = pid;
	proc_comm(pid, pm->comm, sizeof(pm->comm));
	/* the guard thread reads the folder after the reap: it finds the
	 * file by these, and its sweeps leave the file until then */
	if (heapscan_identify(pid, &pm->who) >= 0)
		heapscan_spare(pid);
	return 1;
}

void postmortem_report(const struct postmortem *pm)
{
	struct keel_heap_stats st;
	int have;

	if (pm->by_keel) {
		report_oom_kill(NULL, 0, pm_state.cg->limit, NULL);
		return;
	}
	have = pm->who.pid && statsdir_fd() >= 0 &&
	       heapscan_find(statsdir_fd(), &pm->who, &st) == 0;
	heapscan_spare(0);
	report_oom_kill(pm->comm, pm->pid, pm_state.cg->limit,
			have ? &st : NULL);
}
