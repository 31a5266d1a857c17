/* The control file is a shared mapping of a file in a folder that
 * processes of keel's own user can write in (root's, in most containers):
 * one that truncates it makes keel's next store to it a SIGBUS, and an
 * uncaught SIGBUS ends PID 1 and the container with it. So a SIGBUS at
 * that mapping replaces it with private memory and the store is retried
 * there: keel goes on, the shims no longer hear from it (their own
 * mappings of the file fault the same way; the process that truncated
 * it could have killed them anyway). A SIGBUS anywhere else is a bug in
 * keel: the default action, as before. */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init/sharedmap.h"

static uintptr_t sharedmap_addr;
static size_t sharedmap_len;
static volatile sig_atomic_t sharedmap_replaced;

static void sharedmap_on_bus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	struct sigaction dfl;

	(void)uc;
	/* sent by a process (kill, sigqueue: a code of 0 or below, and an
	 * address it chose): nothing faulted, and taken as a fault it would
	 * have reset the handler, leaving the next truncation fatal */
	if (si->si_code <= 0)
		return;
	/* the raw call: libc's mmap may wait for a lock this thread holds */
	if (sharedmap_len && a - sharedmap_addr < sharedmap_len &&
	    syscall(SYS_mmap, sharedmap_addr, sharedmap_len,
		    PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		    (long)sharedmap_addr) {
		sharedmap_replaced = 1;
		return;
	}
	/* not ours: the fault repeats under the default action */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
}

/* Catch SIGBUS in the pages of [addr, addr + len), addr page-aligned
 * (a mapping's), from now on; (NULL, 0) for none. SA_RESTART: a SIGBUS a
 * process sends interrupts no call but the waits, which retry on EINTR. */
int sharedmap_protect(void *addr, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sharedmap_on_bus;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	sharedmap_addr = (uintptr_t)addr;
	sharedmap_len = (len + page - 1) & ~(page - 1);
	return sigaction(SIGBUS, &sa, NULL);
}

/* Whether the mapping was replaced: the file had been cut under it. */
bool sharedmap_lost(void)
{
	return sharedmap_replaced;
}
