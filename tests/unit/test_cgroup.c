/* cgroup parsing against the fixture trees in tests/guard/fixtures: v1 and
 * v2, the walk up to the tightest limit, "max", hidden container paths,
 * memory.stat, the OOM-kill counter, and KEEL_RSS_LIMIT values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "init/cgroup.h"
#include "init/log.h"

static const char *fixture(const char *name)
{
	static char path[512];
	const char *tests = getenv("TESTS");

	snprintf(path, sizeof(path), "%s/guard/fixtures/%s",
		 tests ? tests : "tests", name);
	return path;
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && strcmp(s + a - b, tail) == 0;
}

TEST(cgroup_v2_limit_on_parent)
{
	struct keel_cgroup cg;
	struct keel_memory_stat st;
	uint64_t v = 0;

	CHECK(cgroup_find(fixture("v2"), &cg) == 0);
	CHECK(cg.version == KEEL_CGROUP_V2);
	CHECK(ends_with(cg.dir, "/sys/fs/cgroup/kubepods/pod1/app"));
	CHECK(cg.limit == 536870912);
	CHECK(cg.high == 0);
	CHECK(cgroup_usage(&cg, &v) == 0 && v == 167772160);
	CHECK(cgroup_memory_stat(&cg, &st) == 0);
	CHECK(st.anon == 104857600 && st.file == 52428800);
	CHECK(st.kernel == 8388608);
	CHECK(cgroup_oom_kills(&cg, &v) == 0 && v == 2);
}

TEST(cgroup_v2_nested_tightest)
{
	struct keel_cgroup cg;
	struct keel_memory_stat st;
	uint64_t v;

	CHECK(cgroup_find(fixture("nested"), &cg) == 0);
	CHECK(cg.limit == 268435456);
	CHECK(cg.high == 201326592);
	/* the guard takes its share of the throttle point below the limit */
	CHECK(cgroup_guard_limit(&cg) == 201326592);
	cg.high = 300u << 20;
	CHECK(cgroup_guard_limit(&cg) == 268435456);
	cg.limit = 0;
	CHECK(cgroup_guard_limit(&cg) == 300u << 20);
	CHECK(cgroup_find(fixture("nested"), &cg) == 0);
	CHECK(cgroup_memory_stat(&cg, &st) == 0);
	/* no "kernel" line: kernel_stack+pagetables+percpu+sock+slab */
	CHECK(st.kernel == 100 + 200 + 30 + 4 + 600);
	CHECK(cgroup_oom_kills(&cg, &v) == 0 && v == 0);
}

TEST(cgroup_v2_unlimited)
{
	struct keel_cgroup cg;
	uint64_t v;

	CHECK(cgroup_find(fixture("unlimited"), &cg) == 0);
	CHECK(cg.version == KEEL_CGROUP_V2);
	CHECK(cg.limit == 0);
	CHECK(cgroup_usage(&cg, &v) == 0 && v == 12345);
	/* no memory.events: no counter */
	CHECK(cgroup_oom_kills(&cg, &v) < 0);
}

TEST(cgroup_v2_container_root)
{
	struct keel_cgroup cg;
	uint64_t v;

	CHECK(cgroup_find(fixture("container-v2"), &cg) == 0);
	CHECK(ends_with(cg.dir, "container-v2/sys/fs/cgroup"));
	CHECK(cg.limit == 1073741824);
	CHECK(cgroup_usage(&cg, &v) == 0 && v == 5000);

	/* a host path that is not visible under the mount */
	CHECK(cgroup_find(fixture("hidden-v2"), &cg) == 0);
	CHECK(cg.limit == 734003200);
	CHECK(cgroup_usage(&cg, &v) == 0 && v == 6000);
}

TEST(cgroup_v1_walk_and_stat)
{
	struct keel_cgroup cg;
	struct keel_memory_stat st;
	uint64_t v;

	CHECK(cgroup_find(fixture("v1"), &cg) == 0);
	CHECK(cg.version == KEEL_CGROUP_V1);
	CHECK(ends_with(cg.dir, "/memory/docker/abc"));
	CHECK(cg.limit == 1073741824);
	CHECK(cgroup_usage(&cg, &v) == 0 && v == 7340032);
	CHECK(cgroup_memory_stat(&cg, &st) == 0);
	CHECK(st.anon == 2761280 && st.file == 5993024);
	CHECK(st.kernel == 65536);
	CHECK(cgroup_oom_kills(&cg, &v) == 0 && v == 5);
}

TEST(cgroup_v1_container_and_unlimited)
{
	struct keel_cgroup cg;

	CHECK(cgroup_find(fixture("container-v1"), &cg) == 0);
	CHECK(cg.version == KEEL_CGROUP_V1);
	CHECK(cg.limit == 402653184);
	CHECK(cgroup_find(fixture("unlimited-v1"), &cg) == 0);
	CHECK(cg.limit == 0);
	/* hybrid machine: memory lives on v1 */
	CHECK(cgroup_find(fixture("hybrid"), &cg) == 0);
	CHECK(cg.version == KEEL_CGROUP_V1 && cg.limit == 104857600);
	CHECK(cgroup_find(fixture("none"), &cg) < 0);
	CHECK(cg.version == KEEL_CGROUP_NONE);
	CHECK(cgroup_find(fixture("no-such-tree"), &cg) < 0);
}

TEST(cgroup_memory_stat_text)
{
	struct keel_memory_stat st;

	CHECK(cgroup_parse_memory_stat(KEEL_CGROUP_V2,
				       "file 7\nanon 3\nkernel 9\n", &st) == 0);
	CHECK(st.anon == 3 && st.file == 7 && st.kernel == 9);
	/* "anon_thp" must not be read as "anon" */
	CHECK(cgroup_parse_memory_stat(KEEL_CGROUP_V2,
				       "anon_thp 5\nfile 1\n", &st) < 0);
	CHECK(cgroup_parse_memory_stat(KEEL_CGROUP_V1, "rss 4\ncache 6\n",
				       &st) == 0);
	CHECK(st.anon == 4 && st.file == 6);
	CHECK(cgroup_parse_memory_stat(KEEL_CGROUP_V1, "cache x\nrss 1\n",
				       &st) < 0);
	CHECK(cgroup_parse_memory_stat(KEEL_CGROUP_V1, "", &st) < 0);
}

TEST(cgroup_soft_limit_values)
{
	struct keel_limit off = { 0, 0 }, bytes = { 512ull << 20, 0 },
			  p85 = { 0, 8500 }, p12_5 = { 0, 1250 }, p90 = { 0, 9000 };
	int saved = log_verbosity;

	log_verbosity = -1;	/* the warnings below are expected */
	CHECK(cgroup_soft_limit(&p90, 1000) == 900);
	CHECK(cgroup_soft_limit(&off, 1000) == 0);
	CHECK(cgroup_soft_limit(&bytes, 0) == 512ull << 20);
	CHECK(cgroup_soft_limit(&bytes, 1ull << 30) == 512ull << 20);
	CHECK(cgroup_soft_limit(&p85, 1ull << 30) == 912680550); /* truncated */
	CHECK(cgroup_soft_limit(&p12_5, 800) == 100);
	/* a share of no limit: off */
	CHECK(cgroup_soft_limit(&p85, 0) == 0);
	/* above the cgroup limit: kept, with a warning */
	CHECK(cgroup_soft_limit(&bytes, 1ull << 20) == 512ull << 20);
	log_verbosity = saved;
}
