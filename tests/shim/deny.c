/* Runs a program with one system call refused, as a seccomp filter (a
 * container runtime's, say) would refuse it: the shim must still return
 * memory by the other way. "deny probe" exits 0 when this kernel takes
 * process_madvise(MADV_DONTNEED) on the calling process by PIDFD_SELF
 * (Linux 6.15 on), the batch path libkeel tries first.
 * "populate" refuses only madvise(MADV_POPULATE_WRITE), as a kernel
 * before 5.14 does.
 * Usage: deny madvise|process_madvise|membarrier|populate PROG [ARG]... |
 * deny probe */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif

/* Refuses system call nr (with EPERM), or only its calls whose third
 * argument is arg2 (with EINVAL, as a kernel that lacks it) when arg2 is
 * not -1. */
static int deny(long nr, long arg2)
{
	struct sock_filter any[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_filter one[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)arg2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(any) / sizeof(any[0]), any };

	if (arg2 != -1)
		prog = (struct sock_fprog){ sizeof(one) / sizeof(one[0]), one };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("deny: seccomp");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "probe")) {
		struct iovec none = { 0, 0 };

		return syscall(SYS_process_madvise, -10001, &none, 0,
			       MADV_DONTNEED, 0) == 0 ? 0 : 1;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: deny madvise|process_madvise|membarrier|populate PROG [ARG]... | deny probe\n");
		return 2;
	}
	if (!strcmp(argv[1], "populate") ?
		    deny(SYS_madvise, 23 /* MADV_POPULATE_WRITE */) :
		    deny(!strcmp(argv[1], "madvise")	  ? SYS_madvise :
			 !strcmp(argv[1], "membarrier") ? SYS_membarrier :
							  SYS_process_madvise,
			 -1))
		return 2;
	execvp(argv[2], argv + 2);
	perror("deny: exec");
	return 127;
}
