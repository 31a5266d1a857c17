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
	CHECK(signame_parse("SIGRTMIN", &s) == 0 && s == SIGRTMIN);
	CHECK(signame_parse("SIGRTMIN+2", &s) == 0 && s == SIGRTMIN + 2);
	CHECK(signame_parse("rtmax-1", &s) == 0 && s == SIGRTMAX - 1);
	CHECK(signame_parse("RTMAX", &s) == 0 && s == SIGRTMAX);
	CHECK(signame_parse("SIGCHLD", &s) == 0 && s == SIGCHLD);
	CHECK(signame_parse("winch", &s) == 0 && s == SIGWINCH);
	CHECK(signame_parse("64", &s) == 0 && s == 64);
}

TEST(signame_bad)
{
	int s = 0;
	const char *bad[] = { "", "NOSUCHSIG", "SIG", "0", "65", "-1", "15x",
			      "SIGTERM ", "RTMIN+", "RTMIN+99", "RTMIN-1",
			      "RTMAX+1", "SIGSIGTERM", "1e3" };

	CHECK(signame_parse(NULL, &s) == -1);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(signame_parse(bad[i], &s) == -1);
}

TEST(signame_names)
{
	char buf[32];

	CHECK(!strcmp(signame_name(SIGTERM, buf, sizeof(buf)), "SIGTERM"));
	CHECK(!strcmp(signame_name(SIGRTMIN + 3, buf, sizeof(buf)),
		      "SIGRTMIN+3"));
	CHECK(!strcmp(signame_name(99, buf, sizeof(buf)), "signal 99"));
}
