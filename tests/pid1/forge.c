/* Test helper: sends SIGUSR1 to its init, PID 1, with a siginfo that names
 * PID 1 as the sender (rt_sigqueueinfo lets any process choose si_pid for
 * a code below 0, such as SI_QUEUE), and prints "forwarded" when keel
 * forwarded it back within a second, "dropped" when it did not: keel
 * must not take it for a signal of its own. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got = 1;
}

int main(void)
{
	siginfo_t si;

	signal(SIGUSR1, on_usr1);
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR1;
	si.si_code = SI_QUEUE;
	si.si_pid = 1;
	si.si_uid = getuid();
	if (syscall(SYS_rt_sigqueueinfo, 1, SIGUSR1, &si))
		return perror("forge: rt_sigqueueinfo"), 1;
	for (int i = 0; i < 100 && !got; i++)
		usleep(10000);
	puts(got ? "forwarded" : "dropped");
	return 0;
}
