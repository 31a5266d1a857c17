/* The configuration's interface (config.c): the rows of keel's option table
 * that the shim reads, as typed fields. */
#ifndef KL_CONFIG_H
#define KL_CONFIG_H

#include "kl_os.h"
#include "common/optvalue.h"

/* One field for each row of init/options.def the shim reads (config.c),
 * named and typed as keel names and types it. */
#define KL_FIELD_INIT(...)
#define KL_FIELD_SHIM(...) __VA_ARGS__
#define KL_FIELD_INIT_SHIM(...) __VA_ARGS__
struct kl_config {
#define KEEL_OPT(field, lng, shrt, env, tini, type, def, min, max, range, help, \
		 users) \
	KL_FIELD_##users(KEEL_CTYPE_##type field;)
#include "init/options.def"
#undef KEEL_OPT
	const char *stats_dir;	/* keel's instance folder, from keel */
};
extern KL_HIDDEN struct kl_config kl_cfg;
void kl_config_defaults(void);
void kl_config_read(void);

#endif
