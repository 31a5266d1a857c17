/* Option parsing driven by options.def: flags first, then KEEL_* and tini
 * variables, then defaults, each value checked against its row's range so
 * that bad input stops keel with one line before anything starts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/parse.h"
#include "init/options_table.h"
#include "init/signame.h"

struct keel_options keel_opts;
char options_error[512];

const struct keel_opt_row options_rows[] = {
#define KEEL_OPT(field, lng, shrt, env, tini, type, def, min, max, range, help, \
		 users) \
	{ lng, shrt, env, tini, KEEL_OPT_##type, #type, def, min, max, range,  \
	  help, offsetof(struct keel_options, field), users },
#include "init/options.def"
#undef KEEL_OPT
};

const size_t options_count = sizeof(options_rows) / sizeof(options_rows[0]);

/* The accepted word of each enumeration row, as the table spells it. */
#define OPTIONS_WORD_MAX 16
static char options_words[sizeof(options_rows) / sizeof(options_rows[0])]
			 [OPTIONS_WORD_MAX];

static const char *const options_nouns[] = {
	[KEEL_OPT_action] = "takes no value",
	[KEEL_OPT_count] = "not a verbosity level",
	[KEEL_OPT_bool] = "not a boolean",
	[KEEL_OPT_signal] = "not a signal",
	[KEEL_OPT_exit_list] = "not a list of exit codes",
	[KEEL_OPT_rewrite_list] = "not a signal rewrite",
	[KEEL_OPT_enumeration] = "not an accepted value",
	[KEEL_OPT_duration] = "not a duration",
	[KEEL_OPT_duration_ms] = "not a duration",
	[KEEL_OPT_path] = "not an absolute path",
	[KEEL_OPT_size_or_percent] = "not a size",
	[KEEL_OPT_string_list] = "not a list",
};

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

/* "accepted: on|off" style tail for the row. */
static const char *options_accepted(const struct keel_opt_row *row)
{
	if (row->type == KEEL_OPT_bool)
		return "1/0, true/false, yes/no, on/off";
	return row->range;
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

/* Is s one of the words of "a|b|/path", in any case? "/path" admits
 * absolute paths. Returns the word as the table spells it (copied into
 * word, one per row), so every reader compares against one spelling; or
 * s, a path; NULL when it is none. */
static const char *options_enum(const char *s, const char *range,
				char word[OPTIONS_WORD_MAX])
{
	const char *p = range;

	while (*p) {
		const char *end = strchr(p, '|');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 5 && !strncmp(p, "/path", 5) && s[0] == '/')
			return s;
		if (strlen(s) == n && n < OPTIONS_WORD_MAX &&
		    !strncasecmp(s, p, n)) {
			memcpy(word, p, n);
			word[n] = 0;
			return word;
		}
		p += n + (end ? 1 : 0);
	}
	return NULL;
}

static int options_limit(const char *s, struct keel_limit *lim)
{
	size_t n = strlen(s);
	uint64_t bytes;
	uint32_t centi;

	/* 0 says off as clearly as "off" does */
	if (parse_equal_nocase(s, "off") || !strcmp(s, "0")) {
		lim->bytes = 0;
		lim->centi_percent = 0;
		return 0;
	}
	if (n && s[n - 1] == '%') {
		if (parse_percent(s, &centi) || centi < 100)
			return -1;
		lim->bytes = 0;
		lim->centi_percent = centi;
		return 0;
	}
	if (parse_size(s, &bytes))
		return -1;
	lim->bytes = bytes;
	lim->centi_percent = 0;
	return 0;
}

/* Parses text for row into keel_opts; -1 when it is not acceptable. */
static int options_store(const struct keel_opt_row *row, const char *s)
{
	void *dst = (char *)&keel_opts + row->offset;
	uint64_t n;
	int sig;
	bool b;

	switch (row->type) {
	case KEEL_OPT_action:
		*(bool *)dst = true;
		return 0;
	case KEEL_OPT_count:
		if (parse_u64(s, &n) || n < row->min || n > row->max)
			return -1;
		*(int *)dst = (int)n;
		return 0;
	case KEEL_OPT_bool:
		if (parse_bool(s, &b))
			return -1;
		*(bool *)dst = b;
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
	case KEEL_OPT_enumeration:
		if (!(s = options_enum(s, row->range,
				       options_words[row - options_rows])))
			return -1;
		*(const char **)dst = s;
		return 0;
	case KEEL_OPT_duration:
	case KEEL_OPT_duration_ms:
		if (parse_duration_ms(s, row->type == KEEL_OPT_duration ? 1000 : 1,
				      &n) || n < row->min || n > row->max)
			return -1;
		*(uint64_t *)dst = n;
		return 0;
	case KEEL_OPT_path:
		if (s[0] != '/')
			return -1;
		*(const char **)dst = s;
		return 0;
	case KEEL_OPT_size_or_percent:
		return options_limit(s, dst);
	case KEEL_OPT_string_list:
		if (s[0] == ',' || strstr(s, ",,"))
			return -1;
		*(const char **)dst = s;
		return 0;
	}
	return -1;
}

/* Stores or fails with "NAME<sep>VALUE: noun (accepted: ...)". */
static int options_take(const struct keel_opt_row *row, const char *name,
			const char *sep, const char *value)
{
	if (options_store(row, value) == 0)
		return 0;
	return options_fail("%s%s%s: %s (accepted: %s)", name, sep, value,
			    options_nouns[row->type], options_accepted(row));
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
	char name[64];

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
				return options_fail("%s: unknown option (accepted: see keel --help)", a);
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
				return options_fail("-%c: unknown option (accepted: see keel --help)", *p);
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
		setenv(row->env, *(const char *const *)src, 1);
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
		} else if (*row->def && options_store(row, row->def)) {
			return options_fail("%s: bad default %s", row->lng, row->def);
		}
	}
	for (size_t i = 0; i < options_count; i++)
		if (seen[i])
			options_export(&options_rows[i]);
	if (keel_opts.exec)
		keel_opts.mode = "exec";
	keel_opts.argv = argv + first;
	if (first >= argc && !keel_opts.help && !keel_opts.version &&
	    !keel_opts.license)
		return options_fail("PROGRAM: missing (usage: keel [OPTIONS] [--] PROGRAM [ARGS...])");
	return 0;
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
