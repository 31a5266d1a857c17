/* seccomp: an optional filter for the application (KEEL_SECCOMP, _DENY,
 * _ACTION) and PID 1 confining itself once the main child runs. Built on
 * libseccomp when KEEL_HAVE_SECCOMP; without it every entry point fails
 * cleanly with "keel was built without seccomp". See docs/seccomp.md. */
#ifndef KEEL_SECCOMP_H
#define KEEL_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>

#define KEEL_SECCOMP_DENY_MAX 64

/* off: no filter unless KEEL_SECCOMP_DENY names calls; default: deny the
 * documented default list; strict: the default list and the strict list. */
enum keel_seccomp_mode {
	KEEL_SECCOMP_OFF = 0,
	KEEL_SECCOMP_DEFAULT,
	KEEL_SECCOMP_STRICT,
};

enum keel_seccomp_action {
	KEEL_SECCOMP_ERRNO = 0,	/* a denied call fails with EPERM */
	KEEL_SECCOMP_KILL,	/* a denied call kills the process (SIGSYS) */
	KEEL_SECCOMP_LOG,	/* a denied call is logged by the kernel, runs */
};

struct keel_seccomp_config {
	enum keel_seccomp_mode mode;
	enum keel_seccomp_action action;
	unsigned deny_count;
	int deny[KEEL_SECCOMP_DENY_MAX];	/* native syscall numbers */
};

/* The option table accepts the mode and action words (their order is the
 * enums'); what is left to check returns 0 and stores into cfg, or -1 and
 * writes into why[] the reason, which the init prints after the setting
 * as the user gave it, e.g. `KEEL_SECCOMP_DENY=x: unknown system call
 * "x"`. A mode other than off is refused by a keel built without
 * libseccomp; an empty deny list counts as unset. */
int seccomp_set_mode(enum keel_seccomp_mode mode,
		     struct keel_seccomp_config *cfg, char *why,
		     size_t why_size);
int seccomp_parse_deny_list(const char *text, struct keel_seccomp_config *cfg,
			    char *why, size_t why_size);

/* True when cfg asks for an application filter at all. */
bool seccomp_app_filter_wanted(const struct keel_seccomp_config *cfg);

/* In the child, just before execve: sets no_new_privs and loads the
 * application's filter (allow by default, deny the configured calls on
 * the native and compat architectures). Returns 0, or -1 after logging. */
int seccomp_apply_app_filter(const struct keel_seccomp_config *cfg);

/* Where keel's SIGSYS handler can set a refused call's return value: there
 * its own filter traps, so refusals are logged; elsewhere it says EPERM. */
#if defined(__x86_64__) || defined(__aarch64__)
#define SECCOMP_SELF_TRAPS 1
#else
#define SECCOMP_SELF_TRAPS 0
#endif

/* Build time: writes keel's own filter as BPF to fd (seccomp_self_rules.c;
 * nothing without libseccomp). Returns 0 or a negative errno. */
int seccomp_self_export(int fd);

/* In PID 1, after the main child started: allow only the calls keel needs
 * from then on; any other call fails with EPERM and is logged once. SIGSYS
 * carries the refusal, so it must stay unblocked from then on (the
 * bug-signal rule). Returns 0, or -1 after logging (keel runs on). */
int seccomp_confine_self(void);

/* How many calls the self filter refused so far (for tests and reports). */
unsigned seccomp_self_refused(void);

/* The documented deny lists (seccomp_lists.c). */
struct keel_seccomp_rule {
	const char *name;
	const char *reason;
};
extern const struct keel_seccomp_rule seccomp_default_list[];
extern const struct keel_seccomp_rule seccomp_strict_list[];

/* keel's own allow list, NULL-terminated (seccomp_self_rules.c; without
 * libseccomp it is empty). */
extern const char *const seccomp_self_allow[];

#endif
