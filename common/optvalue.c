/* Values of the option table, for keel and libkeel.so (see optvalue.h).
 * Without libc: the shim parses its settings in its constructor. */
#include "optvalue.h"
#include "parse.h"

static const char *const optvalue_nouns[] = {
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

const char *optvalue_noun(enum keel_opt_type type)
{
	return optvalue_nouns[type];
}

const char *optvalue_accepted(enum keel_opt_type type, const char *range)
{
	if (type == KEEL_OPT_bool)
		return "1/0, true/false, yes/no, on/off";
	return range;
}

static char optvalue_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Does s equal the n bytes at w, in any case? */
static bool optvalue_is(const char *s, const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!s[i] || optvalue_lower(s[i]) != optvalue_lower(w[i]))
			return false;
	return !s[i];
}

/* A file name as LD_PRELOAD takes one, searched by the loader:
 * "libjemalloc.so.2". */
static bool optvalue_soname(const char *s)
{
	bool so = false;

	for (const char *p = s; *p; p++) {
		if (*p == '/')
			return false;
		if (p[0] == '.' && p[1] == 's' && p[2] == 'o' &&
		    (!p[3] || p[3] == '.'))
			so = true;
	}
	return so && s[0] != '.';
}

int optvalue_word(const char *s, const char *range)
{
	const char *p = range;
	int index = 0;

	while (*p) {
		size_t n = 0;

		while (p[n] && p[n] != '|')
			n++;
		if (optvalue_is("/path", p, n) ? s[0] == '/' :
		    optvalue_is("soname", p, n) ? optvalue_soname(s) :
		    optvalue_is(s, p, n))
			return index;
		p += n + (p[n] ? 1 : 0);
		index++;
	}
	return -1;
}

/* Stores only a value it accepts: the shim keeps its default otherwise. */
static int optvalue_limit(const char *s, struct keel_limit *lim)
{
	struct keel_limit v = { 0, 0, s };
	size_t n = 0;

	while (s[n])
		n++;
	/* 0 says off as clearly as "off" does */
	if (parse_equal_nocase(s, "off") || (s[0] == '0' && !s[1])) {
		/* off: both zero */
	} else if (n && s[n - 1] == '%') {
		if (parse_percent(s, &v.centi_percent) || v.centi_percent < 100)
			return -1;
	} else if (parse_size(s, &v.bytes)) {
		return -1;
	}
	*lim = v;
	return 0;
}

int optvalue_parse(enum keel_opt_type type, const char *s, uint64_t min,
		   uint64_t max, const char *range, void *dst)
{
	uint64_t n;
	int word;
	bool b;

	switch (type) {
	case KEEL_OPT_count:
		if (parse_u64(s, &n) || n < min || n > max)
			return -1;
		*(int *)dst = (int)n;
		return 0;
	case KEEL_OPT_bool:
		if (parse_bool(s, &b))
			return -1;
		*(bool *)dst = b;
		return 0;
	case KEEL_OPT_enumeration:
		if ((word = optvalue_word(s, range)) < 0)
			return -1;
		((struct keel_choice *)dst)->word = word;
		((struct keel_choice *)dst)->text = s;
		return 0;
	case KEEL_OPT_duration:
	case KEEL_OPT_duration_ms:
		if (parse_duration_ms(s, type == KEEL_OPT_duration ? 1000 : 1,
				      &n) || n < min || n > max)
			return -1;
		*(uint64_t *)dst = n;
		return 0;
	case KEEL_OPT_path:
		if (s[0] != '/')
			return -1;
		*(const char **)dst = s;
		return 0;
	case KEEL_OPT_size_or_percent:
		return optvalue_limit(s, dst);
	default:
		return -2;
	}
}
