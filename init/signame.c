/* Signal name parsing and printing (see signame.h). musl has no
 * sigabbrev_np, so the classic names are listed here once. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/parse.h"
#include "init/signame.h"

#define SIGNAME_ROW(x) { #x, SIG##x }

static const struct {
	const char *name;
	int sig;
} signame_table[] = {
	SIGNAME_ROW(HUP), SIGNAME_ROW(INT), SIGNAME_ROW(QUIT),
	SIGNAME_ROW(ILL), SIGNAME_ROW(TRAP), SIGNAME_ROW(ABRT),
	{ "IOT", SIGABRT }, SIGNAME_ROW(BUS), SIGNAME_ROW(FPE),
	SIGNAME_ROW(KILL), SIGNAME_ROW(USR1), SIGNAME_ROW(SEGV),
	SIGNAME_ROW(USR2), SIGNAME_ROW(PIPE), SIGNAME_ROW(ALRM),
	SIGNAME_ROW(TERM), SIGNAME_ROW(STKFLT), SIGNAME_ROW(CHLD),
	{ "CLD", SIGCHLD }, SIGNAME_ROW(CONT), SIGNAME_ROW(STOP),
	SIGNAME_ROW(TSTP), SIGNAME_ROW(TTIN), SIGNAME_ROW(TTOU),
	SIGNAME_ROW(URG), SIGNAME_ROW(XCPU), SIGNAME_ROW(XFSZ),
	SIGNAME_ROW(VTALRM), SIGNAME_ROW(PROF), SIGNAME_ROW(WINCH),
	SIGNAME_ROW(IO), { "POLL", SIGIO }, SIGNAME_ROW(PWR),
	SIGNAME_ROW(SYS),
};

#define SIGNAME_COUNT (sizeof(signame_table) / sizeof(signame_table[0]))

/* Real-time signals are named as glibc, Docker (STOPSIGNAL, docker kill),
 * kill -l and systemd number them: SIGRTMIN is 34, the kernel's first
 * after the two glibc keeps for its threads. musl's SIGRTMIN is 35 (it
 * keeps three): with it, SIGRTMIN+3, systemd's halt, would be 38 here and
 * 37 in the application. */
#define SIGNAME_RTMIN 34
#define SIGNAME_RTMAX 64

/* Case-insensitive prefix test; returns the rest of s or NULL. */
static const char *signame_skip(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++) {
		char c = *s;

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != *prefix)
			return NULL;
	}
	return s;
}

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n": real-time signals by offset. */
static int signame_realtime(const char *s, int *sig)
{
	const char *rest;
	uint64_t n = 0;
	int base, dir;

	if ((rest = signame_skip(s, "RTMIN"))) {
		base = SIGNAME_RTMIN;
		dir = 1;
	} else if ((rest = signame_skip(s, "RTMAX"))) {
		base = SIGNAME_RTMAX;
		dir = -1;
	} else {
		return -1;
	}
	if (*rest) {
		if ((dir > 0 && *rest != '+') || (dir < 0 && *rest != '-'))
			return -1;
		if (parse_u64(rest + 1, &n) || n > SIGNAME_RTMAX - SIGNAME_RTMIN)
			return -1;
	}
	*sig = base + dir * (int)n;
	return 0;
}

int signame_parse(const char *s, int *sig)
{
	uint64_t n;
	const char *rest;

	if (!s || !*s)
		return -1;
	if (s[0] >= '0' && s[0] <= '9') {
		if (parse_u64(s, &n) || n < 1 || n >= (uint64_t)_NSIG)
			return -1;
		*sig = (int)n;
		return 0;
	}
	rest = signame_skip(s, "SIG");
	if (!rest)
		rest = s;
	for (size_t i = 0; i < SIGNAME_COUNT; i++) {
		if (parse_equal_nocase(rest, signame_table[i].name)) {
			*sig = signame_table[i].sig;
			return 0;
		}
	}
	return signame_realtime(rest, sig);
}

const char *signame_name(int sig, char *buf, unsigned long len)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP",
		[SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
		[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1",
		[SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
		[SIGTERM] = "SIGTERM", [SIGSTKFLT] = "SIGSTKFLT",
		[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
		[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
		[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",
		[SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
		[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR",
		[SIGSYS] = "SIGSYS",
	};

	if (sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])) &&
	    names[sig])
		return names[sig];
	if (sig == SIGNAME_RTMIN)
		return "SIGRTMIN";
	if (sig > SIGNAME_RTMIN && sig <= SIGNAME_RTMAX)
		snprintf(buf, len, "SIGRTMIN+%d", sig - SIGNAME_RTMIN);
	else
		snprintf(buf, len, "signal %d", sig);
	return buf;
}
