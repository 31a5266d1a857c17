/* Build tool: writes keel's own seccomp filter as BPF to stdout, for
 * seccomp_self_bpf.S to embed (see seccomp_self_rules.c). */
#include <stdio.h>
#include <string.h>

#include "init/seccomp.h"

int main(void)
{
	int rc = seccomp_self_export(1);

	if (rc) {
		fprintf(stderr, "seccomp_self_gen: %s\n", strerror(-rc));
		return 1;
	}
	return fflush(stdout) ? 1 : 0;
}
