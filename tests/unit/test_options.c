/* The option table and its parser: defaults, precedence (flag > KEEL_* >
 * tini > default), tini's flags, and every bad input refused with a message
 * naming the option, the value and what is accepted. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "init/seccomp.h"
#include "init/options.h"
#include "init/options_table.h"

#define ARGV(...) ((char *[]){ "keel", __VA_ARGS__, NULL })
#define ARGC(a) ((int)(sizeof(a) / sizeof(char *)) - 1)

static int run(char **argv, int argc, char **envp)
{
	return options_parse(argc, argv, envp);
}

#define PARSE(envp, ...)                                                     \
	run(ARGV(__VA_ARGS__), ARGC(((char *[]){ "keel", __VA_ARGS__, NULL })), \
	    envp)

static char *no_env[] = { NULL };

/* A test that reads keel_opts.argv keeps its argv in an array of its own:
 * PARSE's compound literal ends with the CHECK it is written in. */
TEST(options_defaults)
{
	char *argv[] = { "keel", "true", NULL };

	CHECK(run(argv, ARGC(argv), no_env) == 0);
	CHECK(keel_opts.verbosity == 1);
	CHECK(!keel_opts.subreaper && !keel_opts.group);
	CHECK(keel_opts.grace == 5000);
	CHECK(keel_opts.decay_ms == 500);
	CHECK(keel_opts.malloc.word == KEEL_MALLOC_KEEL);
	CHECK(keel_opts.mode.word == KEEL_MODE_INIT);
	CHECK(keel_opts.rss_limit.centi_percent == 9000);
	CHECK(!strcmp(keel_opts.report.text, "stderr"));
	CHECK(keel_opts.on_limit.word == KEEL_ON_LIMIT_TRIM);
	CHECK(keel_opts.fault_cost.word == KEEL_FAULT_COST_AUTO);
	CHECK(!strcmp(keel_opts.seccomp.text, "off"));
	CHECK(!strcmp(keel_opts.seccomp_action.text, "errno"));
	CHECK(!strcmp(keel_opts.rss_limit.given, "KEEL_RSS_LIMIT=90%"));
	CHECK(keel_opts.seccomp_self);
	CHECK(!keel_opts.stats && !keel_opts.stats_dir);
	CHECK(!strcmp(keel_opts.argv[0], "true") && !keel_opts.argv[1]);
}

TEST(options_table_consistent)
{
	for (size_t i = 0; i < options_count; i++) {
		const struct keel_opt_row *a = &options_rows[i];

		CHECK(a->lng && *a->lng && a->help && *a->help);
		CHECK(!a->env || !strncmp(a->env, "KEEL_", 5));
		CHECK(a->type == KEEL_OPT_action || a->env);
		/* a row libkeel.so reads: a variable, and a default of a
		 * type the shared parser takes (the shim has no other) */
		if (a->users & KEEL_USER_SHIM) {
			_Alignas(16) char value[64];

			CHECK(a->env && *a->def);
			CHECK(optvalue_parse(a->type, a->def, a->min, a->max,
					     a->range, value) == 0);
		}
		for (size_t j = i + 1; j < options_count; j++) {
			const struct keel_opt_row *b = &options_rows[j];

			CHECK(strcmp(a->lng, b->lng));
			CHECK(!a->shrt || a->shrt != b->shrt);
			CHECK(!a->env || !b->env || strcmp(a->env, b->env));
		}
	}
}

TEST(options_tini_flags)
{
	char *argv[] = { "keel", "-s", "-g", "-w", "-vv", "-v", "-p", "SIGKILL",
			 "-e", "143", "-e3", "--", "prog", "--", "-x", NULL };

	CHECK(run(argv, ARGC(argv), no_env) == 0);
	CHECK(keel_opts.subreaper && keel_opts.group && keel_opts.warn_reap);
	CHECK(keel_opts.verbosity == 4); /* 1 + three -v */
	CHECK(keel_opts.pdeathsig == SIGKILL);
	CHECK(options_remap_exit(143) == 0 && options_remap_exit(3) == 0);
	CHECK(options_remap_exit(1) == 1);
	CHECK(!strcmp(keel_opts.argv[0], "prog"));
	CHECK(!strcmp(keel_opts.argv[1], "--") && !strcmp(keel_opts.argv[2], "-x"));
	CHECK(PARSE(no_env, "-h") == 0 && keel_opts.help);
	CHECK(PARSE(no_env, "--version") == 0 && keel_opts.version);
	CHECK(PARSE(no_env, "-l") == 0 && keel_opts.license);
	/* PROGRAM ends the flags: its own flags are its own. */
	CHECK(PARSE(no_env, "prog", "-g") == 0 && !keel_opts.group);
}

TEST(options_precedence)
{
	char *env[] = { "TINI_SUBREAPER=0", "KEEL_GRACE=2s",
			"TINI_VERBOSITY=2", "TINI_KILL_PROCESS_GROUP=1",
			"KEEL_KILL_PROCESS_GROUP=off", "KEEL_MODE=exec",
			"KEEL_REWRITE=USR1:USR2,HUP:0", "KEEL_RSS_LIMIT=512M",
			"KEEL_MALLOC=", NULL };

	CHECK(PARSE(env, "p") == 0);
	CHECK(keel_opts.subreaper); /* set means on, even 0, as in tini */
	CHECK(keel_opts.grace == 2000);
	CHECK(keel_opts.verbosity == 2);
	CHECK(!keel_opts.group); /* KEEL_* wins over TINI_* */
	CHECK(keel_opts.mode.word == KEEL_MODE_EXEC);
	CHECK(options_rewrite(SIGUSR1) == SIGUSR2);
	CHECK(options_rewrite(SIGHUP) == 0);
	CHECK(options_rewrite(SIGTERM) == SIGTERM);
	CHECK(keel_opts.rss_limit.bytes == 512ull << 20 &&
	      !keel_opts.rss_limit.centi_percent);
	CHECK(keel_opts.malloc.word == KEEL_MALLOC_KEEL); /* empty is unset */
	CHECK(!strcmp(keel_opts.rss_limit.given, "KEEL_RSS_LIMIT=512M"));
	CHECK(PARSE(env, "--grace", "0", "-g", "--mode=init", "-v", "p") == 0);
	CHECK(keel_opts.grace == 0 && keel_opts.group);
	CHECK(keel_opts.mode.word == KEEL_MODE_INIT && keel_opts.verbosity == 2);
	CHECK(PARSE(env, "--exec", "p") == 0 &&
	      keel_opts.mode.word == KEEL_MODE_EXEC);
	CHECK(PARSE(env, "--rss-limit", "1G", "p") == 0);
	CHECK(!strcmp(keel_opts.rss_limit.given, "--rss-limit 1G"));
	CHECK(PARSE(env, "-r", "TERM:INT", "p") == 0);
	CHECK(options_rewrite(SIGTERM) == SIGINT);
	CHECK(options_rewrite(SIGUSR1) == SIGUSR1); /* flag replaced the list */
}

TEST(options_values)
{
	char *e1[] = { "KEEL_MALLOC=/opt/lib/jemalloc.so", "KEEL_DECAY_MS=0",
		       "KEEL_STATS=yes", "KEEL_STATS_DIR=/run/k",
		       "KEEL_SECCOMP_DENY=ptrace,mount", "KEEL_GRACE=500ms",
		       "KEEL_SECCOMP_SELF=false", NULL };

	CHECK(PARSE(e1, "p") == 0);
	CHECK(keel_opts.malloc.word == KEEL_MALLOC_PATH &&
	      !strcmp(keel_opts.malloc.text, "/opt/lib/jemalloc.so"));
	CHECK(!strcmp(options_given(&keel_opts.malloc),
		      "KEEL_MALLOC=/opt/lib/jemalloc.so"));
	CHECK(keel_opts.decay_ms == 0 && keel_opts.stats);
	CHECK(!strcmp(keel_opts.stats_dir, "/run/k"));
	CHECK(!strcmp(keel_opts.seccomp_deny, "ptrace,mount"));
	CHECK(keel_opts.grace == 500 && !keel_opts.seccomp_self);
}

/* The words code acts on are numbered as the table lists them. */
static int word_is(const void *field, const char *word)
{
	size_t off = (size_t)((const char *)field - (const char *)&keel_opts);

	for (size_t i = 0; i < options_count; i++)
		if (options_rows[i].offset == off)
			return optvalue_word(word, options_rows[i].range);
	return -1;
}

TEST(options_words_match_table)
{
	CHECK(word_is(&keel_opts.mode, "init") == KEEL_MODE_INIT);
	CHECK(word_is(&keel_opts.mode, "exec") == KEEL_MODE_EXEC);
	CHECK(word_is(&keel_opts.on_limit, "trim") == KEEL_ON_LIMIT_TRIM);
	CHECK(word_is(&keel_opts.on_limit, "fail") == KEEL_ON_LIMIT_FAIL);
	CHECK(word_is(&keel_opts.fault_cost, "auto") == KEEL_FAULT_COST_AUTO);
	CHECK(word_is(&keel_opts.fault_cost, "low") == KEEL_FAULT_COST_LOW);
	CHECK(word_is(&keel_opts.fault_cost, "high") == KEEL_FAULT_COST_HIGH);
	CHECK(word_is(&keel_opts.seccomp, "off") == KEEL_SECCOMP_OFF);
	CHECK(word_is(&keel_opts.seccomp, "default") == KEEL_SECCOMP_DEFAULT);
	CHECK(word_is(&keel_opts.seccomp, "strict") == KEEL_SECCOMP_STRICT);
	CHECK(word_is(&keel_opts.seccomp_action, "errno") == KEEL_SECCOMP_ERRNO);
	CHECK(word_is(&keel_opts.seccomp_action, "kill") == KEEL_SECCOMP_KILL);
	CHECK(word_is(&keel_opts.seccomp_action, "log") == KEEL_SECCOMP_LOG);
	CHECK(word_is(&keel_opts.report, "stderr") == KEEL_REPORT_STDERR);
	CHECK(word_is(&keel_opts.report, "off") == KEEL_REPORT_OFF);
	CHECK(word_is(&keel_opts.report, "/x/y") == KEEL_REPORT_PATH);
	CHECK(word_is(&keel_opts.malloc, "keel") == KEEL_MALLOC_KEEL);
	CHECK(word_is(&keel_opts.malloc, "off") == KEEL_MALLOC_OFF);
	CHECK(word_is(&keel_opts.malloc, "none") == KEEL_MALLOC_NONE);
	CHECK(word_is(&keel_opts.malloc, "/x.so") == KEEL_MALLOC_PATH);
	CHECK(word_is(&keel_opts.malloc, "libjemalloc.so.2") ==
	      KEEL_MALLOC_SONAME);
}

/* KEEL_MALLOC takes what people copy from LD_PRELOAD. */
TEST(options_malloc_values)
{
	static const struct {
		const char *value;
		int word;
	} ok[] = {
		{ "NONE", KEEL_MALLOC_NONE },
		{ "Off", KEEL_MALLOC_OFF },
		{ "libjemalloc.so.2", KEEL_MALLOC_SONAME },
		{ "libmimalloc.so.2", KEEL_MALLOC_SONAME },
		{ "libtcmalloc_minimal.so.4", KEEL_MALLOC_SONAME },
		{ "libfoo.so", KEEL_MALLOC_SONAME },
		{ "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", KEEL_MALLOC_PATH },
	};
	static const char *const bad[] = { "jemalloc", "lib/x.so", ".so",
					   "libx.sox", "x.so/" };
	char var[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(var, sizeof(var), "KEEL_MALLOC=%s", ok[i].value);
		CHECK(PARSE(((char *[]){ var, NULL }), "p") == 0);
		CHECK(keel_opts.malloc.word == ok[i].word);
		CHECK(!strcmp(keel_opts.malloc.text, ok[i].value));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(var, sizeof(var), "KEEL_MALLOC=%s", bad[i]);
		CHECK(PARSE(((char *[]){ var, NULL }), "p") == -1);
		CHECK(strstr(options_error, "not an accepted value"));
	}
}

/* Refused, and the message starts with what names the input. */
static int refused(char **argv, int argc, char **envp, const char *start)
{
	return options_parse(argc, argv, envp) == -1 &&
	       !strncmp(options_error, start, strlen(start)) &&
	       strstr(options_error, "(") && !strchr(options_error, '\n');
}

#define REFUSED_ENV(var, start)                                              \
	refused(ARGV("p"), 2, (char *[]){ var, NULL }, start)
#define REFUSED(start, ...)                                                  \
	refused(ARGV(__VA_ARGS__),                                           \
		ARGC(((char *[]){ "keel", __VA_ARGS__, NULL })), no_env, start)

/* tini's variables mean what they mean in tini: TINI_SUBREAPER and
 * TINI_KILL_PROCESS_GROUP are on when set to anything, TINI_VERBOSITY is
 * any integer (kept within 0-3); keel's own variables are checked. */
TEST(options_tini_meaning)
{
	char *on[] = { "TINI_SUBREAPER=maybe", "TINI_KILL_PROCESS_GROUP=0",
		       "TINI_VERBOSITY=7", NULL };
	char *low[] = { "TINI_VERBOSITY=-3", NULL };

	CHECK(PARSE(on, "p") == 0);
	CHECK(keel_opts.subreaper && keel_opts.group);
	CHECK(keel_opts.verbosity == 3);
	CHECK(PARSE(low, "p") == 0);
	CHECK(keel_opts.verbosity == 0);
}

TEST(options_bad_input)
{
	CHECK(REFUSED_ENV("KEEL_GRACE=-1", "KEEL_GRACE=-1: not a duration (accepted: 0-3600s"));
	CHECK(REFUSED_ENV("KEEL_GRACE=3601", "KEEL_GRACE=3601: not a duration"));
	CHECK(REFUSED_ENV("TINI_VERBOSITY=abc", "TINI_VERBOSITY=abc: "));
	CHECK(REFUSED_ENV("KEEL_VERBOSITY=4", "KEEL_VERBOSITY=4: "));
	CHECK(REFUSED_ENV("KEEL_SUBREAPER=maybe", "KEEL_SUBREAPER=maybe: not a boolean"));
	CHECK(REFUSED_ENV("KEEL_DECAY_MS=60001", "KEEL_DECAY_MS=60001: "));
	CHECK(REFUSED_ENV("KEEL_RSS_LIMIT=12Q", "KEEL_RSS_LIMIT=12Q: not a size"));
	CHECK(REFUSED_ENV("KEEL_RSS_LIMIT=0%", "KEEL_RSS_LIMIT=0%: "));
	CHECK(REFUSED_ENV("KEEL_RSS_LIMIT=101%", "KEEL_RSS_LIMIT=101%: "));
	CHECK(REFUSED_ENV("KEEL_MALLOC=jemalloc", "KEEL_MALLOC=jemalloc: "));
	CHECK(REFUSED_ENV("KEEL_REPORT=file.txt", "KEEL_REPORT=file.txt: "));
	CHECK(REFUSED_ENV("KEEL_ON_LIMIT=panic", "KEEL_ON_LIMIT=panic: "));
	CHECK(REFUSED_ENV("KEEL_SECCOMP=lax", "KEEL_SECCOMP=lax: "));
	CHECK(REFUSED_ENV("KEEL_SECCOMP_ACTION=trap", "KEEL_SECCOMP_ACTION=trap: "));
	CHECK(REFUSED_ENV("KEEL_SECCOMP_DENY=a,,b", "KEEL_SECCOMP_DENY=a,,b: "));
	CHECK(REFUSED_ENV("KEEL_STATS_DIR=rel/dir", "KEEL_STATS_DIR=rel/dir: "));
	CHECK(REFUSED_ENV("KEEL_MODE=daemon", "KEEL_MODE=daemon: "));
	CHECK(REFUSED_ENV("KEEL_REWRITE=15", "KEEL_REWRITE=15: not a signal rewrite"));
	CHECK(REFUSED_ENV("KEEL_REMAP_EXIT=1,x", "KEEL_REMAP_EXIT=1,x: "));
	CHECK(REFUSED_ENV("KEEL_PDEATHSIG=NOPE", "KEEL_PDEATHSIG=NOPE: not a signal"));
	CHECK(REFUSED("-p NOSUCHSIG: not a signal", "-p", "NOSUCHSIG", "p"));
	CHECK(REFUSED("-r 15: not a signal rewrite", "-r", "15", "p"));
	CHECK(REFUSED("-r 15:NOPE: ", "-r", "15:NOPE", "p"));
	CHECK(REFUSED("-e 256: ", "-e", "256", "p"));
	CHECK(REFUSED("-e -1: ", "-e", "-1", "p"));
	/* an item longer than the parser's buffer: cut short, it read as
	 * another value (1, and 9) */
	CHECK(REFUSED("-e 0", "-e", "0000000000000000000000000000001000", "p"));
	CHECK(REFUSED("-r TERM:0", "-r",
		      "TERM:00000000000000000000000000000000000000000000000000000000091", "p"));
	CHECK(REFUSED("-x: unknown option", "-x", "p"));
	CHECK(REFUSED("-x: unknown option", "-vx", "p"));
	CHECK(REFUSED("--nope: unknown option", "--nope", "p"));
	CHECK(REFUSED("--help=1: unknown option", "--help=1"));
	CHECK(REFUSED("-p: missing value", "-p"));
	CHECK(REFUSED("--grace: missing value", "--grace"));
	CHECK(REFUSED("--grace 2h: not a duration", "--grace", "2h", "p"));
	CHECK(REFUSED("PROGRAM: missing", "-v"));
	CHECK(REFUSED("PROGRAM: missing", "--"));
	CHECK(refused(ARGV(NULL), 1, no_env, "PROGRAM: missing"));
}

/* What the user gave is quoted escaped (common/printable.h): a message
 * about it stays one line, and a setting named later reads the same. */
TEST(options_quoted_escaped)
{
	char *ok[] = { "KEEL_MALLOC=/opt/a\nb.so", NULL };

	CHECK(REFUSED_ENV("KEEL_GRACE=5s\nkeel: x", "KEEL_GRACE=5s\\nkeel: x: not a duration"));
	CHECK(REFUSED_ENV("KEEL_RSS_LIMIT=1G\t\\", "KEEL_RSS_LIMIT=1G\\t\\\\: not a size"));
	CHECK(REFUSED("--grace 1\\x1b[2J: ", "--grace", "1\033[2J", "p"));
	CHECK(REFUSED("--no\\tpe: unknown option", "--no\tpe", "p"));
	CHECK(REFUSED("-\\x01: unknown option", "-\001", "p"));
	CHECK(PARSE(ok, "p") == 0);
	CHECK(!strcmp(options_given(&keel_opts.malloc),
		      "KEEL_MALLOC=/opt/a\\nb.so"));
	CHECK(!strcmp(keel_opts.malloc.text, "/opt/a\nb.so"));
}
