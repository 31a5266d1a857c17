/* Configuration: the KEEL_* variables the shim reads, found by scanning
 * environ in the constructor (no getenv, nothing allocates). A bad value
 * gets one line on stderr and the default: the application always starts. */
#include "kl.h"
#include "common/heapstats.h"
#include "common/parse.h"

extern char **environ __attribute__((weak));

#define KL_DECAY_DEFAULT 500
#define KL_DECAY_MAX 60000

KL_HIDDEN struct kl_config kl_cfg = { .decay_ms = KL_DECAY_DEFAULT };

/* The value of NAME in environ, or 0 when unset or empty. */
static const char *config_get(const char *name)
{
	if (!&environ || !environ)
		return 0;
	for (char **e = environ; *e; e++) {
		const char *a = *e, *b = name;
		while (*b && *a == *b)
			a++, b++;
		if (!*b && *a == '=')
			return a[1] ? a + 1 : 0;
	}
	return 0;
}

void kl_config_read(void)
{
	const char *v;
	uint64_t ms;
	bool on;

	if ((v = config_get("KEEL_DECAY_MS"))) {
		if (parse_duration_ms(v, 1, &ms) == 0 && ms <= KL_DECAY_MAX)
			kl_cfg.decay_ms = ms;
		else
			kl_msg("libkeel: warning: KEEL_DECAY_MS=%s: not a duration (accepted: 0-60000); using %u",
			       v, KL_DECAY_DEFAULT);
	}
	if ((v = config_get("KEEL_STATS"))) {
		if (parse_bool(v, &on) == 0)
			kl_cfg.stats = on;
		else
			kl_msg("libkeel: warning: KEEL_STATS=%s: not a boolean (accepted: 1/0, true/false, yes/no, on/off); using off",
			       v);
	}
	if ((v = config_get("KEEL_ON_LIMIT"))) {
		if (parse_equal_nocase(v, "fail"))
			kl_cfg.on_limit_fail = true;
		else if (!parse_equal_nocase(v, "trim"))
			kl_msg("libkeel: warning: KEEL_ON_LIMIT=%s: not a policy (accepted: trim, fail); using trim",
			       v);
	}
	if ((v = config_get(KEEL_STATS_DIR_ENV)))
		kl_cfg.stats_dir = v;
}
