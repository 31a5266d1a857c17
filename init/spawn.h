/* Starting PROGRAM: the one main child (init mode) or keel itself becoming
 * PROGRAM (exec mode), in both cases with a clean signal state. */
#ifndef KEEL_SPAWN_H
#define KEEL_SPAWN_H

#include <sys/types.h>

#include "init/seccomp.h"

/* Forks and execs keel_opts.argv in its own process group, in the terminal's
 * foreground when stdin is one. Returns the pid, or -1 (logged). */
pid_t spawn_child(const struct keel_seccomp_config *sc);

/* Exec mode: becomes PROGRAM; returns only the exit code 126/127. */
int spawn_exec(const struct keel_seccomp_config *sc);

#endif
