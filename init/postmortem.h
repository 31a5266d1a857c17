/* postmortem: when the OOM killer takes a process, says which one and
 * what its heap held, from the statistics it last published. */
#ifndef KEEL_POSTMORTEM_H
#define KEEL_POSTMORTEM_H

#include <sys/types.h>

#include "init/cgroup.h"

/* The cgroup whose OOM-kill counter tells the OOM killer's SIGKILL from
 * others (kept by the caller, limits updated in place). */
void postmortem_init(const struct keel_cgroup *cg);

/* keel sends SIGKILL to every process left (the end of the grace
 * period): from then on a SIGKILL death is not the OOM killer's doing. */
void postmortem_killing_all(void);

/* A child died (waitid WNOWAIT: not reaped yet, its /proc entry still
 * there): if the OOM killer took it, the post-mortem. */
void postmortem_process_dying(pid_t pid, int code, int sig);

#endif
