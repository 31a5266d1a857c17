/* Starts a program through one of the exec or spawn calls the shim wraps,
 * after closing its descriptors as daemons and Python's subprocess do:
 *   execs CALL close|keep|take PROGRAM ARGS...
 * (execl, execle and execlp pass PROGRAM and two arguments; execve-noenv
 * passes an empty environment.)
 * close: every descriptor above 2 is closed first; take: fd 1023 is then
 * opened on /dev/null (the program's own fd 1023, which the shim must not
 * replace); keep: nothing is closed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void close_above_2(void)
{
	for (int fd = 3; fd < 4096; fd++)
		close(fd);
}

/* "cmd 'arg' 'arg'" for system and popen */
static char *command(char **argv)
{
	static char buf[4096];
	size_t n = 0;

	for (; *argv; argv++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "'%s' ", *argv);
	return buf;
}

static int wait_for(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0)
		return 99;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	const char *call, *how;
	char **prog;
	struct stat before, after;
	pid_t pid;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: execs CALL close|keep|take PROGRAM ARGS...\n");
		return 2;
	}
	call = argv[1];
	how = argv[2];
	prog = argv + 3;
	if (strcmp(how, "keep"))
		close_above_2();
	if (!strcmp(how, "take")) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 1023) != 1023)
			return 3;
		close(fd);
		fstat(1023, &before);
	}
	if (!strcmp(call, "execve"))
		execve(prog[0], prog, environ);
	else if (!strcmp(call, "execve-noenv"))
		execve(prog[0], prog, (char *[]){ NULL });
	else if (!strcmp(call, "execv"))
		execv(prog[0], prog);
	else if (!strcmp(call, "execvp"))
		execvp(prog[0], prog);
	else if (!strcmp(call, "execvpe"))
		execvpe(prog[0], prog, environ);
	else if (!strcmp(call, "execl"))
		execl(prog[0], prog[0], prog[1], prog[2], (char *)0);
	else if (!strcmp(call, "execle"))
		execle(prog[0], prog[0], prog[1], prog[2], (char *)0, environ);
	else if (!strcmp(call, "execlp"))
		execlp(prog[0], prog[0], prog[1], prog[2], (char *)0);
	else if (!strcmp(call, "fexecve")) {
		int fd = open(prog[0], O_RDONLY | O_CLOEXEC);
		fexecve(fd, prog, environ);
	} else if (!strcmp(call, "posix_spawn") || !strcmp(call, "posix_spawnp")) {
		rc = (call[11] ? posix_spawnp : posix_spawn)(&pid, prog[0],
							      NULL, NULL, prog,
							      environ);
		if (rc) {
			fprintf(stderr, "execs: %s: %s\n", call, strerror(rc));
			return 4;
		}
		rc = wait_for(pid);
		goto spawned;
	} else if (!strcmp(call, "system")) {
		rc = system(command(prog));
		rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : 99;
		goto spawned;
	} else if (!strcmp(call, "popen")) {
		char line[256];
		FILE *f = popen(command(prog), "r");
		if (!f)
			return 4;
		while (fgets(line, sizeof(line), f))
			fputs(line, stdout);
		rc = pclose(f);
		rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : 99;
		goto spawned;
	} else if (!strcmp(call, "fork-execv")) {
		pid = fork();
		if (pid == 0) {
			execv(prog[0], prog);
			_exit(127);
		}
		rc = wait_for(pid);
		goto spawned;
	} else {
		fprintf(stderr, "execs: unknown call %s\n", call);
		return 2;
	}
	perror("execs: exec");
	return 127;
spawned:
	/* the program's own fd 1023 is still what it opened */
	if (!strcmp(how, "take") &&
	    (fstat(1023, &after) || after.st_ino != before.st_ino ||
	     after.st_dev != before.st_dev)) {
		fprintf(stderr, "execs: fd 1023 was replaced\n");
		return 5;
	}
	return rc;
}
