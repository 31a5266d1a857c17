/* The option table as data, shared by the parser (options.c) and the text
 * it prints (options_text.c): one row per line of options.def. */
#ifndef KEEL_OPTIONS_TABLE_H
#define KEEL_OPTIONS_TABLE_H

#include "init/options.h"

struct keel_opt_row {
	const char *lng;
	char shrt;
	const char *env;
	const char *tini;
	enum keel_opt_type type;
	const char *type_name;
	const char *def;
	uint64_t min;
	uint64_t max;
	const char *range;
	const char *help;
	size_t offset;
	unsigned users;		/* KEEL_USER_* */
};

extern const struct keel_opt_row options_rows[];
extern const size_t options_count;

#endif
