/* statsdir: PID 1's instance folder for heap statistics, from creation to
 * removal. Each keel makes its own folder "<base>/<pidns>.<pid>.<random>",
 * so two keels that share /dev/shm (the containers of one pod) never share
 * a file, and keeps it open: every later access is relative to that
 * descriptor, never to a path someone could swap. It writes the control
 * file there, watches the folder for new files, and sweeps stale ones. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/printable.h"
#include "init/clock.h"
#include "init/heapscan.h"
#include "init/log.h"
#include "init/options.h"
#include "init/procinfo.h"
#include "init/sharedmap.h"
#include "init/statsdir.h"

/* A sweep lists the whole folder: at most once a second, however fast
 * processes come and go or files appear. */
#define STATSDIR_SWEEP_EVERY_MS 1000
/* A sweep goes in steps of at most this long, this far apart, so the
 * guard's thread, which sweeps, still trims within a step of a memory
 * event however many files a process planted (400,000 took 4 s a pass,
 * 100,000 took 0.3-0.5 s). */
#define STATSDIR_SWEEP_STEP_MS 20
#define STATSDIR_SWEEP_PAUSE_MS 80
/* The inotify watch that starts sweeps as files appear is made this long
 * after keel starts, not at once: closing an inotify instance waits for
 * the kernel's mark reaper (an SRCU grace period, 5-20 ms here), which a
 * keel that lives under a second would pay at exit, three times the cost
 * of `keel -- true`. A sweep when the watch is made catches the files of
 * the first second. */
#define STATSDIR_WATCH_AFTER_MS 1000
/* The folder's removal as keel exits stops after this: the reaper gives
 * the guard's thread 400 ms, a report under way included (supervise.c). */
#define STATSDIR_REMOVE_MS 50

static struct {
	int fd;			/* the instance folder; -1 = none */
	int watch_fd;		/* inotify on it, or -1 */
	int wake_fd;		/* the wake FIFO, or -1 */
	char path[KEEL_STATS_PATH_MAX];
	struct keel_control *ctl;
	long long last_sweep_ms;
	long long watch_due_ms;	/* when to make the watch; -1 = made or none */
	long long sweep_due_ms;	/* -1: none */
	long sweep_resume;	/* where the sweep under way goes on, or 0 */
	bool ctl_lost_said;	/* the control file was cut short: warned */
} sd = { .fd = -1, .watch_fd = -1, .wake_fd = -1, .sweep_due_ms = -1,
	 .watch_due_ms = -1 };

/* Whether a base folder is safe to make an instance in: a real folder
 * (not a link), owned by root or by us, and if others may write in it,
 * sticky, so that no one else can rename our folder away. NULL, or why
 * not. Made first (mode 1777) when it is missing. */
static const char *statsdir_base_problem(const char *base)
{
	struct stat sb;

	if (mkdir(base, 01777) == 0 && chmod(base, 01777) < 0)
		return strerror(errno);
	if (lstat(base, &sb) < 0)
		return strerror(errno);
	if (S_ISLNK(sb.st_mode))
		return "a symbolic link";
	if (!S_ISDIR(sb.st_mode))
		return "not a folder";
	if (sb.st_uid != 0 && sb.st_uid != geteuid())
		return "owned by another user";
	if ((sb.st_mode & 022) && !(sb.st_mode & S_ISVTX))
		return "others can write in it and it is not sticky (chmod +t)";
	if (access(base, W_OK | X_OK) < 0)
		return strerror(errno);
	return NULL;
}

/* "<base>/<pidns>.<pid>.<random>", made 0700 then opened and checked: the
 * name is new, so nothing else can be there yet, and while it stays 0700
 * no one else can put anything in it (statsdir_open_up ends that). */
static int statsdir_make_instance(const char *base)
{
	uint64_t r = 0;
	struct stat sb;
	int fd;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r ^= (uint64_t)clock_now_ms() * 0x9e3779b97f4a7c15ull;
	snprintf(sd.path, sizeof(sd.path), "%s/%llu.%d.%llx", base,
		 (unsigned long long)proc_pid_namespace(), (int)getpid(),
		 (unsigned long long)r);
	if (mkdir(sd.path, 0700) < 0)
		return -1;
	fd = open(sd.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || sb.st_uid != geteuid()) {
		close(fd);
		rmdir(sd.path);
		return -1;
	}
	sd.fd = fd;
	return 0;
}

/* Once keel's own files are in it: the shims run as any user, so anyone
 * may create in the folder; sticky, so each removes only its own. */
static int statsdir_open_up(void)
{
	if (fchmod(sd.fd, 01777) == 0)
		return 0;
	/* empty it and give up, as if it could not be made */
	unlinkat(sd.fd, KEEL_CONTROL_FILE, 0);
	unlinkat(sd.fd, KEEL_WAKE_FILE, 0);
	close(sd.fd);
	sd.fd = -1;
	rmdir(sd.path);
	return -1;
}

/* The wake FIFO: keel holds it open for reading and writing (so it never
 * sees end-of-file and never blocks); anyone may write, no one else may
 * read, so no process can swallow another's wake-up. */
static int statsdir_make_wake(void)
{
	struct stat sb;
	int fd;

	if (mkfifoat(sd.fd, KEEL_WAKE_FILE, 0600) < 0)
		return -1;
	fd = openat(sd.fd, KEEL_WAKE_FILE, O_RDWR | O_NONBLOCK | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || !S_ISFIFO(sb.st_mode) ||
	    fchmod(fd, 0622) < 0) {
		close(fd);
		return -1;
	}
	sd.wake_fd = fd;
	return 0;
}

/* The control file, created exclusively in the new folder and mapped: it
 * is keel's (0644). Its bytes are written before it is mapped: a file
 * extended with ftruncate is a hole, and in a full tmpfs (/dev/shm is 64
 * MiB in Docker) the first store to a hole is SIGBUS, which ended PID 1.
 * A process of keel's user that cuts the file short later is caught by
 * sharedmap.c. */
static int statsdir_make_control(uint64_t soft_limit)
{
	static const struct keel_control zero;
	struct keel_proc_stat ps = { 0 };
	int fd, err;

	fd = openat(sd.fd, KEEL_CONTROL_FILE, O_RDWR | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0644) < 0)
		goto fail;
	errno = 0;
	if (pwrite(fd, &zero, sizeof(zero), 0) != (ssize_t)sizeof(zero)) {
		if (errno == 0)
			errno = ENOSPC;	/* a short write */
		goto fail;
	}
	sd.ctl = mmap(NULL, sizeof(*sd.ctl), PROT_READ | PROT_WRITE,
		      MAP_SHARED, fd, 0);
	if (sd.ctl == MAP_FAILED) {
		sd.ctl = NULL;
		goto fail;
	}
	close(fd);
	if (sharedmap_protect(sd.ctl, sizeof(*sd.ctl)) < 0)
		warning("unable to catch SIGBUS at the control file: %s",
			strerror(errno));
	proc_stat(getpid(), &ps);
	sd.ctl->version = KEEL_STATS_VERSION;
	sd.ctl->size = sizeof(*sd.ctl);
	sd.ctl->limit_bytes = soft_limit;
	sd.ctl->keel_pid = (uint32_t)getpid();
	sd.ctl->keel_start_time = ps.start_time;
	/* magic last: a shim that sees it sees the rest */
	__atomic_store_n(&sd.ctl->magic, KEEL_CONTROL_MAGIC, __ATOMIC_RELEASE);
	return 0;
fail:
	err = errno;
	close(fd);
	unlinkat(sd.fd, KEEL_CONTROL_FILE, 0);
	errno = err;
	return -1;
}

int statsdir_check_base(const char *wanted)
{
	char q[KEEL_PRINTABLE_MAX];
	const char *why;

	if (!wanted || !*wanted)
		return 0;
	/* named as the user gave it; the value in full, not the setting's
	 * shortened text (options_given) */
	const char *as = strncmp(options_given(&keel_opts.stats_dir), "--", 2) ?
			 "KEEL_STATS_DIR=" : "--stats-dir ";
	printable(q, sizeof(q), wanted);
	if (strlen(wanted) > KEEL_STATS_BASE_MAX) {
		fatal("%s%s: longer than %d bytes (accepted: an absolute path to a folder keel can create or write)",
		      as, q, KEEL_STATS_BASE_MAX);
		return 2;
	}
	if ((why = statsdir_base_problem(wanted))) {
		fatal("%s%s: %s (accepted: an absolute path to a folder keel can create or write)",
		      as, q, why);
		return 2;
	}
	return 0;
}

/* Takes back an instance folder whose control file could not be made, so
 * the next default base can be tried. */
static void statsdir_drop_instance(void)
{
	close(sd.fd);
	sd.fd = -1;
	rmdir(sd.path);
}

/* The first default base that takes an instance folder and its control
 * file: /dev/shm may be full (a 64 MiB tmpfs that PostgreSQL or Chromium
 * filled), where /run or /tmp still has room. -1 when none does, with
 * the last reason in why. */
static int statsdir_setup_default(uint64_t soft_limit, char *why, size_t len)
{
	static const char *const defaults[] = KEEL_STATS_DIR_DEFAULTS;
	const char *problem;
	size_t i;

	snprintf(why, len, "no folder");
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		problem = statsdir_base_problem(defaults[i]);
		if (problem) {
			snprintf(why, len, "%s: %s", defaults[i], problem);
		} else if (statsdir_make_instance(defaults[i]) < 0) {
			snprintf(why, len, "%s: %s", defaults[i],
				 strerror(errno));
		} else if (statsdir_make_control(soft_limit) < 0) {
			snprintf(why, len, "%s: its control file: %s",
				 defaults[i], strerror(errno));
			statsdir_drop_instance();
		} else {
			return 0;
		}
		debug("statistics folder: %s", why);
	}
	return -1;
}

int statsdir_setup(const char *wanted, uint64_t soft_limit)
{
	char q[KEEL_PRINTABLE_MAX], why[KEEL_PRINTABLE_MAX];

	if (!wanted || !*wanted) {
		if (statsdir_setup_default(soft_limit, why, sizeof(why)) < 0) {
			warning("unable to create a statistics folder in /dev/shm/keel, /run/keel or /tmp/keel (%s); keel stats and trims are off",
				why);
			return -1;
		}
		printable(q, sizeof(q), sd.path);
	} else {
		if (statsdir_make_instance(wanted) < 0) {
			warning("unable to create a statistics folder in %s: %s; keel stats and trims are off",
				printable(q, sizeof(q), wanted),
				strerror(errno));
			return -1;
		}
		/* the folder is in the user's KEEL_STATS_DIR */
		printable(q, sizeof(q), sd.path);
		if (statsdir_make_control(soft_limit) < 0)
			warning("unable to create %s/%s: %s; trims are off", q,
				KEEL_CONTROL_FILE, strerror(errno));
	}
	if (sd.ctl && soft_limit && statsdir_make_wake() < 0)
		warning("unable to create %s/%s: %s; shimmed processes cannot wake the memory guard",
			q, KEEL_WAKE_FILE, strerror(errno));
	if (statsdir_open_up() < 0) {
		warning("unable to open the statistics folder to every user: %s; keel stats and trims are off",
			strerror(errno));
		if (sd.wake_fd >= 0)
			close(sd.wake_fd);
		sd.wake_fd = -1;
		if (sd.ctl) {
			sharedmap_protect(NULL, 0);
			munmap(sd.ctl, sizeof(*sd.ctl));
		}
		sd.ctl = NULL;
		return -1;
	}
	sd.watch_due_ms = clock_now_ms() + STATSDIR_WATCH_AFTER_MS;
	if (setenv(KEEL_STATS_DIR_ENV, sd.path, 1) < 0)
		warning("unable to set KEEL_STATS_DIR: %s", strerror(errno));
	info("statistics folder: %s", q);
	return 0;
}

int statsdir_fd(void)
{
	return sd.fd;
}

struct keel_control *statsdir_control(void)
{
	return sd.ctl;
}

int statsdir_wake_fd(void)
{
	return sd.wake_fd;
}

int statsdir_watch_fd(void)
{
	return sd.watch_fd;
}

/* Something may have become stale: sweep now, or a second after the last
 * sweep. */
void statsdir_sweep_soon(void)
{
	long long due;

	if (sd.fd < 0 || sd.sweep_due_ms >= 0)
		return;
	due = sd.last_sweep_ms + STATSDIR_SWEEP_EVERY_MS;
	sd.sweep_due_ms = due > clock_now_ms() ? due : 0;
}

int statsdir_sweep_due(void)
{
	return sd.sweep_due_ms >= 0 && clock_now_ms() >= sd.sweep_due_ms;
}

/* New files appeared: a new process published, or someone is filling the
 * folder. Either way a sweep; the events themselves say nothing more. */
void statsdir_on_event(void)
{
	char buf[4096];

	while (read(sd.watch_fd, buf, sizeof(buf)) > 0)
		;
	statsdir_sweep_soon();
}

long long statsdir_due_ms(void)
{
	if (sd.watch_due_ms >= 0 &&
	    (sd.sweep_due_ms < 0 || sd.watch_due_ms < sd.sweep_due_ms))
		return sd.watch_due_ms;
	return sd.sweep_due_ms;
}

static void statsdir_watch(void)
{
	sd.watch_due_ms = -1;
	sd.watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (sd.watch_fd >= 0 &&
	    inotify_add_watch(sd.watch_fd, sd.path, IN_CREATE | IN_ONLYDIR |
			      IN_DONT_FOLLOW) < 0) {
		close(sd.watch_fd);
		sd.watch_fd = -1;
	}
	statsdir_sweep_soon();
}

void statsdir_on_timeout(void)
{
	struct heapscan_result res;
	char q[KEEL_PRINTABLE_MAX];
	long long now;

	if (sharedmap_lost() && !sd.ctl_lost_said) {
		sd.ctl_lost_said = true;
		warning("%s/%s was cut short by another process: shimmed processes no longer hear from keel (trims, limits)",
			printable(q, sizeof(q), sd.path), KEEL_CONTROL_FILE);
	}
	if (sd.fd >= 0 && sd.watch_due_ms >= 0 &&
	    clock_now_ms() >= sd.watch_due_ms)
		statsdir_watch();
	if (!statsdir_sweep_due())
		return;
	sd.sweep_due_ms = -1;
	now = clock_now_ms();
	/* a sweep's steps count as one sweep: the second between sweeps
	 * runs from its first */
	if (!sd.sweep_resume)
		sd.last_sweep_ms = now;
	if (heapscan_sweep_step(sd.fd, &sd.sweep_resume,
				now + STATSDIR_SWEEP_STEP_MS, &res) < 0) {
		sd.sweep_resume = 0;
		return;
	}
	if (sd.sweep_resume)
		sd.sweep_due_ms = clock_now_ms() + STATSDIR_SWEEP_PAUSE_MS;
	debug("statistics folder swept in %lld ms: %u %s, %u %s, %u rejected, %u removed%s",
	      clock_now_ms() - now,
	      res.entries, KEEL_PLURAL(res.entries, "entry", "entries"),
	      res.processes, KEEL_PLURAL(res.processes, "process", "processes"),
	      res.rejected, res.removed,
	      sd.sweep_resume ? "; the rest in the next step" : "");
	/* one line a sweep, so a flood of planted files is one line a second */
	if (res.rejected)
		info("statistics folder: %u %s rejected (the last, %s: %s)",
		     res.rejected, KEEL_PLURAL(res.rejected, "file", "files"),
		     res.rejected_name, res.rejected_why);
}

/* keel is leaving: the folder goes with it. What cannot be removed (a
 * nested keel's folder, say) stays, and so does the folder then; so does
 * what is left after STATSDIR_REMOVE_MS: a process can plant a hundred
 * thousand files there (a fraction of a second to unlink), and keel
 * waits only so long for this thread before it says that a process
 * holds it. */
void statsdir_remove(void)
{
	long long give_up_ms = clock_now_ms() + STATSDIR_REMOVE_MS;
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	if (sd.fd < 0)
		return;
	d = fdopendir(sd.fd);
	if (d) {
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(sd.fd, de->d_name, 0);
			if (++n % 256 == 0 && clock_now_ms() > give_up_ms) {
				debug("statistics folder: %u entries removed in %d ms; the rest stays",
				      n, STATSDIR_REMOVE_MS);
				break;
			}
		}
		closedir(d);	/* closes sd.fd */
	} else {
		close(sd.fd);
	}
	sd.fd = -1;
	rmdir(sd.path);
}
