/* keel's settings, read once from flags and the environment by the table in
 * options.def; every module reads the result from keel_opts. Precedence:
 * flag, then KEEL_* variable, then tini's variable, then the default. */
#ifndef KEEL_OPTIONS_H
#define KEEL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KEEL_NSIG 65

/* Exit codes -e maps to 0, one bit each. */
struct keel_exit_set {
	uint8_t bits[32];
};

/* -r FROM:TO; to[FROM] is 0 when FROM is not rewritten, -1 to drop it. */
struct keel_rewrite {
	int to[KEEL_NSIG];
};

/* A size or a share of the cgroup limit: at most one of the two is set;
 * both zero means off. */
struct keel_limit {
	uint64_t bytes;
	uint32_t centi_percent;
};

#define KEEL_CTYPE_action bool
#define KEEL_CTYPE_count int
#define KEEL_CTYPE_bool bool
#define KEEL_CTYPE_signal int
#define KEEL_CTYPE_exit_list struct keel_exit_set
#define KEEL_CTYPE_rewrite_list struct keel_rewrite
#define KEEL_CTYPE_enumeration const char *
#define KEEL_CTYPE_duration uint64_t
#define KEEL_CTYPE_duration_ms uint64_t
#define KEEL_CTYPE_path const char *
#define KEEL_CTYPE_size_or_percent struct keel_limit
#define KEEL_CTYPE_string_list const char *

/* Who reads a setting (options.def's last column). */
#define KEEL_USER_INIT 1u
#define KEEL_USER_SHIM 2u

enum keel_opt_type {
	KEEL_OPT_action, KEEL_OPT_count, KEEL_OPT_bool, KEEL_OPT_signal,
	KEEL_OPT_exit_list, KEEL_OPT_rewrite_list, KEEL_OPT_enumeration,
	KEEL_OPT_duration, KEEL_OPT_duration_ms, KEEL_OPT_path,
	KEEL_OPT_size_or_percent, KEEL_OPT_string_list,
};

/* Durations are milliseconds; enumerations hold the accepted word or path;
 * an unset path or list is NULL. */
struct keel_options {
#define KEEL_OPT(field, lng, shrt, env, tini, type, def, min, max, range, help, \
		 users) \
	KEEL_CTYPE_##type field;
#include "init/options.def"
#undef KEEL_OPT
	char **argv; /* PROGRAM and its arguments */
};

extern struct keel_options keel_opts;

/* The last error, one line without "keel: fatal: ", for main to print. */
extern char options_error[512];

/* Fills keel_opts from argv and envp. Returns 0, or -1 with options_error
 * set (bad input: the caller exits 2). PROGRAM may be missing only when an
 * action (--help, --version, --license) was asked for. */
int options_parse(int argc, char **argv, char **envp);

/* Warns once for each KEEL_* variable no row knows, naming the closest. */
void options_warn_unknown(char **envp);

/* The child's exit code after -e: 0 when listed, else unchanged. */
int options_remap_exit(int code);

/* The signal to forward for sig after -r: sig, its rewrite, or 0 (drop). */
int options_rewrite(int sig);

void options_help(FILE *out);

/* The table, one tab-separated row per line, for tests/docs/generate. */
void options_dump(FILE *out);

#endif
