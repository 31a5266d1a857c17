/* Signal names: every accepted spelling and the bad ones. */
#include <signal.h>
#include <string.h>

#include "check.h"
#include "init/signame.h"

TEST(signame_forms)
{
	int s = 0;

	CHECK(signame_parse("SIGTERM", &s) == 0 && s == SIGTERM);
	CHECK(signame_parse("TERM", &s) == 0 && s == SIGTERM);
	CHECK(signame_parse("sigterm", &s) == 0 && s == SIGTERM);
	CHECK(signame_parse("term", &s) == 0 && s == SIGTERM);
	CHECK(signame_parse("15", &s) == 0 && s == 15);
	CHECK(signame_parse("9", &s) == 0 && s == SIGKILL);
	/* as glibc, Docker and kill -l number them, whatever keel's libc */
	CHECK(signame_parse("SIGRTMIN", &s) == 0 && s == 34);
	CHECK(signame_parse("SIGRTMIN+2", &s) == 0 && s == 36);
	CHECK(signame_parse("SIGRTMIN+3", &s) == 0 && s == 37);
	CHECK(signame_parse("SIGRTMIN+30", &s) == 0 && s == 64);
	CHECK(signame_parse("rtmax-1", &s) == 0 && s == 63);
	CHECK(signame_parse("RTMAX", &s) == 0 && s == 64);
	CHECK(signame_parse("RTMAX-30", &s) == 0 && s == 34);
	CHECK(signame_parse("SIGCHLD", &s) == 0 && s == SIGCHLD);
	CHECK(signame_parse("winch", &s) == 0 && s == SIGWINCH);
	CHECK(signame_parse("64", &s) == 0 && s == 64);
}

TEST(signame_bad)
{
	int s = 0;
	const char *bad[] = { "", "NOSUCHSIG", "SIG", "0", "65", "-1", "15x",
			      "SIGTERM ", "RTMIN+", "RTMIN+99", "RTMIN-1",
			      "RTMIN+31", "RTMAX-31", "RTMAX+1", "SIGSIGTERM", "1e3" };

	CHECK(signame_parse(NULL, &s) == -1);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(signame_parse(bad[i], &s) == -1);
}

TEST(signame_names)
{
	char buf[32];

	CHECK(!strcmp(signame_name(SIGTERM, buf, sizeof(buf)), "SIGTERM"));
	CHECK(!strcmp(signame_name(37, buf, sizeof(buf)), "SIGRTMIN+3"));
	CHECK(!strcmp(signame_name(34, buf, sizeof(buf)), "SIGRTMIN"));
	CHECK(!strcmp(signame_name(64, buf, sizeof(buf)), "SIGRTMIN+30"));
	CHECK(!strcmp(signame_name(33, buf, sizeof(buf)), "signal 33"));
	CHECK(!strcmp(signame_name(99, buf, sizeof(buf)), "signal 99"));
}
