/* Configuration: the KEEL_* variables the shim reads, with the names,
 * defaults, limits and wording of keel's own option table (the SHIM rows
 * of init/options.def, parsed by common/optvalue.c), found by scanning
 * environ in the constructor (no getenv, nothing allocates). A bad value
 * gets one line on stderr and the default: the application always starts. */
#include "kl_config.h"
#include "common/heapstats.h"
#include "common/printable.h"

extern char **environ __attribute__((weak));

KL_HIDDEN struct kl_config kl_cfg;

/* The table's rows that the shim reads: a row's users column is a token,
 * and only SHIM and INIT_SHIM keep theirs. */
#define KL_ROW_INIT(...)
#define KL_ROW_SHIM(...) __VA_ARGS__
#define KL_ROW_INIT_SHIM(...) __VA_ARGS__

static const struct {
	const char *env;
	enum keel_opt_type type;
	const char *def;
	uint64_t min, max;
	const char *range;
	size_t offset;
} config_rows[] = {
#define KEEL_OPT(field, lng, shrt, env, tini, type, def, min, max, range, help, \
		 users) \
	KL_ROW_##users({ env, KEEL_OPT_##type, def, min, max, range,       \
			 __builtin_offsetof(struct kl_config, field) },)
#include "init/options.def"
#undef KEEL_OPT
};

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

#define CONFIG_ROWS (sizeof(config_rows) / sizeof(config_rows[0]))

/* The table's defaults, from the first malloc on (kl_boot): a program
 * allocates before the constructor reads its environment. Racing threads
 * write the same values. */
void kl_config_defaults(void)
{
	for (size_t i = 0; i < CONFIG_ROWS; i++)
		optvalue_parse(config_rows[i].type, config_rows[i].def,
			       config_rows[i].min, config_rows[i].max,
			       config_rows[i].range,
			       (char *)&kl_cfg + config_rows[i].offset);
}

/* The environment over the defaults; a bad value leaves the default. */
void kl_config_read(void)
{
	for (size_t i = 0; i < CONFIG_ROWS; i++) {
		__typeof__(config_rows[0]) *row = &config_rows[i];
		void *dst = (char *)&kl_cfg + row->offset;
		const char *v = config_get(row->env);
		char q[KEEL_PRINTABLE_MAX];

		if (v && optvalue_parse(row->type, v, row->min, row->max,
					row->range, dst) < 0)
			kl_msg("libkeel: warning: " KEEL_OPT_BAD_FMT "; using %s",
			       row->env, "=", printable(q, sizeof(q), v),
			       optvalue_noun(row->type),
			       optvalue_accepted(row->type, row->range),
			       row->def);
	}
	kl_cfg.stats_dir = config_get(KEEL_STATS_DIR_ENV);
}
