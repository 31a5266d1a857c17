/* guard_init refuses a KEEL_REPORT it cannot write with status 2 before
 * it creates anything (keel then exits 2 before the child starts); the
 * option table alone checks the words (KEEL_ON_LIMIT comes typed). */
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"
#include "init/guard.h"
#include "init/log.h"

TEST(guard_bad_values)
{
	struct keel_guard_config cfg = {
		.root = "tests/guard/fixtures/v2",
		.stats_dir = "/tmp/keel-unit-guard-must-not-exist",
	};
	struct keel_limit p85 = { 0, 8500, "KEEL_RSS_LIMIT=85%" };
	struct keel_choice nowhere = { KEEL_REPORT_PATH, "/nonexistent/keel/r" };
	struct stat sb;
	int fd, timeout, saved = log_verbosity;
	short events;

	log_verbosity = -1;
	cfg.on_limit = KEEL_ON_LIMIT_FAIL;
	cfg.rss_limit = &p85;
	cfg.report = &nowhere;
	cfg.report_given = "KEEL_REPORT=/nonexistent/keel/r";
	CHECK(guard_init(&cfg, &fd, &events, &timeout) == 2);
	CHECK(fd == -1 && timeout == -1);
	CHECK(stat(cfg.stats_dir, &sb) < 0);
	log_verbosity = saved;
}
