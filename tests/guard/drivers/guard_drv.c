/* Test driver for the guard modules until main wires them in: built by the
 * guard tests with the init's compiler and flags, linked with the init's
 * real objects. usage: guard_drv cgroup | stats ARGS... |
 * guard SECONDS [CMD...] (CMD is started as the init would, after init;
 * GUARD_DRV_ROOT points the guard at a fixture tree) */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/parse.h"
#include "init/cgroup.h"
#include "init/guard.h"
#include "init/log.h"
#include "init/stats.h"

static int drv_cgroup(void)
{
	struct keel_cgroup cg;
	uint64_t usage = 0, kills = 0;

	if (cgroup_find("/", &cg) < 0)
		return 1;
	cgroup_usage(&cg, &usage);
	cgroup_oom_kills(&cg, &kills);
	printf("version=%d limit=%llu usage=%llu oom_kill=%llu dir=%s\n",
	       cg.version, (unsigned long long)cg.limit,
	       (unsigned long long)usage, (unsigned long long)kills, cg.dir);
	return 0;
}

/* The init's loop in miniature: poll the guard's fd, reap children. */
static int drv_guard(int seconds, char **cmd)
{
	struct keel_limit limit = { 0, 9000 };
	const char *text = getenv("KEEL_RSS_LIMIT");

	if (text && text[strlen(text) - 1] == '%')
		parse_percent(text, &limit.centi_percent);
	else if (text && !parse_size(text, &limit.bytes))
		limit.centi_percent = 0;
	struct keel_guard_config cfg = {
		.root = getenv("GUARD_DRV_ROOT") ? getenv("GUARD_DRV_ROOT") : "/",
		.rss_limit = &limit,
		.on_limit = getenv("KEEL_ON_LIMIT"),
		.report = getenv("KEEL_REPORT"),
		.stats_dir = getenv("KEEL_STATS_DIR"),
	};
	struct pollfd pfd;
	int timeout, rc, status;
	time_t end = time(NULL) + seconds;
	pid_t pid;

	log_verbosity = 3;
	rc = guard_init(&cfg, &pfd.fd, &pfd.events, &timeout);
	if (rc)
		return rc;
	printf("stats_dir=%s\n", guard_stats_dir() ? guard_stats_dir() : "");
	fflush(stdout);
	if (cmd[0]) {
		pid = fork();
		if (pid == 0) {
			execvp(cmd[0], cmd);
			_exit(127);
		}
		guard_child_started(pid, cmd[0]);
	}
	while (time(NULL) < end) {
		int n = poll(&pfd, pfd.fd >= 0 ? 1 : 0,
			     timeout < 0 || timeout > 200 ? 200 : timeout);
		if (n > 0)
			timeout = guard_on_event();
		else
			timeout = guard_on_timeout();
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			guard_process_exited(pid, status);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "cgroup") == 0)
		return drv_cgroup();
	if (argc >= 2 && strcmp(argv[1], "stats") == 0)
		return stats_main(argc - 1, argv + 1);
	if (argc >= 3 && strcmp(argv[1], "guard") == 0)
		return drv_guard(atoi(argv[2]), argv + 3);
	fprintf(stderr, "usage: guard_drv cgroup | stats ARGS | guard SECONDS\n");
	return 2;
}
