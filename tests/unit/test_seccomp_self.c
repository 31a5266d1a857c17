/* seccomp, PID 1 side: after seccomp_confine_self a forked child playing
 * PID 1 gets EPERM and one log line for calls off the allow list, is not
 * killed, and can still do all the work of a reaper and memory guard. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "seccomp_child.h"
#include "init/cgroup.h"
#include "init/seccomp.h"
#include "init/heapscan.h"
#include "init/procinfo.h"

#if KEEL_HAVE_SECCOMP

/* PID 1's life after confinement: the grandchild plays the main child. */
static void seccomp_test_confined(void)
{
	char buf[256];
	int p[2], status;

	EXPECT(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	/* Blocked by mistake: confinement unblocks it, or a refusal would
	 * be a fatal SIGSYS. */
	sigset_t sys;
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	EXPECT(sigprocmask(SIG_BLOCK, &sys, NULL) == 0);
#if defined(__x86_64__)
	int ia32 = seccomp_test_has_int80();
#endif
	EXPECT(seccomp_confine_self() == 0);
	EXPECT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);

	/* Refused, twice for socket: EPERM each time, one log line. */
	EXPECT_ERR(socket(AF_INET, SOCK_STREAM, 0), EPERM);
	EXPECT_ERR(socket(AF_UNIX, SOCK_STREAM, 0), EPERM);
	EXPECT_ERR(execl("/bin/true", "true", (char *)NULL), EPERM);
	EXPECT_ERR(prctl(PR_SET_MM, 0, 0, 0, 0), EPERM);
	EXPECT_ERR(ioctl(0, TIOCSTI, "x"), EPERM);
	EXPECT(seccomp_self_refused() == 5);
#if defined(__x86_64__)
	/* Compat ABIs: refused by the bad-arch action, not killed. */
	EXPECT(!ia32 || seccomp_test_int80(20, 0, 0, 0) == -EPERM);
	EXPECT_ERR(syscall(SYS_getpid | 0x40000000), EPERM);
#endif

	/* Still allowed: the pipe, reaping, signals, getpid. */
	EXPECT(write(p[1], "ping", 4) == 4);
	EXPECT(read(p[0], buf, sizeof(buf)) == 4 && !memcmp(buf, "ping", 4));
	EXPECT(wait4(pid, &status, 0, NULL) == pid);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	EXPECT(kill(getpid(), 0) == 0);
	EXPECT(syscall(SYS_getpid) == getpid());
	EXPECT(seccomp_self_refused() == 5);
}

TEST(seccomp_self_refuses_without_killing)
{
	char out[2048];
	char want[64];
	int status = seccomp_test_run(seccomp_test_confined, out, sizeof(out));

	CHECK(seccomp_test_exited_ok(status));
	snprintf(want, sizeof(want), "system call %d (", SYS_socket);
	const char *first = strstr(out, want);
	CHECK(first && !strstr(first + 1, want));	/* logged once */
	snprintf(want, sizeof(want), "system call %d (", SYS_execve);
	CHECK(strstr(out, want) != NULL);
	CHECK(strncmp(out, "keel: warning: seccomp refused keel's own system call ", 54) == 0);
	CHECK(strstr(out, "not on keel's allow list, so it failed with EPERM\n") != NULL);
	if (!seccomp_test_exited_ok(status) || !strstr(out, want) ||
	    getenv("KEEL_TEST_VERBOSE"))
		printf("%s", out);
}

/* What PID 1 does after the child starts, all inside the allow list. */
static void seccomp_test_pid1_work(void)
{
	char buf[4096], path[64];
	uint64_t ticks;
	sigset_t set;
	struct signalfd_siginfo ssi;
	int n = 0;

	EXPECT(seccomp_confine_self() == 0);

	DIR *d = opendir("/proc");
	EXPECT(d != NULL);
	while (readdir(d))
		n++;
	EXPECT(n > 3 && closedir(d) == 0);
	FILE *f = fopen("/proc/self/status", "r");
	EXPECT(f && fgets(buf, sizeof(buf), f) && fclose(f) == 0);
	EXPECT(readlink("/proc/self/exe", buf, sizeof(buf)) > 0);

	void *small[200];
	for (int i = 0; i < 200; i++)
		EXPECT((small[i] = malloc(16 + (size_t)i * 24)) != NULL);
	char *big = malloc(1 << 20);
	EXPECT(big && (big = realloc(big, 8 << 20)) != NULL);
	memset(big, 1, 8 << 20);
	free(big);
	for (int i = 0; i < 200; i++)
		free(small[i]);

	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = { .it_value = { 0, 1000000 } };
	EXPECT(tfd >= 0 && timerfd_settime(tfd, 0, &its, NULL) == 0);
	EXPECT(read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks));

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	EXPECT(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	EXPECT(sfd >= 0 && kill(getpid(), SIGUSR1) == 0);
	EXPECT(read(sfd, &ssi, sizeof(ssi)) == sizeof(ssi));
	EXPECT(ssi.ssi_signo == SIGUSR1);

	snprintf(path, sizeof(path), "/tmp/keel-seccomp-%d", getpid());
	EXPECT(mkdir(path, 0700) == 0);

	/* the control file as statsdir.c makes it: written whole, mapped
	 * shared; a cut one replaced by private memory (sharedmap.c) */
	static const char zero[4096];
	int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int cfd = openat(dir, "control", O_RDWR | O_CREAT | O_EXCL |
			 O_NOFOLLOW | O_CLOEXEC, 0644);
	EXPECT(cfd >= 0 && pwrite(cfd, zero, sizeof(zero), 0) == sizeof(zero));
	void *shm = mmap(NULL, sizeof(zero), PROT_READ | PROT_WRITE,
			 MAP_SHARED, cfd, 0);
	EXPECT(shm != MAP_FAILED && close(cfd) == 0);
	EXPECT(mmap(shm, sizeof(zero), PROT_READ | PROT_WRITE, MAP_PRIVATE |
		    MAP_ANONYMOUS | MAP_FIXED, -1, 0) == shm);
	EXPECT(munmap(shm, sizeof(zero)) == 0);
	EXPECT(unlinkat(dir, "control", 0) == 0 && close(dir) == 0);
	strcat(path, "-f");
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	EXPECT(fd >= 0 && write(fd, "report\n", 7) == 7 && fsync(fd) == 0);
	EXPECT(fchmod(fd, 0644) == 0 && close(fd) == 0);
	char moved[80];
	snprintf(moved, sizeof(moved), "%s.done", path);
	EXPECT(rename(path, moved) == 0 && unlink(moved) == 0);
	path[strlen(path) - 2] = '\0';
	EXPECT(unlinkat(AT_FDCWD, path, AT_REMOVEDIR) == 0);

	struct timespec ts = { 0, 1000000 };
	EXPECT(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000;
	EXPECT(nanosleep(&ts, NULL) == 0);
	/* keel's own guard and stats readers, as PID 1 runs them. */
	struct keel_cgroup cg;
	struct keel_memory_stat ms;
	uint64_t v;
	if (cgroup_find("/", &cg) == 0) {
		cgroup_usage(&cg, &v);
		cgroup_memory_stat(&cg, &ms);
		cgroup_oom_kills(&cg, &v);
	}
	snprintf(path, sizeof(path), "/tmp/keel-seccomp-stats-%d", getpid());
	EXPECT(mkdir(path, 0700) == 0);
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	EXPECT(heapscan_each(dfd, HEAPSCAN_SWEEP, NULL, NULL, 0, NULL) == 0);
	struct keel_heap_stats hs;
	struct heapfile_proc who;
	EXPECT(heapscan_identify(getpid(), &who) == 0);
	EXPECT(heapscan_find(dfd, &who, &hs) < 0);
	close(dfd);
	EXPECT(rmdir(path) == 0);
	uint64_t vsize;
	EXPECT(proc_statm(getpid(), &vsize, &v) == 0 && v > 0);
	EXPECT(proc_comm(getpid(), buf, sizeof(buf)) == 0);
	uint32_t uids[4];
	EXPECT(proc_uids(getpid(), uids) == 0);
	EXPECT(proc_maps_has(getpid(), "libkeel") == 0);
	EXPECT(proc_pid_namespace() != 0);
	siginfo_t si = { 0 };
	waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT);

	isatty(0);
	EXPECT(prctl(PR_SET_NAME, "keel", 0, 0, 0) == 0);
	EXPECT(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0);
	int seen = (int)seccomp_self_refused();
	if (seen != 0)
		dprintf(seccomp_test_fd, "  refused: %d\n", seen);
	EXPECT(seen == 0);

	/* No executable memory once confined. */
	/* (raw: musl turns an EPERM from mmap into ENOMEM) */
	EXPECT_ERR(syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EPERM);
	EXPECT(seccomp_self_refused() == 1);
}

TEST(seccomp_self_allows_pid1_work)
{
	char out[2048];
	int status = seccomp_test_run(seccomp_test_pid1_work, out, sizeof(out));

	CHECK(seccomp_test_exited_ok(status));
	if (!seccomp_test_exited_ok(status))
		printf("%s", out);
}
/* docs/seccomp.md names every call of the allow list, and no name there
 * is one libseccomp does not know. */
TEST(seccomp_self_allow_list_documented)
{
	static char doc[65536];
	char name[80];
	unsigned count = 0;

	CHECK(seccomp_test_read_doc(doc, sizeof(doc)) == 0);

	for (const char *const *a = seccomp_self_allow; *a; a++, count++) {
		struct keel_seccomp_config cfg;
		char why[200];
		snprintf(name, sizeof(name), "`%s`", *a);
		if (!strstr(doc, name))
			printf("  docs/seccomp.md lacks %s\n", name);
		CHECK(strstr(doc, name) != NULL);
		CHECK(seccomp_parse_deny_list(*a, &cfg, why, sizeof(why)) == 0);
	}
	CHECK(count > 50);
}

#endif /* KEEL_HAVE_SECCOMP */
