/* statscmd: `keel stats`, run inside a live container (docker exec,
 * kubectl exec): finds this container's keel, reads the heap statistics
 * its shimmed processes publish, and prints them. No ptrace, no signals,
 * nothing written: any user may run it. */
#ifndef KEEL_STATSCMD_H
#define KEEL_STATSCMD_H

#include <stddef.h>
#include <stdint.h>

/* "301.2 MiB" style text for byte counts. */
const char *stats_size(uint64_t bytes, char *buf, size_t len);

/* `keel stats [--json] [--watch[=SECONDS]]`, argv[0] being "stats".
 * Returns the exit status: 0, 1 when no keel could be found, 2 for bad
 * arguments. */
int stats_main(int argc, char **argv);

#endif
