/* Option parsing driven by options.def: flags first, then KEEL_* and tini
 * variables, then defaults, each value checked against its row's range so
 * that bad input stops keel with one line before anything starts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/parse.h"
#include "common/printable.h"
#include "init/options_table.h"
#include "init/signame.h"

struct keel_options keel_opts;
char options_error[512];

const struct keel_opt_row options_rows[] = {
#define KEEL_OPT(field, lng, shrt, env, tini, type, def, min, max, range, help, \
		 users) \
	{ lng, shrt, env, tini, KEEL_OPT_##type, #type, def, min, max, range,  \
	  help, offsetof(struct keel_options, field), KEEL_USERS_##users },
#include "init/options.def"
#undef KEEL_OPT
};

const size_t options_count = sizeof(options_rows) / sizeof(options_rows[0]);

/* Each row's setting as the user wrote it ("KEEL_RSS_LIMIT=1G",
 * "--rss-limit 1G"), escaped (printable.h), for messages that name it
 * later (struct keel_limit). */
#define OPTIONS_GIVEN_MAX 96
static char options_given_text[sizeof(options_rows) / sizeof(options_rows[0])]
			 [OPTIONS_GIVEN_MAX];

static int options_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int options_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(options_error, sizeof(options_error), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *options_accepted(const struct keel_opt_row *row)
{
	return optvalue_accepted(row->type, row->range);
}

/* One signal in [min, max] of the row, or 0 when allowed (rewrite TO). */
static int options_signal(const char *s, int *sig)
{
	return signame_parse(s, sig);
}

/* Copies the next comma-separated item of *s into buf: 1, 0 at the end,
 * or -1 for an item longer than buf (cut short, it could read as another
 * valid value: "0000...0001000" as 1). */
static int options_item(const char **s, char *buf, size_t len)
{
	const char *p = *s, *end;
	size_t n;

	if (!*p)
		return 0;
	end = strchr(p, ',');
	n = end ? (size_t)(end - p) : strlen(p);
	if (n >= len)
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	*s = end ? end + 1 : p + strlen(p);
	return 1;
}

static int options_exit_list(const char *s, struct keel_exit_set *set)
{
	char item[32];
	uint64_t code;
	int more;

	if (!*s)
		return -1;
	while ((more = options_item(&s, item, sizeof(item))) > 0) {
		if (parse_u64(item, &code) || code > 255)
			return -1;
		set->bits[code / 8] |= (uint8_t)(1u << (code % 8));
	}
	return more;
}

static int options_rewrite_list(const char *s, struct keel_rewrite *rw)
{
	char item[64];
	int more;

	if (!*s)
		return -1;
	while ((more = options_item(&s, item, sizeof(item))) > 0) {
		char *colon = strchr(item, ':');
		int from, to = 0;

		if (!colon)
			return -1;
		*colon = '\0';
		if (options_signal(item, &from) || from >= KEEL_NSIG)
			return -1;
		if (strcmp(colon + 1, "0") &&
		    (options_signal(colon + 1, &to) || to >= KEEL_NSIG))
			return -1;
		rw->to[from] = to ? to : -1;
	}
	return more;
}

/* Parses text for row into keel_opts; -1 when it is not acceptable. */
static int options_store(const struct keel_opt_row *row, const char *s)
{
	void *dst = (char *)&keel_opts + row->offset;
	int sig, rc;

	switch (row->type) {
	case KEEL_OPT_action:
		*(bool *)dst = true;
		return 0;
	case KEEL_OPT_signal:
		if (options_signal(s, &sig) || sig >= KEEL_NSIG)
			return -1;
		*(int *)dst = sig;
		return 0;
	case KEEL_OPT_exit_list:
		return options_exit_list(s, dst);
	case KEEL_OPT_rewrite_list:
		return options_rewrite_list(s, dst);
	case KEEL_OPT_string_list:
		if (s[0] == ',' || strstr(s, ",,"))
			return -1;
		*(const char **)dst = s;
		return 0;
	default:
		rc = optvalue_parse(row->type, s, row->min, row->max,
				    row->range, dst);
		return rc < 0 ? -1 : 0;
	}
}

/* Stores or fails with "NAME<sep>VALUE: noun (accepted: ...)", VALUE
 * escaped: it is the user's, and the message must stay one line. */
static int options_take(const struct keel_opt_row *row, const char *name,
			const char *sep, const char *value)
{
	char *given = options_given_text[row - options_rows];
	char q[KEEL_PRINTABLE_MAX];
	int n;

	if (options_store(row, value) == 0) {
		/* the table's names are short: never near the size */
		n = snprintf(given, OPTIONS_GIVEN_MAX, "%s%s", name, sep);
		if (n > 0 && n < OPTIONS_GIVEN_MAX)
			printable(given + n, OPTIONS_GIVEN_MAX - (size_t)n,
				  value);
		if (row->type == KEEL_OPT_size_or_percent)
			((struct keel_limit *)((char *)&keel_opts +
					       row->offset))->given = given;
		return 0;
	}
	return options_fail(KEEL_OPT_BAD_FMT, name, sep,
			    printable(q, sizeof(q), value),
			    optvalue_noun(row->type), options_accepted(row));
}

static const char *options_getenv(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (char **e = envp; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return (*e)[n + 1] ? *e + n + 1 : NULL;
	return NULL;
}

static bool options_takes_value(const struct keel_opt_row *row)
{
	return row->type != KEEL_OPT_action && row->type != KEEL_OPT_count &&
	       row->type != KEEL_OPT_bool;
}

/* One flag with its value (NULL when the flag takes none). */
static int options_flag(const struct keel_opt_row *row, const char *name,
			const char *value, int *verbose_flags)
{
	if (row->type == KEEL_OPT_count) {
		(*verbose_flags)++;
		return 0;
	}
	if (row->type == KEEL_OPT_bool && !value)
		value = "on";
	return options_take(row, name, " ", value ? value : "");
}

static const struct keel_opt_row *options_by_long(const char *s, size_t n)
{
	for (size_t i = 0; i < options_count; i++)
		if (strlen(options_rows[i].lng) == n &&
		    !strncmp(options_rows[i].lng, s, n))
			return &options_rows[i];
	return NULL;
}

static const struct keel_opt_row *options_by_short(char c)
{
	for (size_t i = 0; i < options_count; i++)
		if (options_rows[i].shrt && options_rows[i].shrt == c)
			return &options_rows[i];
	return NULL;
}

/* Flags up to PROGRAM or "--"; seen[] marks the rows a flag set. */
static int options_flags(int argc, char **argv, bool *seen, int *first)
{
	int verbose = 0, i;
	char name[64], q[KEEL_PRINTABLE_MAX];

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct keel_opt_row *row;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			const char *value = eq ? eq + 1 : NULL;

			row = options_by_long(a + 2, n);
			if (!row || (eq && row->type == KEEL_OPT_action))
				return options_fail("%s: unknown option (accepted: see keel --help)",
						    printable(q, sizeof(q), a));
			snprintf(name, sizeof(name), "--%s", row->lng);
			/* "--seccomp-self off PROGRAM": a boolean's word may
			 * follow, as long as something is left to run */
			if (!value && row->type == KEEL_OPT_bool &&
			    i + 2 < argc && parse_bool(argv[i + 1], &(bool){ 0 }) == 0)
				value = argv[++i];
			if (!value && options_takes_value(row)) {
				if (++i >= argc)
					return options_fail("%s: missing value (accepted: %s)", name, options_accepted(row));
				value = argv[i];
			}
			if (options_flag(row, name, value, &verbose))
				return -1;
			seen[row - options_rows] = true;
			continue;
		}
		for (const char *p = a + 1; *p; p++) {
			const char *value = NULL;

			row = options_by_short(*p);
			if (!row)
				return options_fail("-%s: unknown option (accepted: see keel --help)",
						    printable_n(q, sizeof(q), p, 1));
			snprintf(name, sizeof(name), "-%c", *p);
			if (options_takes_value(row)) {
				if (p[1])
					value = p + 1;
				else if (++i < argc)
					value = argv[i];
				else
					return options_fail("%s: missing value (accepted: %s)", name, options_accepted(row));
			}
			if (options_flag(row, name, value, &verbose))
				return -1;
			seen[row - options_rows] = true;
			if (value)
				break;
		}
	}
	if (verbose)
		keel_opts.verbosity = 1 + verbose;
	*first = i;
	return 0;
}

/* tini's own meaning of its variables, so that a tini user changes
 * nothing: TINI_SUBREAPER and TINI_KILL_PROCESS_GROUP are on when set, to
 * any value (tini tests getenv() != NULL), TINI_VERBOSITY is any integer
 * (tini's atoi), taken to keel's 0-3. 1 when it took the value. */
static int options_tini(const struct keel_opt_row *row, const char *v)
{
	void *dst = (char *)&keel_opts + row->offset;
	const char *p = v + (*v == '-' || *v == '+');
	uint64_t n;

	if (row->type == KEEL_OPT_bool) {
		*(bool *)dst = true;
		return 1;
	}
	if (row->type == KEEL_OPT_count && parse_u64(p, &n) == 0) {
		*(int *)dst = *v == '-' ? (int)row->min :
			      n > row->max ? (int)row->max : (int)n;
		return 1;
	}
	return 0;
}

/* A setting the shim reads from its environment, given as a flag: put it
 * in keel's environment, which the child inherits, in the variable's own
 * spelling. */
static void options_export(const struct keel_opt_row *row)
{
	const void *src = (const char *)&keel_opts + row->offset;
	char buf[32];

	if (!row->env || !(row->users & KEEL_USER_SHIM))
		return;
	switch (row->type) {
	case KEEL_OPT_bool:
		setenv(row->env, *(const bool *)src ? "1" : "0", 1);
		break;
	case KEEL_OPT_duration_ms:
		snprintf(buf, sizeof(buf), "%llu",
			 (unsigned long long)*(const uint64_t *)src);
		setenv(row->env, buf, 1);
		break;
	case KEEL_OPT_enumeration:
		setenv(row->env, ((const struct keel_choice *)src)->text, 1);
		break;
	default:
		break;
	}
}

int options_parse(int argc, char **argv, char **envp)
{
	bool seen[64] = { false };
	int first = argc;

	memset(&keel_opts, 0, sizeof(keel_opts));
	if (options_flags(argc, argv, seen, &first))
		return -1;
	for (size_t i = 0; i < options_count; i++) {
		const struct keel_opt_row *row = &options_rows[i];
		const char *v, *name = row->env;

		if (seen[i] || row->type == KEEL_OPT_action)
			continue;
		v = row->env ? options_getenv(envp, row->env) : NULL;
		if (!v && row->tini) {
			name = row->tini;
			v = options_getenv(envp, row->tini);
		}
		if (v && name == row->tini && options_tini(row, v)) {
			continue;
		} else if (v) {
			if (options_take(row, name, "=", v))
				return -1;
		} else if (*row->def &&
			   options_take(row, row->env ? row->env : row->lng,
					"=", row->def)) {
			return options_fail("%s: bad default %s", row->lng, row->def);
		}
	}
	for (size_t i = 0; i < options_count; i++)
		if (seen[i])
			options_export(&options_rows[i]);
	if (keel_opts.exec)
		keel_opts.mode = (struct keel_choice){ KEEL_MODE_EXEC, "exec" };
	keel_opts.argv = argv + first;
	if (first >= argc && !keel_opts.help && !keel_opts.version &&
	    !keel_opts.license)
		return options_fail("PROGRAM: missing (usage: keel [OPTIONS] [--] PROGRAM [ARGS...])");
	return 0;
}

const char *options_given(const void *field)
{
	size_t offset = (size_t)((const char *)field - (const char *)&keel_opts);

	for (size_t i = 0; i < options_count; i++)
		if (options_rows[i].offset == offset && *options_given_text[i])
			return options_given_text[i];
	return "";
}

int options_remap_exit(int code)
{
	if (code >= 0 && code <= 255 &&
	    (keel_opts.remap_exit.bits[code / 8] & (1u << (code % 8))))
		return 0;
	return code;
}

int options_rewrite(int sig)
{
	if (sig <= 0 || sig >= KEEL_NSIG || !keel_opts.rewrite.to[sig])
		return sig;
	return keel_opts.rewrite.to[sig] < 0 ? 0 : keel_opts.rewrite.to[sig];
}
