/* The child side of starting PROGRAM. keel blocks nearly every signal for
 * its signalfd; the application must not inherit that, nor any disposition
 * keel set, so everything is put back to the defaults just before execve. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/printable.h"
#include "init/log.h"
#include "init/seccomp.h"
#include "init/options.h"
#include "init/spawn.h"

/* Default dispositions for every signal, then an empty mask. The system
 * call itself, because libc refuses the signals it reserves (32-34), and
 * one ignored by keel's caller would reach the app. An all-zero kernel
 * sigaction is SIG_DFL with no flags and an empty mask on every arch. */
static void spawn_clean_signals(void)
{
	unsigned long dfl[4] = { 0 };
	sigset_t none;

	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, dfl, NULL, _NSIG / 8);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Everything the child does between fork and execve, in one place: the
 * seccomp filter for the application is installed at the end of it. */
static void spawn_child_prepare(const struct keel_seccomp_config *sc)
{
	/* Own group, so -g reaches the app's helpers and not keel. The mask
	 * is still full here, so SIGTTOU cannot stop us in tcsetpgrp. */
	if (setpgid(0, 0))
		warning("unable to start a process group: %s", strerror(errno));
	if (isatty(STDIN_FILENO) && tcsetpgrp(STDIN_FILENO, getpgrp()) &&
	    errno != ENOTTY && errno != ENXIO) {
		char q[KEEL_PRINTABLE_MAX];

		warning("unable to give the terminal to %s: %s",
			printable(q, sizeof(q), keel_opts.argv[0]),
			strerror(errno));
	}
	spawn_clean_signals();
	/* Last: the filter must not refuse anything keel itself does here. */
	if (seccomp_app_filter_wanted(sc) && seccomp_apply_app_filter(sc))
		_exit(126);
}

/* execv of one candidate. A file the kernel cannot run (ENOEXEC: no "#!")
 * is a shell script, as glibc's execvp and so tini take it: /bin/sh runs
 * it with the same arguments. Returns only on failure, errno set. */
static void spawn_try(const char *path)
{
	size_t argc = 0;

	execv(path, keel_opts.argv);
	if (errno != ENOEXEC)
		return;
	while (keel_opts.argv[argc])
		argc++;
	char *sh_argv[argc + 2];
	sh_argv[0] = "/bin/sh";
	sh_argv[1] = (char *)path;
	memcpy(sh_argv + 2, keel_opts.argv + 1, argc * sizeof(char *));
	execv("/bin/sh", sh_argv);
	errno = ENOEXEC;
}

/* execvp, with glibc's search rules (musl's execvp runs no scripts), and
 * the exit code a shell would give when it fails. */
static int spawn_execvp(void)
{
	const char *file = keel_opts.argv[0], *dirs = getenv("PATH");
	char path[PATH_MAX], q[KEEL_PRINTABLE_MAX];
	int err, denied = 0;

	if (!*file) {
		errno = ENOENT;
	} else if (strchr(file, '/')) {
		spawn_try(file);
	} else {
		if (!dirs)
			dirs = "/usr/local/bin:/bin:/usr/bin";
		for (const char *p = dirs;; p++) {
			const char *end = strchrnul(p, ':');
			int n = snprintf(path, sizeof(path), "%.*s%s%s",
					 (int)(end - p), p, end > p ? "/" : "",
					 file);

			errno = ENAMETOOLONG;
			if (n > 0 && (size_t)n < sizeof(path))
				spawn_try(path);
			if (errno == EACCES)
				denied = 1;
			else if (errno != ENOENT && errno != ENOTDIR &&
				 errno != ENAMETOOLONG)
				break;
			if (!*end)
				break;
			p = end;
		}
		if (denied && (errno == ENOENT || errno == ENOTDIR))
			errno = EACCES;
	}
	err = errno;
	error("unable to exec %s: %s", printable(q, sizeof(q), file),
	      strerror(err));
	return err == ENOENT || err == ENOTDIR ? 127 : 126;
}

pid_t spawn_child(const struct keel_seccomp_config *sc)
{
	char q[KEEL_PRINTABLE_MAX];
	pid_t pid = fork();

	printable(q, sizeof(q), keel_opts.argv[0]);
	if (pid < 0) {
		fatal("unable to fork %s: %s", q, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		spawn_child_prepare(sc);
		_exit(spawn_execvp());
	}
	info("started %s as pid %d", q, (int)pid);
	return pid;
}

int spawn_exec(const struct keel_seccomp_config *sc)
{
	spawn_clean_signals();
	if (seccomp_app_filter_wanted(sc) && seccomp_apply_app_filter(sc))
		return 126;
	return spawn_execvp();
}
