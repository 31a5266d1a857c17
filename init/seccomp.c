/* seccomp, application side: validates KEEL_SECCOMP, KEEL_SECCOMP_ACTION
 * and KEEL_SECCOMP_DENY, and loads the application's filter in the child
 * just before execve, so the app and all its descendants inherit it. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "common/parse.h"
#include "common/printable.h"
#include "init/log.h"
#include "init/seccomp.h"

#if KEEL_HAVE_SECCOMP
#include <seccomp.h>
#endif

#define SECCOMP_NAME_MAX 64

int seccomp_set_mode(enum keel_seccomp_mode mode,
		     struct keel_seccomp_config *cfg, char *why,
		     size_t why_size)
{
#if !KEEL_HAVE_SECCOMP
	if (mode != KEEL_SECCOMP_OFF) {
		snprintf(why, why_size,
			 "keel was built without seccomp (accepted: off)");
		return -1;
	}
#else
	(void)why;
	(void)why_size;
#endif
	cfg->mode = mode;
	return 0;
}

/* Resolves one name for the native architecture; a name the native
 * architecture lacks but another knows (iopl on aarch64) still resolves,
 * to a negative pseudo number that libseccomp maps per architecture. */
static int seccomp_resolve(const char *name)
{
#if KEEL_HAVE_SECCOMP
	int nr = seccomp_syscall_resolve_name(name);
	return nr == __NR_SCMP_ERROR ? -1 : nr;
#else
	(void)name;
	return -1;
#endif
}

int seccomp_parse_deny_list(const char *text, struct keel_seccomp_config *cfg,
			    char *why, size_t why_size)
{
	char name[SECCOMP_NAME_MAX + 1], q[KEEL_PRINTABLE_MAX];
	unsigned count = 0;

	cfg->deny_count = 0;
	if (!text || !*text)
		return 0;
#if !KEEL_HAVE_SECCOMP
	snprintf(why, why_size, "keel was built without seccomp");
	return -1;
#endif
	for (const char *p = text;; p++) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		/* Spaces around a name are forgiven: "mount, bpf". */
		while (len && *p == ' ') {
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (!len) {
			snprintf(why, why_size,
				 "empty system call name (accepted: names as in syscalls(2), separated by commas)");
			return -1;
		}
		if (len > SECCOMP_NAME_MAX) {
			snprintf(why, why_size,
				 "system call name \"%s...\" is too long",
				 printable_n(q, sizeof(q), p, 20));
			return -1;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		int nr = seccomp_resolve(name);
		if (nr == -1) {
			snprintf(why, why_size,
				 "unknown system call \"%s\"",
				 printable(q, sizeof(q), name));
			return -1;
		}
		if (count == KEEL_SECCOMP_DENY_MAX) {
			snprintf(why, why_size,
				 "more than %d system calls", KEEL_SECCOMP_DENY_MAX);
			return -1;
		}
		cfg->deny[count++] = nr;
		if (!end)
			break;
		p = end;
	}
	cfg->deny_count = count;
	return 0;
}

bool seccomp_app_filter_wanted(const struct keel_seccomp_config *cfg)
{
	return cfg->mode != KEEL_SECCOMP_OFF || cfg->deny_count > 0;
}

#if KEEL_HAVE_SECCOMP

/* PIDFD_SELF_THREAD_GROUP as the kernel reads it from a register: the
 * caller's own process. */
#define SECCOMP_PIDFD_SELF ((scmp_datum_t)(int64_t)-10001)

/* Denies call nr. process_madvise stays allowed on the caller itself
 * (PIDFD_SELF): libkeel returns free pages with it, a batch per call,
 * and under a kill action the application would die at its first purge.
 * Only another process's memory is what the lists protect. */
static int seccomp_deny(scmp_filter_ctx ctx, uint32_t action, int nr)
{
	if (nr == SCMP_SYS(process_madvise))
		return seccomp_rule_add(ctx, action, nr, 1,
					SCMP_A0(SCMP_CMP_NE,
						SECCOMP_PIDFD_SELF));
	return seccomp_rule_add(ctx, action, nr, 0);
}

/* Adds every rule of a NULL-terminated list. */
static int seccomp_deny_table(scmp_filter_ctx ctx, uint32_t action,
			      const struct keel_seccomp_rule *list)
{
	for (; list->name; list++) {
		int nr = seccomp_resolve(list->name);
		if (nr == -1)
			continue;	/* a libseccomp older than the table */
		int rc = seccomp_deny(ctx, action, nr);
		if (rc < 0) {
			error("unable to deny %s in the seccomp filter: %s",
			      list->name, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* strict denies unshare, so it must also deny clone with the same
 * namespace flags. clone3 passes its flags in memory a filter cannot
 * read: it gets ENOSYS, so libc falls back to clone, which can be read. */
static int seccomp_deny_clone_namespaces(scmp_filter_ctx ctx, uint32_t action)
{
	static const unsigned long flags[] = {
		CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
		CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
	};
	int rc;

	for (unsigned i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct scmp_arg_cmp has_flag =
			SCMP_A0(SCMP_CMP_MASKED_EQ, flags[i], flags[i]);
		rc = seccomp_rule_add(ctx, action, SCMP_SYS(clone), 1, has_flag);
		if (rc < 0)
			return rc;
	}
	/* Under "log" nothing may change behaviour, so clone3 is logged. */
	if (action == SCMP_ACT_LOG)
		return seccomp_rule_add(ctx, action, SCMP_SYS(clone3), 0);
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
				0);
}

static bool seccomp_listed(const struct keel_seccomp_rule *list, int nr)
{
	for (; list->name; list++)
		if (seccomp_resolve(list->name) == nr)
			return true;
	return false;
}

/* The compat architectures a process of the native one can switch to:
 * int 0x80 (i386) and the x32 ABI on x86_64, AArch32 on aarch64. Each is
 * added so the same names are denied there too; any other architecture
 * is killed (the bad-arch action), so no ABI can go around the list. */
static int seccomp_add_compat_arches(scmp_filter_ctx ctx)
{
	static const uint32_t arches[] = {
#if defined(__x86_64__)
		SCMP_ARCH_X86, SCMP_ARCH_X32,
#elif defined(__aarch64__)
		SCMP_ARCH_ARM,
#endif
		0,
	};

	for (unsigned i = 0; arches[i]; i++) {
		int rc = seccomp_arch_add(ctx, arches[i]);
		if (rc < 0 && rc != -EEXIST)
			return rc;
	}
	return 0;
}

int seccomp_apply_app_filter(const struct keel_seccomp_config *cfg)
{
	static const uint32_t actions[] = {
		[KEEL_SECCOMP_ERRNO] = SCMP_ACT_ERRNO(EPERM),
		[KEEL_SECCOMP_KILL] = SCMP_ACT_KILL_PROCESS,
		[KEEL_SECCOMP_LOG] = SCMP_ACT_LOG,
	};
	uint32_t action = actions[cfg->action];
	const char *what = "create";
	scmp_filter_ctx ctx;
	int rc;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		error("unable to create the application's seccomp filter: %s",
		      strerror(ENOMEM));
		return -1;
	}
	what = "configure";
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (!rc)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
				      SCMP_ACT_KILL_PROCESS);
	if (!rc)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (!rc)
		rc = seccomp_add_compat_arches(ctx);
	if (rc)
		goto release;
	what = "build";
	if (cfg->mode >= KEEL_SECCOMP_DEFAULT)
		rc = seccomp_deny_table(ctx, action, seccomp_default_list);
	if (!rc && cfg->mode == KEEL_SECCOMP_STRICT)
		rc = seccomp_deny_table(ctx, action, seccomp_strict_list);
	if (!rc && cfg->mode == KEEL_SECCOMP_STRICT)
		rc = seccomp_deny_clone_namespaces(ctx, action);
	for (unsigned i = 0; !rc && i < cfg->deny_count; i++) {
		int nr = cfg->deny[i];
		/* Already denied by the mode's lists: one rule per call. */
		if (cfg->mode >= KEEL_SECCOMP_DEFAULT &&
		    seccomp_listed(seccomp_default_list, nr))
			continue;
		if (cfg->mode == KEEL_SECCOMP_STRICT &&
		    (seccomp_listed(seccomp_strict_list, nr) ||
		     nr == SCMP_SYS(clone3)))
			continue;
		rc = seccomp_deny(ctx, action, nr);
	}
	if (rc)
		goto release;
	what = "load";
	rc = seccomp_load(ctx);
release:
	seccomp_release(ctx);
	if (rc) {
		error("unable to %s the application's seccomp filter: %s",
		      what, strerror(-rc));
		return -1;
	}
	return 0;
}

#else /* !KEEL_HAVE_SECCOMP */

int seccomp_apply_app_filter(const struct keel_seccomp_config *cfg)
{
	(void)cfg;
	error("unable to apply KEEL_SECCOMP: keel was built without seccomp");
	return -1;
}

#endif
