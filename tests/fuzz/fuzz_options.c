/* Fuzzes what keel reads before anything starts: the option parser over
 * its table (init/options.c), flags and environment together, and the
 * warning for unknown KEEL_* variables; the shared value parsers
 * (common/parse.c), each against a reference written here a different way;
 * signal names; and the cgroup memory.stat text parser. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "init/cgroup.h"
#include "init/log.h"
#include "init/options_table.h"
#include "init/signame.h"
#include "tests/fuzz/fuzz.h"

/* Input: words separated by NUL bytes; the words before the first empty
 * one are flags and arguments, the rest environment entries. A word may
 * name a table row by index, so every row is one byte away:
 *   \1 i REST   "--LONG" of row i, then REST ("=value" or nothing)
 *   \2 i REST   "-S" of row i (its short flag, "-v" when it has none)
 *   \3 i REST   "KEEL_VAR" of row i, then REST ("=value")
 *   \4 i REST   the tini variable of row i, then REST */
#define FUZZ_MAX_WORDS 64

/* The message sink, silent: messages are still formatted (a bad format
 * argument is a finding) but nothing is written. Defined here, the linker
 * takes no init/log.o from the archive. */
int log_verbosity = 3;

void log_at(int level, const char *tag, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	(void)level;
	(void)tag;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

void log_write_all(int fd, const char *p, size_t n)
{
	(void)fd;
	(void)p;
	(void)n;
}

/* A word of the input as a string of its own exact size. */
static char *fuzz_word(const uint8_t *w, size_t n)
{
	const struct keel_opt_row *row = NULL;
	const char *name = "", *pre = "";
	char shrt[2] = { 0, 0 };
	char *s;
	size_t len;

	if (n >= 2 && w[0] >= 1 && w[0] <= 4) {
		row = &options_rows[w[1] % options_count];
		switch (w[0]) {
		case 1: pre = "--"; name = row->lng; break;
		case 2: pre = "-"; shrt[0] = row->shrt ? row->shrt : 'v';
			name = shrt; break;
		case 3: name = row->env ? row->env : "KEEL_"; break;
		case 4: name = row->tini ? row->tini : "TINI_"; break;
		}
		w += 2;
		n -= 2;
	}
	len = strlen(pre) + strlen(name) + n;
	s = malloc(len + 1);
	if (!s)
		abort();
	memcpy(s, pre, strlen(pre));
	memcpy(s + strlen(pre), name, strlen(name));
	memcpy(s + strlen(pre) + strlen(name), w, n);
	s[len] = 0;
	return s;
}

/* The reference for parse_size, parse_percent and parse_duration_ms:
 * digits with an optional fraction of which six digits count, times a
 * unit, exactly (128 bits), refused above 64 bits. */
static int fuzz_ref_decimal(const char **sp, unsigned __int128 *whole,
			    unsigned __int128 *frac6)
{
	const char *s = *sp;
	int digits = 0, fd = 0;

	*whole = 0;
	*frac6 = 0;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		*whole = *whole * 10 + (unsigned)(*s - '0');
		if (*whole > UINT64_MAX)
			return -1;
	}
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++, fd++, digits++)
			if (fd < 6)
				*frac6 = *frac6 * 10 + (unsigned)(*s - '0');
		for (; fd < 6; fd++)
			*frac6 *= 10;
	}
	*sp = s;
	return digits ? 0 : -1;
}

static int fuzz_ref_scale(unsigned __int128 whole, unsigned __int128 frac6,
			  uint64_t unit, uint64_t *out)
{
	unsigned __int128 v = whole * unit + frac6 * unit / 1000000;

	if (v > UINT64_MAX)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static int fuzz_ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

static int fuzz_ref_size(const char *s, uint64_t *out)
{
	static const char *const units = "kmgt";
	unsigned __int128 w, f;
	uint64_t unit = 1;
	const char *u;

	if (fuzz_ref_decimal(&s, &w, &f) < 0)
		return -1;
	if (*s && (u = strchr(units, s[0] | 0x20))) {
		unit = 1ull << (10 * (u - units + 1));
		s++;
		/* KiB, KB, K and Kubernetes' Ki */
		if (!fuzz_ieq(s, "ib") && !fuzz_ieq(s, "b") &&
		    !fuzz_ieq(s, "i") && *s)
			return -1;
	} else if (*s && !fuzz_ieq(s, "b")) {
		return -1;
	}
	return fuzz_ref_scale(w, f, unit, out);
}

static int fuzz_ref_percent(const char *s, uint32_t *out)
{
	unsigned __int128 w, f;
	uint64_t v;

	if (fuzz_ref_decimal(&s, &w, &f) < 0 || strcmp(s, "%") ||
	    fuzz_ref_scale(w, f, 100, &v) < 0 || v > 10000)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int fuzz_ref_duration(const char *s, uint64_t bare, uint64_t *out)
{
	static const struct { const char *name; uint64_t ms; } units[] = {
		{ "", 0 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 },
	};
	unsigned __int128 w, f;

	if (fuzz_ref_decimal(&s, &w, &f) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (fuzz_ieq(s, units[i].name))
			return fuzz_ref_scale(w, f, i ? units[i].ms : bare, out);
	return -1;
}

/* Every value parser on one word, each against its reference. */
static void fuzz_values(const char *s)
{
	static const char *const bools[] = { "1", "true", "yes", "on",
					     "0", "false", "no", "off" };
	uint64_t v = 0, r = 0;
	uint32_t c = 0, rc = 0;
	bool b = false;
	int sig, known = -1, got;
	char name[32];

	if (parse_u64(s, &v) == 0) {
		errno = 0;
		FUZZ_ASSERT(*s && strspn(s, "0123456789") == strlen(s));
		FUZZ_ASSERT(strtoull(s, NULL, 10) == v && !errno);
	} else {
		errno = 0;
		FUZZ_ASSERT(!*s || strspn(s, "0123456789") != strlen(s) ||
			    (strtoull(s, NULL, 10), errno == ERANGE));
	}
	for (int i = 0; i < 8; i++)
		if (fuzz_ieq(s, bools[i]))
			known = i < 4;
	FUZZ_ASSERT(parse_bool(s, &b) == (known < 0 ? -1 : 0));
	FUZZ_ASSERT(known < 0 || b == known);

	got = parse_size(s, &v);
	FUZZ_ASSERT(got == fuzz_ref_size(s, &r) && (got || v == r));
	got = parse_percent(s, &c);
	FUZZ_ASSERT(got == fuzz_ref_percent(s, &rc) && (got || c == rc));
	for (uint64_t bare = 1; bare <= 1000; bare *= 1000) {
		got = parse_duration_ms(s, bare, &v);
		FUZZ_ASSERT(got == fuzz_ref_duration(s, bare, &r) &&
			    (got || v == r));
	}

	if (signame_parse(s, &sig) == 0) {
		const char *n = signame_name(sig, name, sizeof(name));

		FUZZ_ASSERT(sig >= 1 && sig < KEEL_NSIG);
		/* the name keel prints reads back as the same signal */
		if (strncmp(n, "signal ", 7)) {
			int back = 0;

			FUZZ_ASSERT(signame_parse(n, &back) == 0 && back == sig);
		}
	}
}

/* The references for -e and -r refuse an item longer than keel's buffer
 * for it (31 and 63 bytes): no code or signal needs that many, and cut
 * short it could read as another. */
#define FUZZ_EXIT_ITEM_MAX 31
#define FUZZ_REWRITE_ITEM_MAX 63

/* The reference for -e: codes 0-255, comma separated, one trailing comma
 * allowed, nothing else. */
static int fuzz_ref_exit_list(const char *s, struct keel_exit_set *set)
{
	char *copy = strdup(s), *p = copy, *item;
	uint64_t code;
	int rc = 0;

	memset(set, 0, sizeof(*set));
	if (!copy)
		abort();
	if (!*s)
		rc = -1;
	while (!rc && (item = strsep(&p, ","))) {
		if (!*item && !p && item != copy)
			break;
		if (strlen(item) > FUZZ_EXIT_ITEM_MAX ||
		    parse_u64(item, &code) || code > 255)
			rc = -1;
		else
			set->bits[code / 8] |= (uint8_t)(1u << (code % 8));
	}
	free(copy);
	return rc;
}

/* The reference for -r: FROM:TO pairs; TO "0" drops FROM. */
static int fuzz_ref_rewrite(const char *s, int *to)
{
	char *copy = strdup(s), *p = copy, *item, *colon;
	int rc = 0, from, t;

	if (!copy)
		abort();
	for (int i = 0; i < KEEL_NSIG; i++)
		to[i] = 0;
	if (!*s)
		rc = -1;
	while (!rc && (item = strsep(&p, ","))) {
		if (!*item && !p && item != copy)
			break;
		colon = strchr(item, ':');
		if (!colon || strlen(item) > FUZZ_REWRITE_ITEM_MAX) {
			rc = -1;
			break;
		}
		*colon = 0;
		t = 0;
		if (signame_parse(item, &from) || from >= KEEL_NSIG ||
		    (strcmp(colon + 1, "0") &&
		     (signame_parse(colon + 1, &t) || t >= KEEL_NSIG)))
			rc = -1;
		else
			to[from] = t ? t : -1;
	}
	free(copy);
	return rc;
}

/* One value through -e and -r, by flag and by variable, against the
 * references. */
static void fuzz_lists(char *value)
{
	struct keel_exit_set set;
	int to[KEEL_NSIG], ok, rc;
	char *argv[] = { "keel", "-e", value, "prog", NULL };
	char var[] = "KEEL_REMAP_EXIT=";
	char *env = malloc(strlen(var) + strlen(value) + 1);
	char *envp[] = { env, NULL }, *noenv[] = { NULL };

	if (!env)
		abort();
	ok = fuzz_ref_exit_list(value, &set);
	rc = options_parse(4, argv, noenv);
	FUZZ_ASSERT(rc == ok);
	FUZZ_ASSERT(rc || !memcmp(&set, &keel_opts.remap_exit, sizeof(set)));
	strcpy(env, var);
	strcat(env, value);
	rc = options_parse(2, (char *[]){ "keel", "prog", NULL }, envp);
	/* an empty variable is unset */
	FUZZ_ASSERT(rc == (*value ? ok : 0));

	ok = fuzz_ref_rewrite(value, to);
	argv[1] = "-r";
	rc = options_parse(4, argv, noenv);
	FUZZ_ASSERT(rc == ok);
	FUZZ_ASSERT(rc || !memcmp(to, keel_opts.rewrite.to, sizeof(to)));
	free(env);
}

/* What a successful parse promises main and the modules. */
static void fuzz_parsed(int argc, char **argv)
{
	const struct keel_options *o = &keel_opts;
	const struct keel_opt_row *row;

	FUZZ_ASSERT(o->argv >= argv + 1 && o->argv <= argv + argc);
	FUZZ_ASSERT(o->argv < argv + argc || o->help || o->version ||
		    o->license);
	FUZZ_ASSERT(o->verbosity >= 0);
	FUZZ_ASSERT(o->pdeathsig >= 0 && o->pdeathsig < KEEL_NSIG);
	FUZZ_ASSERT(o->grace <= 3600000 && o->decay_ms <= 60000);
	FUZZ_ASSERT(!(o->rss_limit.bytes && o->rss_limit.centi_percent));
	FUZZ_ASSERT(o->rss_limit.centi_percent <= 10000);
	FUZZ_ASSERT(!o->stats_dir || o->stats_dir[0] == '/');
	FUZZ_ASSERT(!o->exec || o->mode.word == KEEL_MODE_EXEC);
	FUZZ_ASSERT(o->rss_limit.given && *o->rss_limit.given);
	/* every enumeration holds a word of its range, and the text read
	 * back as that word */
	for (size_t i = 0; i < options_count; i++) {
		const struct keel_choice *c;

		row = &options_rows[i];
		if (row->type != KEEL_OPT_enumeration)
			continue;
		c = (const struct keel_choice *)((const char *)o + row->offset);
		FUZZ_ASSERT(c->text && *c->text && c->word >= 0);
		FUZZ_ASSERT(optvalue_word(c->text, row->range) == c->word);
	}
	for (int sig = -1; sig <= KEEL_NSIG; sig++) {
		int to = options_rewrite(sig);

		if (sig <= 0 || sig >= KEEL_NSIG)
			FUZZ_ASSERT(to == sig);
		else
			FUZZ_ASSERT(to >= 0 && to < KEEL_NSIG);
	}
	for (int code = -1; code <= 256; code++) {
		int out = options_remap_exit(code);

		FUZZ_ASSERT(out == code || (out == 0 && code >= 0 &&
					    code <= 255));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_WORDS + 2], *envp[FUZZ_MAX_WORDS + 1];
	char *all[FUZZ_MAX_WORDS], *text;
	int argc = 1, envc = 0, nwords = 0, in_env = 0;
	struct keel_memory_stat ms;
	size_t start = 0;

	/* the whole input as a memory.stat, both versions */
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	cgroup_parse_memory_stat(KEEL_CGROUP_V1, text, &ms);
	cgroup_parse_memory_stat(KEEL_CGROUP_V2, text, &ms);
	free(text);

	argv[0] = "keel";
	for (size_t i = 0; i <= size && nwords < FUZZ_MAX_WORDS; i++) {
		char *w;

		if (i < size && data[i])
			continue;
		if (i == start && !in_env && i < size) {
			in_env = 1;	/* an empty word: the environment */
			start = i + 1;
			continue;
		}
		w = fuzz_word(data + start, i - start);
		all[nwords++] = w;
		if (in_env)
			envp[envc++] = w;
		else
			argv[argc++] = w;
		start = i + 1;
	}
	argv[argc] = NULL;
	envp[envc] = NULL;

	for (int i = 0; i < nwords; i++)
		fuzz_values(all[i]);
	if (nwords)
		fuzz_lists(all[0]);
	if (options_parse(argc, argv, envp) == 0)
		fuzz_parsed(argc, argv);
	else
		FUZZ_ASSERT(options_error[0]);
	options_warn_unknown(envp);

	for (int i = 0; i < nwords; i++)
		free(all[i]);
	return 0;
}
