/* seccomp, application side: the validators for every good and bad value,
 * and the real filter loaded into forked children: denied calls get EPERM
 * or SIGSYS, compat ABIs do not get around it, children inherit it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "seccomp_child.h"
#include "init/seccomp.h"

TEST(seccomp_set_mode_values)
{
	struct keel_seccomp_config cfg = { .mode = KEEL_SECCOMP_STRICT };
	char why[200] = "";

	CHECK(seccomp_set_mode(KEEL_SECCOMP_OFF, &cfg, why, sizeof(why)) == 0);
	CHECK(cfg.mode == KEEL_SECCOMP_OFF);
#if KEEL_HAVE_SECCOMP
	CHECK(seccomp_set_mode(KEEL_SECCOMP_STRICT, &cfg, why, sizeof(why)) == 0);
	CHECK(cfg.mode == KEEL_SECCOMP_STRICT);
#else
	CHECK(seccomp_set_mode(KEEL_SECCOMP_DEFAULT, &cfg, why, sizeof(why)) == -1);
	CHECK(strstr(why, "built without seccomp") != NULL);
#endif
}

#if KEEL_HAVE_SECCOMP

TEST(seccomp_parse_deny_list_values)
{
	struct keel_seccomp_config cfg = { 0 };
	char why[200], line[300];

	CHECK(seccomp_parse_deny_list("", &cfg, why, sizeof(why)) == 0);
	CHECK(cfg.deny_count == 0);
	CHECK(seccomp_parse_deny_list("mount", &cfg, why, sizeof(why)) == 0);
	CHECK(cfg.deny_count == 1 && cfg.deny[0] == SYS_mount);
	CHECK(seccomp_parse_deny_list("mount, bpf ,reboot", &cfg, why,
				      sizeof(why)) == 0);
	CHECK(cfg.deny_count == 3 && cfg.deny[1] == SYS_bpf &&
	      cfg.deny[2] == SYS_reboot);
	/* Known to libseccomp on another architecture only: accepted. */
	CHECK(seccomp_parse_deny_list("vm86,umount", &cfg, why, sizeof(why)) == 0);
	CHECK(cfg.deny_count == 2);

	/* The exact line the init prints. */
	const char *text = "mount,nosuchcall";
	CHECK(seccomp_parse_deny_list(text, &cfg, why, sizeof(why)) == -1);
	snprintf(line, sizeof(line), "keel: fatal: KEEL_SECCOMP_DENY=%s: %s",
		 text, why);
	CHECK(strcmp(line, "keel: fatal: KEEL_SECCOMP_DENY=mount,nosuchcall: unknown system call \"nosuchcall\"") == 0);

	const char *empty[] = { ",", "mount,", ",mount", "mount,,bpf", " ",
				"mount, ,bpf" };
	for (unsigned i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		CHECK(seccomp_parse_deny_list(empty[i], &cfg, why, sizeof(why)) == -1);
		CHECK(strncmp(why, "empty system call name", 22) == 0);
	}
	const char *unknown[] = { "165", "MOUNT", "mount;bpf", "mount bpf" };
	for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		CHECK(seccomp_parse_deny_list(unknown[i], &cfg, why, sizeof(why)) == -1);
		CHECK(strncmp(why, "unknown system call \"", 21) == 0);
	}

	char many[1024] = "";
	for (int i = 0; i <= KEEL_SECCOMP_DENY_MAX; i++)
		strcat(many, i ? ",mount" : "mount");
	CHECK(seccomp_parse_deny_list(many, &cfg, why, sizeof(why)) == -1);
	CHECK(strcmp(why, "more than 64 system calls") == 0);
	many[strlen(many) - strlen(",mount")] = '\0';
	CHECK(seccomp_parse_deny_list(many, &cfg, why, sizeof(why)) == 0);
	CHECK(cfg.deny_count == KEEL_SECCOMP_DENY_MAX);

	memset(many, 'a', 100);
	many[100] = '\0';
	CHECK(seccomp_parse_deny_list(many, &cfg, why, sizeof(why)) == -1);
	CHECK(strstr(why, "is too long") != NULL);
}

/* Every name in the documented lists is one libseccomp knows, once. */
TEST(seccomp_lists_resolve)
{
	const struct keel_seccomp_rule *lists[] = { seccomp_default_list,
						    seccomp_strict_list };
	struct keel_seccomp_config cfg;
	char why[200];
	unsigned total = 0;

	for (unsigned l = 0; l < 2; l++) {
		for (const struct keel_seccomp_rule *r = lists[l]; r->name; r++) {
			total++;
			if (seccomp_parse_deny_list(r->name, &cfg, why,
						    sizeof(why)) != 0)
				printf("  unknown: %s\n", r->name);
			CHECK(cfg.deny_count == 1);
			CHECK(r->reason && strlen(r->reason) > 10);
			for (unsigned m = 0; m < 2; m++)
				for (const struct keel_seccomp_rule *o = lists[m];
				     o->name; o++)
					CHECK(o == r || strcmp(o->name, r->name));
		}
	}
	CHECK(total > 60);
}

/* docs/seccomp.md carries the same rows as the code's tables. It is found
 * beside the runner: build/unit -> docs/seccomp.md. */
TEST(seccomp_lists_documented)
{
	static char doc[65536];
	char row[512];

	CHECK(seccomp_test_read_doc(doc, sizeof(doc)) == 0);

	const struct keel_seccomp_rule *lists[] = { seccomp_default_list,
						    seccomp_strict_list };
	for (unsigned l = 0; l < 2; l++) {
		for (const struct keel_seccomp_rule *r = lists[l]; r->name; r++) {
			snprintf(row, sizeof(row), "| `%s` | %s |\n", r->name,
				 r->reason);
			if (!strstr(doc, row))
				printf("  docs/seccomp.md lacks: %s", row);
			CHECK(strstr(doc, row) != NULL);
		}
	}
}

static struct keel_seccomp_config seccomp_test_cfg;

static void seccomp_test_apply(enum keel_seccomp_mode mode,
			       enum keel_seccomp_action action, const char *deny)
{
	char why[200];

	seccomp_test_cfg.mode = mode;
	seccomp_test_cfg.action = action;
	if (seccomp_parse_deny_list(deny, &seccomp_test_cfg, why, sizeof(why)))
		_exit(99);
	EXPECT(seccomp_app_filter_wanted(&seccomp_test_cfg));
	EXPECT(seccomp_apply_app_filter(&seccomp_test_cfg) == 0);
}

/* Harmless calls that fail early: without a filter, as root, none of them
 * fails with EPERM, so EPERM can only come from the filter. */
static long seccomp_test_mount(void)
{
	return mount("none", "/nonexistent-keel-seccomp", "tmpfs", 0, NULL);
}

static long seccomp_test_reboot(void)
{
	return syscall(SYS_reboot, 0, 0, 0, NULL);	/* bad magic: EINVAL */
}

static long seccomp_test_bpf(void)
{
	return syscall(SYS_bpf, -1, NULL, 0);		/* bad command: EINVAL */
}

static void seccomp_test_default_errno(void)
{
	if (geteuid() == 0) {
		EXPECT(seccomp_test_mount() == -1 && errno != EPERM);
		EXPECT_ERR(seccomp_test_reboot(), EINVAL);
		EXPECT_ERR(seccomp_test_bpf(), EINVAL);
	}
	seccomp_test_apply(KEEL_SECCOMP_DEFAULT, KEEL_SECCOMP_ERRNO, "");
	EXPECT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	EXPECT_ERR(seccomp_test_mount(), EPERM);
	EXPECT_ERR(seccomp_test_reboot(), EPERM);
	EXPECT_ERR(seccomp_test_bpf(), EPERM);
	EXPECT(syscall(SYS_getpid) == getpid() && getpid() > 1);
	EXPECT(syscall(SYS_unshare, 0) == 0);	/* strict only */
}

TEST(seccomp_app_default_errno)
{
	CHECK(seccomp_test_exited_ok(seccomp_test_run(seccomp_test_default_errno, NULL, 0)));
}

static void seccomp_test_kill(void)
{
	seccomp_test_apply(KEEL_SECCOMP_DEFAULT, KEEL_SECCOMP_KILL, "");
	EXPECT(syscall(SYS_getpid) == getpid());
	seccomp_test_reboot();
	_exit(0);
}

TEST(seccomp_app_kill)
{
	int status = seccomp_test_run(seccomp_test_kill, NULL, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
}

/* log lets the call run: reboot with a bad magic still says EINVAL. */
static void seccomp_test_log(void)
{
	seccomp_test_apply(KEEL_SECCOMP_DEFAULT, KEEL_SECCOMP_LOG, "");
	if (geteuid() == 0)
		EXPECT_ERR(seccomp_test_reboot(), EINVAL);
}

TEST(seccomp_app_log)
{
	CHECK(seccomp_test_exited_ok(seccomp_test_run(seccomp_test_log, NULL, 0)));
}

/* KEEL_SECCOMP=off with KEEL_SECCOMP_DENY still filters those names. */
static void seccomp_test_deny_only(void)
{
	struct utsname u;

	seccomp_test_apply(KEEL_SECCOMP_OFF, KEEL_SECCOMP_ERRNO, "uname,mount");
	EXPECT_ERR(uname(&u), EPERM);
	EXPECT_ERR(seccomp_test_mount(), EPERM);
	if (geteuid() == 0)
		EXPECT_ERR(seccomp_test_reboot(), EINVAL);
}

TEST(seccomp_app_deny_list_only)
{
	struct keel_seccomp_config off = { 0 };
	CHECK(!seccomp_app_filter_wanted(&off));
	CHECK(seccomp_test_exited_ok(seccomp_test_run(seccomp_test_deny_only, NULL, 0)));
}

/* The filter reaches the child's own children, across fork and execve. */
static void seccomp_test_inherit(void)
{
	int status;

	seccomp_test_apply(KEEL_SECCOMP_DEFAULT, KEEL_SECCOMP_ERRNO, "");
	pid_t pid = fork();
	if (pid == 0)
		_exit(seccomp_test_mount() == -1 && errno == EPERM ? 0 : 1);
	EXPECT(waitpid(pid, &status, 0) == pid);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c",
		      "grep -q '^Seccomp:[[:space:]]*2' /proc/self/status && grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status",
		      (char *)NULL);
		_exit(127);
	}
	EXPECT(waitpid(pid, &status, 0) == pid);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(seccomp_app_inherited)
{
	CHECK(seccomp_test_exited_ok(seccomp_test_run(seccomp_test_inherit, NULL, 0)));
}

#if defined(__x86_64__)
/* Neither the i386 ABI (mount is 21 there) nor the x32 ABI (the x86_64
 * number with bit 30) gets past the filter. */
static void seccomp_test_compat(void)
{
	int ia32 = seccomp_test_has_int80();

	seccomp_test_apply(KEEL_SECCOMP_DEFAULT, KEEL_SECCOMP_ERRNO, "");
	if (ia32) {
		EXPECT(seccomp_test_int80(20, 0, 0, 0) == getpid());
		EXPECT(seccomp_test_int80(21, 0, 0, 0) == -EPERM);
		EXPECT(seccomp_test_int80(88, 0, 0, 0) == -EPERM); /* reboot */
	} else {
		dprintf(seccomp_test_fd, "  note: no ia32 emulation in this kernel\n");
	}
	EXPECT_ERR(syscall(SYS_mount | 0x40000000, 0, 0, 0, 0, 0), EPERM);
	EXPECT_ERR(syscall(SYS_reboot | 0x40000000, 0, 0, 0, 0), EPERM);
}

TEST(seccomp_app_compat_abis)
{
	CHECK(seccomp_test_exited_ok(seccomp_test_run(seccomp_test_compat, NULL, 0)));
}
#endif

struct seccomp_test_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		stack_size, tls;
};

static void seccomp_test_strict(void)
{
	struct seccomp_test_clone_args args = { .exit_signal = SIGCHLD };
	int status;

	seccomp_test_apply(KEEL_SECCOMP_STRICT, KEEL_SECCOMP_ERRNO, "uname");
	EXPECT_ERR(unshare(CLONE_NEWUSER), EPERM);
	EXPECT_ERR(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM);
	EXPECT_ERR(syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0), EPERM);
	EXPECT_ERR(syscall(SYS_clone3, &args, sizeof(args)), ENOSYS);
	EXPECT_ERR(ptrace(PTRACE_TRACEME, 0, 0, 0), EPERM);
	EXPECT_ERR(seccomp_test_mount(), EPERM);
	EXPECT_ERR(uname(&(struct utsname){ 0 }), EPERM);
	/* A plain fork still works. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	EXPECT(pid > 0 && waitpid(pid, &status, 0) == pid);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 7);
}

TEST(seccomp_app_strict)
{
	CHECK(seccomp_test_exited_ok(seccomp_test_run(seccomp_test_strict, NULL, 0)));
}

/* process_madvise with no ranges: 0 where the call is let through and
 * the kernel takes pidfd (PIDFD_SELF from Linux 6.15; EBADF before), EPERM
 * from the filter. */
static long seccomp_test_pmadvise(long pidfd)
{
	struct iovec none = { 0, 0 };

	return syscall(SYS_process_madvise, pidfd, &none, 0, MADV_DONTNEED, 0);
}

/* strict denies process_madvise on another process, not on the caller
 * itself (PIDFD_SELF), which libkeel uses to return pages in batches:
 * even with the kill action, the application lives. */
static void seccomp_test_pmadvise_self(void)
{
	long self = -10001;	/* PIDFD_SELF_THREAD_GROUP */
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	long before = seccomp_test_pmadvise(self);

	seccomp_test_apply(KEEL_SECCOMP_STRICT, KEEL_SECCOMP_ERRNO, "");
	EXPECT(seccomp_test_pmadvise(self) == before);
	if (before != 0)
		EXPECT(errno != EPERM);
	if (pidfd >= 0)
		EXPECT_ERR(seccomp_test_pmadvise(pidfd), EPERM);
	/* the same number zero-extended is not the sentinel: denied */
	EXPECT_ERR(seccomp_test_pmadvise((long)(uint32_t)self), EPERM);
}

TEST(seccomp_app_strict_pmadvise_self)
{
	CHECK(seccomp_test_exited_ok(seccomp_test_run(seccomp_test_pmadvise_self, NULL, 0)));
}

static void seccomp_test_pmadvise_kill(void)
{
	seccomp_test_apply(KEEL_SECCOMP_STRICT, KEEL_SECCOMP_KILL, "");
	seccomp_test_pmadvise(-10001);
	_exit(0);
}

TEST(seccomp_app_strict_kill_pmadvise_self)
{
	int status = seccomp_test_run(seccomp_test_pmadvise_kill, NULL, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A real program under each mode: CPython with threads and a subprocess. */
static enum keel_seccomp_mode seccomp_test_python_mode;

static void seccomp_test_python(void)
{
	seccomp_test_apply(seccomp_test_python_mode, KEEL_SECCOMP_KILL, "");
	int fd = open("/dev/null", O_WRONLY);
	dup2(fd, 1);
	execl("/usr/bin/python3", "python3", "-c",
	      "import threading, subprocess, json, ssl, sqlite3\n"
	      "t = [threading.Thread(target=lambda: bytearray(1 << 20)) for i in range(4)]\n"
	      "[x.start() for x in t]; [x.join() for x in t]\n"
	      "assert subprocess.run(['true']).returncode == 0\n"
	      "print(json.dumps(sqlite3.connect(':memory:').execute('select 1').fetchall()))\n",
	      (char *)NULL);
	_exit(errno == ENOENT ? 0 : 127);	/* no python3 here: nothing to test */
}

TEST(seccomp_app_python_runs)
{
	seccomp_test_python_mode = KEEL_SECCOMP_DEFAULT;
	CHECK(seccomp_test_exited_ok(seccomp_test_run(seccomp_test_python, NULL, 0)));
	seccomp_test_python_mode = KEEL_SECCOMP_STRICT;
	CHECK(seccomp_test_exited_ok(seccomp_test_run(seccomp_test_python, NULL, 0)));
}

#else /* !KEEL_HAVE_SECCOMP */

static void seccomp_test_without(void)
{
	struct keel_seccomp_config cfg = { .mode = KEEL_SECCOMP_DEFAULT };
	char why[200];

	EXPECT(seccomp_parse_deny_list("mount", &cfg, why, sizeof(why)) == -1);
	EXPECT(strcmp(why, "keel was built without seccomp") == 0);
	EXPECT(seccomp_apply_app_filter(&cfg) == -1);
	EXPECT(seccomp_confine_self() == -1);
	EXPECT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
}

TEST(seccomp_without_libseccomp_fails_cleanly)
{
	char out[512];
	int status = seccomp_test_run(seccomp_test_without, out, sizeof(out));

	CHECK(seccomp_test_exited_ok(status));
	CHECK(strstr(out, "keel: error: unable to apply KEEL_SECCOMP: keel was built without seccomp") != NULL);
}

#endif /* KEEL_HAVE_SECCOMP */
