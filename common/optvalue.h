/* One value of the option table (init/options.def), shared by keel and
 * libkeel.so: each type's C form, its parser and the wording of a bad
 * value, so that the two never disagree on what is accepted or how a
 * refusal reads. Pure code with no libc calls, like parse.c. */
#ifndef KEEL_OPTVALUE_H
#define KEEL_OPTVALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum keel_opt_type {
	KEEL_OPT_action, KEEL_OPT_count, KEEL_OPT_bool, KEEL_OPT_signal,
	KEEL_OPT_exit_list, KEEL_OPT_rewrite_list, KEEL_OPT_enumeration,
	KEEL_OPT_duration, KEEL_OPT_duration_ms, KEEL_OPT_path,
	KEEL_OPT_size_or_percent, KEEL_OPT_string_list,
};

/* A size or a share of the cgroup limit: at most one of the two is set;
 * both zero means off. given is the setting as the user wrote it
 * ("KEEL_RSS_LIMIT=1G", "--rss-limit 1G"), for messages about it. */
struct keel_limit {
	uint64_t bytes;
	uint32_t centi_percent;
	const char *given;
};

/* An enumeration: which word of the row's range ("a|b|/path|soname") the
 * value is, and the value as given (the user's spelling, or the path). */
struct keel_choice {
	int word;
	const char *text;
};

/* The words of the enumeration rows that code acts on, numbered in the
 * order their range in options.def lists them (tests/unit/test_options.c
 * checks each against the table). */
enum keel_mode { KEEL_MODE_INIT, KEEL_MODE_EXEC };
enum keel_malloc {
	KEEL_MALLOC_KEEL, KEEL_MALLOC_OFF, KEEL_MALLOC_NONE,
	KEEL_MALLOC_PATH, KEEL_MALLOC_SONAME,
};
enum keel_on_limit { KEEL_ON_LIMIT_TRIM, KEEL_ON_LIMIT_FAIL };
enum keel_report { KEEL_REPORT_STDERR, KEEL_REPORT_OFF, KEEL_REPORT_PATH };
enum keel_fault_cost {
	KEEL_FAULT_COST_AUTO, KEEL_FAULT_COST_LOW, KEEL_FAULT_COST_HIGH,
};

/* The C type of a field of each type (the table's lists and signals are
 * the init's own: init/options.h). */
#define KEEL_CTYPE_action bool
#define KEEL_CTYPE_count int
#define KEEL_CTYPE_bool bool
#define KEEL_CTYPE_signal int
#define KEEL_CTYPE_enumeration struct keel_choice
#define KEEL_CTYPE_duration uint64_t
#define KEEL_CTYPE_duration_ms uint64_t
#define KEEL_CTYPE_path const char *
#define KEEL_CTYPE_size_or_percent struct keel_limit
#define KEEL_CTYPE_string_list const char *

/* Who reads a setting: options.def's last column, a token so that the
 * shim can pick its rows with the preprocessor (shim/config.c). */
#define KEEL_USER_INIT 1u
#define KEEL_USER_SHIM 2u
#define KEEL_USERS_INIT KEEL_USER_INIT
#define KEEL_USERS_SHIM KEEL_USER_SHIM
#define KEEL_USERS_INIT_SHIM (KEEL_USER_INIT | KEEL_USER_SHIM)

/* The one wording of a bad value: NAME, "=" or " ", VALUE, the type's
 * noun, what is accepted. keel prints it as fatal; libkeel as a warning
 * followed by "; using DEFAULT". */
#define KEEL_OPT_BAD_FMT "%s%s%s: %s (accepted: %s)"

/* "not a duration", ... */
const char *optvalue_noun(enum keel_opt_type type);

/* What a row accepts, as said in messages. */
const char *optvalue_accepted(enum keel_opt_type type, const char *range);

/* The index of s among the words of range ("a|b|/path|soname", any
 * case; "/path" takes an absolute path, "soname" a file name with ".so"
 * in it and no '/'), or -1. */
int optvalue_word(const char *s, const char *range);

/* Parses s as a value of type, within [min, max] where the type has a
 * range, into *dst (the field's KEEL_CTYPE), which is left alone unless
 * s is accepted. Returns 0, -1 when s is not acceptable, -2 for the init's
 * own types (lists, signals, actions). */
int optvalue_parse(enum keel_opt_type type, const char *s, uint64_t min,
		   uint64_t max, const char *range, void *dst);

#endif
