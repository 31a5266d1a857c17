/* When a container's memory runs out, the kernel kills the task of its
 * cgroup with the highest score: its memory, plus oom_score_adj thousandths
 * of the limit. keel's few hundred kilobytes make it the last choice while
 * the application holds memory, but once the application is killed and
 * its memory is on its way out, a second OOM kill may take keel: then the
 * whole container goes, with status 137 and no post-mortem line (a VM run
 * of tests/vm/guard_seed_oom counted such a second kill). Lowering a
 * score needs CAP_SYS_RESOURCE (root on a host or in a VM, a privileged
 * container; Docker's default capabilities leave it out), so without it
 * keel keeps the value it was given. Set after the fork: the application
 * keeps that value (Kubernetes sets one per QoS class), and so stays the
 * OOM killer's choice over keel. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "init/log.h"
#include "init/oomprotect.h"

void oom_protect_self(void)
{
	static const char lowest[] = "-1000";
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;
	int err = errno;

	if (fd >= 0) {
		n = write(fd, lowest, sizeof(lowest) - 1);
		err = errno;
		close(fd);
	}
	if (n == (ssize_t)sizeof(lowest) - 1)
		info("oom_score_adj %s: the OOM killer takes the application, not keel",
		     lowest);
	else
		info("oom_score_adj left as it was: %s", strerror(err));
}
