/* keel: PID 1 for containers. main reads as its phases: parse, inject,
 * signals, spawn, supervise, exit. The phase rule (from catatonit): before
 * the child is spawned a failure may stop keel (bad input 2, a system
 * failure 1); after it, only warnings, and keel exits with the child. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init/guard.h"
#include "init/guard_thread.h"
#include "init/inject.h"
#include "init/log.h"
#include "init/oomprotect.h"
#include "init/options.h"
#include "init/seccomp.h"
#include "init/spawn.h"
#include "init/statscmd.h"
#include "init/supervise.h"

#define KEEL_VERSION "0.1.0"

extern char **environ;
/* LICENSE, embedded by init/license.S */
extern const char keel_license[];

/* `keel NAME ...` subcommands; the one place argv[1] is dispatched on. */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} main_subcommands[] = {
	{ "stats", stats_main },
	{ NULL, NULL },
};

/* The application's seccomp filter from KEEL_SECCOMP, _ACTION and _DENY;
 * an unknown system call name is bad input like any other. */
static int main_seccomp(struct keel_seccomp_config *sc)
{
	char why[256];
	const void *field;

	sc->action = (enum keel_seccomp_action)keel_opts.seccomp_action.word;
	if (seccomp_set_mode((enum keel_seccomp_mode)keel_opts.seccomp.word, sc,
			     why, sizeof(why)))
		field = &keel_opts.seccomp;
	else if (seccomp_parse_deny_list(keel_opts.seccomp_deny, sc, why,
					 sizeof(why)))
		field = &keel_opts.seccomp_deny;
	else
		return 0;
	/* as the user gave it: "KEEL_SECCOMP_DENY=x" or "--seccomp-deny x" */
	fatal("%s: %s", options_given(field), why);
	return 2;
}

/* The memory guard: finds the limit, makes the statistics folder (its
 * path goes into the child's environment) and says what to poll. */
static int main_guard(struct supervise_guard *sg)
{
	struct keel_guard_config cfg = {
		.root = "/",
		.rss_limit = &keel_opts.rss_limit,
		.on_limit = keel_opts.on_limit.word,
		.report = &keel_opts.report,
		.report_given = options_given(&keel_opts.report),
		.stats_dir = keel_opts.stats_dir,
	};

	return guard_init(&cfg, &sg->fd, &sg->events, &sg->timeout_ms);
}

/* --help, --version, --license, --dump-options: print and exit 0. */
static int main_actions(void)
{
	if (keel_opts.help) {
		options_help(stdout);
	} else if (keel_opts.version) {
		printf("keel version %s\n", KEEL_VERSION);
	} else if (keel_opts.license) {
		fputs(keel_license, stdout);
	} else {
		return -1;
	}
	return fflush(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct keel_seccomp_config seccomp = { 0 };
	struct supervise_guard guard = { .fd = -1, .timeout_ms = -1 };
	int rc;
	pid_t child;

	for (size_t i = 0; argc > 1 && main_subcommands[i].name; i++)
		if (!strcmp(argv[1], main_subcommands[i].name))
			return main_subcommands[i].run(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "--dump-options")) {
		options_dump(stdout);
		return 0;
	}

	/* Parse: flags, then variables; nothing has started yet. */
	if (options_parse(argc, argv, environ)) {
		fatal("%s", options_error);
		return 2;
	}
	log_verbosity = keel_opts.verbosity;
	if ((rc = main_actions()) >= 0)
		return rc;
	if ((rc = main_seccomp(&seccomp)) || (rc = inject_prepare()))
		return rc;
	/* The guard needs a supervising keel: none in exec mode. */
	if (keel_opts.mode.word != KEEL_MODE_EXEC &&
	    (rc = main_guard(&guard)))
		return rc;
	/* Only after every check that can refuse, so bad input stays one line. */
	options_warn_unknown(environ);
	if (keel_opts.mode.word == KEEL_MODE_EXEC)
		return spawn_exec(&seccomp);

	/* Signals, then spawn: still allowed to fail. */
	supervise_identity();
	log_sink_open();
	if (supervise_signals())
		return 1;
	child = spawn_child(&seccomp);
	if (child < 0)
		return 1;
	oom_protect_self();

	/* Supervise: from here on keel only warns and exits with the child.
	 * The guard's thread first: keel's filter reaches it (TSYNC). */
	guard_thread_start(&guard);
	if (keel_opts.seccomp_self)
		seccomp_confine_self();
	return supervise_run(child);
}
