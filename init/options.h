/* keel's settings, read once from flags and the environment by the table in
 * options.def; every module reads the result from keel_opts. Precedence:
 * flag, then KEEL_* variable, then tini's variable, then the default. */
#ifndef KEEL_OPTIONS_H
#define KEEL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/optvalue.h"

#define KEEL_NSIG 65

/* Exit codes -e maps to 0, one bit each. */
struct keel_exit_set {
	uint8_t bits[32];
};

/* -r FROM:TO; to[FROM] is 0 when FROM is not rewritten, -1 to drop it. */
struct keel_rewrite {
	int to[KEEL_NSIG];
};

#define KEEL_CTYPE_exit_list struct keel_exit_set
#define KEEL_CTYPE_rewrite_list struct keel_rewrite

/* Durations are milliseconds; an enumeration holds its word's index and
 * the text as given; an unset path or list is NULL. */
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

/* A setting as the user gave it, by its field in keel_opts
 * (options_given(&keel_opts.malloc)): "KEEL_MALLOC=x", "--malloc x", or
 * the variable and its default; for messages that name it. */
const char *options_given(const void *field);

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
