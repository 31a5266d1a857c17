/* statscmd: `keel stats`, run inside a live container (docker exec,
 * kubectl exec): where the container's memory is, per process, with the
 * heap statistics keel's shimmed processes publish. No ptrace, no
 * signals, nothing written: any user may run it. */
#ifndef KEEL_STATSCMD_H
#define KEEL_STATSCMD_H

/* `keel stats [ARGS]`, argv[0] being "stats". Returns the exit status: 0
 * when it printed figures, 1 when nothing could be read, 2 for bad
 * arguments. */
int stats_main(int argc, char **argv);

#endif
