/* Writes to stdout the BPF of a filter that denies every system call name
 * given on the command line's file, on the native architecture and its
 * compat ones. Built twice (tests/pid1/seccomp_table.sh): with libseccomp's
 * whole table and with keel's cut one (init/seccomp_table.c); the two
 * outputs must be the same bytes. Usage: table_eq NAMES_FILE */
#include <stdio.h>

#include <seccomp.h>

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	char name[64];
	FILE *f;
	int rules = 0;

	if (argc != 2 || !ctx || !(f = fopen(argv[1], "r")))
		return 2;
#if defined(__x86_64__)
	if (seccomp_arch_add(ctx, SCMP_ARCH_X86) ||
	    seccomp_arch_add(ctx, SCMP_ARCH_X32))
		return 2;
#elif defined(__aarch64__)
	if (seccomp_arch_add(ctx, SCMP_ARCH_ARM))
		return 2;
#endif
	while (fscanf(f, "%63s", name) == 1) {
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(1), nr, 0))
			return 3;
		rules++;
	}
	fprintf(stderr, "table_eq: %d rules\n", rules);
	return seccomp_export_bpf(ctx, 1) ? 4 : 0;
}
