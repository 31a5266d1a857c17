/* The preload path kept valid across exec. When keel preloads the shim from
 * its memfd (LD_PRELOAD=/proc/self/fd/N), a program that closes its
 * descriptors before it execs (Python's subprocess, daemons, closefrom)
 * would start children that cannot find the library. So the shim maps its
 * file read-only at start (a mapping outlives every descriptor), and the
 * exec and spawn wrappers api.c exports put the library back at fd N first:
 * the parent's copy when this process may open it, else a new sealed memfd
 * written from the mapping. An fd N the program holds for itself is never
 * touched: the child's LD_PRELOAD then names another descriptor. Raw
 * system calls only, nothing allocated: this runs in vfork children. */

#pragma GCC optimize("Os")	/* cold: once per exec */

#include "kl_heap.h"
#include "kl_exec.h"
#include <linux/fcntl.h>
#include <linux/memfd.h>
#include <linux/stat.h>

extern char **environ __attribute__((weak));

#define KL_FD_CLOEXEC 1
#define KL_IFMT 0170000
#define KL_IFREG 0100000
#define KL_NOEXEC_SEAL 0x0008U	/* MFD_NOEXEC_SEAL, Linux 6.3 */
#define PRELOAD_VAR "LD_PRELOAD="
#define PRELOAD_DIR "/proc/self/fd/"
#define PRELOAD_LINK "/memfd:libkeel.so"
#define PRELOAD_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
/* An environment rewritten on the stack (a vfork child has no other
 * memory of its own): bigger ones are passed as they are. */
#define PRELOAD_ENV_MAX 8192
#define PRELOAD_VALUE_MAX 8192
#define PRELOAD_SAME 1024

extern const char __ehdr_start[] __attribute__((visibility("hidden")));

static struct {
	int fd;			/* N, or -1: not preloaded from a memfd */
	char path[32];		/* "/proc/self/fd/N" */
	size_t path_len;
	const char *image;	/* the library's bytes, mapped read-only */
	size_t size;
	uint64_t ino;		/* the memfd fd N held at start */
	uint32_t dev_major, dev_minor;
} pl = { .fd = -1 };

static size_t preload_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* ld.so (glibc and musl) splits LD_PRELOAD at blanks and colons. */
static bool preload_sep(char c)
{
	return c == ' ' || c == ':' || c == '\t' || c == '\n';
}

/* The value of the variable "NAME=" in envp, or 0. */
static const char *preload_getenv(char *const *envp, const char *name)
{
	for (; envp && *envp; envp++) {
		const char *a = *envp, *b = name;
		while (*b && *a == *b)
			a++, b++;
		if (!*b)
			return a;
	}
	return 0;
}

/* The "LD_PRELOAD=..." string of envp, or 0. */
static const char *preload_var(char *const *envp)
{
	const char *v = preload_getenv(envp, PRELOAD_VAR);
	return v ? v - (sizeof(PRELOAD_VAR) - 1) : 0;
}

/* The entry of an LD_PRELOAD value whose file name (a path's last part, or
 * the whole entry) is file, and its length in *len; 0 when there is none. */
static const char *preload_named(const char *v, const char *file, size_t *len)
{
	for (const char *e; *v; v = e) {
		while (preload_sep(*v))
			v++;
		const char *name = v, *f = file;
		for (e = v; *e && !preload_sep(*e); e++)
			if (*e == '/')
				name = e + 1;
		while (name < e && *name == *f)
			name++, f++;
		if (e > v && name == e && !*f) {
			*len = (size_t)(e - v);
			return v;
		}
	}
	return 0;
}

bool kl_preload_names(const char *file)
{
	const char *v = preload_var(kl_environ());
	size_t len;

	return v && preload_named(v + sizeof(PRELOAD_VAR) - 1, file, &len);
}

/* Where the entry equal to pl.path starts in an LD_PRELOAD value, or 0. */
static const char *preload_entry(const char *v)
{
	while (*v) {
		const char *e;
		while (preload_sep(*v))
			v++;
		for (e = v; *e && !preload_sep(*e); e++)
			;
		if ((size_t)(e - v) == pl.path_len &&
		    !memcmp(v, pl.path, pl.path_len))
			return v;
		v = e;
	}
	return 0;
}

/* Does the symbolic link at path name a memfd "libkeel.so"? */
static bool preload_link_is_ours(const char *path)
{
	char link[64];
	long n = kl_readlink(path, link, sizeof(link));
	return n >= (long)sizeof(PRELOAD_LINK) - 1 &&
	       !memcmp(link, PRELOAD_LINK, sizeof(PRELOAD_LINK) - 1);
}

/* Is it the very file this process was loaded from? */
static bool preload_is_loaded(const struct statx *st)
{
	return st->stx_ino == pl.ino && st->stx_dev_major == pl.dev_major &&
	       st->stx_dev_minor == pl.dev_minor;
}

/* This process's own fd N: the file loaded at start, or a copy this
 * process put there (only it can have): a memfd "libkeel.so" of the same
 * size sealed against writes, as keel and this file make them. */
static bool preload_is_ours(int fd)
{
	struct statx st;
	char path[32];
	long seals;

	if (kl_statx(fd, "", &st) < 0)
		return false;
	if (preload_is_loaded(&st))
		return true;
	if ((st.stx_mode & KL_IFMT) != KL_IFREG || st.stx_size != pl.size)
		return false;
	seals = kl_fcntl(fd, F_GET_SEALS, 0);
	if (seals < 0 || (seals & PRELOAD_SEALS) != PRELOAD_SEALS)
		return false;
	kl_snprintf(path, sizeof(path), PRELOAD_DIR "%d", fd);
	return preload_link_is_ours(path);
}

/* The descriptor N of an LD_PRELOAD entry "/proc/self/fd/N", or -1. */
static int preload_entry_fd(const char *v, const char *e)
{
	const char *d = v + sizeof(PRELOAD_DIR) - 1;
	int fd = 0;

	if (d >= e || (size_t)(e - v) >= sizeof(pl.path) ||
	    memcmp(v, PRELOAD_DIR, sizeof(PRELOAD_DIR) - 1))
		return -1;
	for (; d < e; d++) {
		if (*d < '0' || *d > '9' || fd > 1 << 20)
			return -1;
		fd = fd * 10 + (*d - '0');
	}
	return fd;
}

/* The constructor's part: was the shim preloaded from a descriptor? Then
 * map the file, so its bytes stay at hand whatever the program closes.
 * The file is the shim when its first KiB (ELF header, program headers,
 * build id, hash table: pages ld.so maps and never writes) is the shim's
 * own in memory. */
void kl_preload_init(void)
{
	const char *v = preload_var(kl_environ()), *e;
	struct statx st;

	if (!v)
		return;
	for (v += sizeof(PRELOAD_VAR) - 1; *v; v = e) {
		int fd;
		while (preload_sep(*v))
			v++;
		for (e = v; *e && !preload_sep(*e); e++)
			;
		if ((fd = preload_entry_fd(v, e)) < 0 ||
		    kl_statx(fd, "", &st) < 0 ||
		    (st.stx_mode & KL_IFMT) != KL_IFREG ||
		    st.stx_size < PRELOAD_SAME)
			continue;
		const char *image = kl_mmap_fd(st.stx_size, 1 /* PROT_READ */,
					       fd);
		if (kl_is_err((void *)image))
			continue;
		if (memcmp(image, __ehdr_start, PRELOAD_SAME)) {
			kl_munmap((void *)image, st.stx_size);
			continue;
		}
		memcpy(pl.path, v, (size_t)(e - v));
		pl.path[e - v] = '\0';
		pl.path_len = (size_t)(e - v);
		pl.image = image;
		pl.size = st.stx_size;
		pl.ino = st.stx_ino;
		pl.dev_major = st.stx_dev_major;
		pl.dev_minor = st.stx_dev_minor;
		pl.fd = fd;
		return;
	}
}

/* A new descriptor of the library (close-on-exec; the caller places it):
 * the parent's fd N when it is the very file this process was loaded from
 * and this process may open it (nothing written, one copy for all the
 * children: a Python child whose parent kept it), else a new sealed memfd
 * written from the mapping. Nothing the parent could have changed since
 * is taken: a parent may be of another user. */
static int preload_copy(void)
{
	struct statx st;
	char path[48];
	int fd;

	kl_snprintf(path, sizeof(path), "/proc/%d/fd/%d", kl_getppid(), pl.fd);
	if (preload_link_is_ours(path)) {
		fd = kl_open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
		if (fd >= 0 && kl_statx(fd, "", &st) == 0 &&
		    preload_is_loaded(&st))
			return fd;
		if (fd >= 0)
			kl_close(fd);
	}
	fd = kl_memfd_create("libkeel.so", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd == -KL_EINVAL || fd == -KL_EACCES)	/* vm.memfd_noexec=2 */
		fd = kl_memfd_create("libkeel.so", MFD_CLOEXEC |
				     MFD_ALLOW_SEALING | KL_NOEXEC_SEAL);
	if (fd < 0)
		return -1;
	for (size_t done = 0; done < pl.size;) {
		long w = kl_write(fd, pl.image + done, pl.size - done);
		if (w == -KL_EINTR)
			continue;
		if (w <= 0) {
			kl_close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	kl_fcntl(fd, F_ADD_SEALS, PRELOAD_SEALS);
	return fd;
}

/* Before an exec: the descriptor the child's LD_PRELOAD must name. fd N
 * when it holds the library (put back there if it was closed), another
 * one when the program holds N for itself (*moved: close it if the exec
 * does not happen), -1 when the library cannot be had. */
static int preload_mend(int *moved)
{
	long flags = kl_fcntl(pl.fd, F_GETFD, 0);
	int fd, to;

	*moved = -1;
	if (flags >= 0 && preload_is_ours(pl.fd)) {
		if (flags & KL_FD_CLOEXEC)
			kl_fcntl(pl.fd, F_SETFD, flags & ~KL_FD_CLOEXEC);
		return pl.fd;
	}
	fd = preload_copy();
	if (fd < 0)
		return -1;
	/* F_DUPFD takes the lowest free descriptor from N up: N itself when
	 * it is free, in one step, so a file the program opens meanwhile is
	 * never replaced. */
	to = (int)kl_fcntl(fd, F_DUPFD, pl.fd);
	if (to < 0)	/* nothing free from N up to RLIMIT_NOFILE */
		to = (int)kl_fcntl(fd, F_DUPFD, pl.fd / 2);
	kl_close(fd);
	if (to >= 0 && to != pl.fd)
		*moved = to;
	return to;
}

/* The child cannot have the library: drop it from LD_PRELOAD rather than
 * have ld.so print an error in every child. Said once. */
static void preload_lost(void)
{
	static bool said;

	if (!__atomic_exchange_n(&said, true, __ATOMIC_RELAXED))
		kl_msg("libkeel: warning: unable to pass libkeel.so on to a child (no descriptor or memfd left); starting it without the allocator");
}

/* envp with the LD_PRELOAD entry at entry (len bytes) replaced by
 * /proc/self/fd/<fd> (or nothing when fd < 0), written to out and buf. */
static void preload_rewrite(char *const *envp, const char *var,
			    const char *entry, size_t len, int fd, char **out,
			    char *buf, size_t cap)
{
	size_t head = (size_t)(entry - var), n = 0;
	const char *tail = entry + len;

	memcpy(buf, var, head);
	if (fd >= 0)
		head += (size_t)kl_snprintf(buf + head, cap - head,
					    PRELOAD_DIR "%d", fd);
	memcpy(buf + head, tail, preload_strlen(tail) + 1);
	for (; envp[n]; n++)
		out[n] = envp[n] == var ? buf : envp[n];
	out[n] = 0;
}

static void *preload_next[KL_EXEC_OPS];
static const char *const preload_names[KL_EXEC_OPS] = {
	[KL_EXECVE] = "execve", [KL_EXECVPE] = "execvpe",
	[KL_FEXECVE] = "fexecve", [KL_SPAWN] = "posix_spawn",
	[KL_SPAWNP] = "posix_spawnp", [KL_SYSTEM] = "system",
	[KL_POPEN] = "popen",
};
static bool preload_resolved;

/* Before the first fork: the child of a threaded program must not take
 * the loader's lock (dl_iterate_phdr) that another thread may have held
 * at the fork, so the names are found here, in the parent. */
void kl_exec_resolve(void)
{
	if (__atomic_load_n(&preload_resolved, __ATOMIC_ACQUIRE))
		return;
	for (int op = KL_EXECVPE; op < KL_EXEC_OPS; op++)
		if (!__atomic_load_n(&preload_next[op], __ATOMIC_RELAXED))
			__atomic_store_n(&preload_next[op],
					 kl_next(preload_names[op]),
					 __ATOMIC_RELAXED);
	__atomic_store_n(&preload_resolved, true, __ATOMIC_RELEASE);
}

/* libc's own function behind a wrapper, found once. */
void *kl_exec_next(enum kl_exec_op op)
{
	void *fn = __atomic_load_n(&preload_next[op], __ATOMIC_RELAXED);

	if (!fn) {
		fn = kl_next(preload_names[op]);
		__atomic_store_n(&preload_next[op], fn, __ATOMIC_RELAXED);
	}
	if (!fn) {
		kl_msg("libkeel: error: %s: not found in the loaded libraries",
		       preload_names[op]);
		kl_set_errno(KL_ENOSYS);
	}
	return fn;
}

/* The call itself, with the environment to pass. execve is the system
 * call, as in glibc and musl; the others are libc's. */
static int preload_call(const struct kl_exec *x, char *const *envp)
{
	void *fn;

	if (x->op == KL_EXECVE) {
		kl_set_errno(-kl_execve(x->path, x->argv, envp));
		return -1;
	}
	if (!(fn = kl_exec_next(x->op)))
		return x->op >= KL_SPAWN ? KL_ENOSYS : -1;
	switch (x->op) {
	case KL_EXECVPE:
		return ((int (*)(const char *, char *const *, char *const *))
			fn)(x->path, x->argv, envp);
	case KL_FEXECVE:
		return ((int (*)(int, char *const *, char *const *))fn)(
			x->fd, x->argv, envp);
	default:
		return ((int (*)(int *, const char *, const void *,
				 const void *, char *const *, char *const *))
			fn)(x->pid, x->path, x->actions, x->attr, x->argv,
			    envp);
	}
}

char **kl_environ(void)
{
	return &environ ? environ : 0;
}

/* This library's entry in an LD_PRELOAD value, and its length: the memfd
 * it was loaded from, else a file named libkeel.so (keel's installed or
 * private copy); 0 when there is none. */
static const char *preload_own_entry(const char *v, size_t *len)
{
	if (pl.fd < 0)
		return preload_named(v, "libkeel.so", len);
	*len = pl.path_len;
	return preload_entry(v);
}

/* Whether the program this exec starts must not have the shim. */
static bool preload_refused(const struct kl_exec *x)
{
	switch (x->op) {
	case KL_EXECVE:
	case KL_SPAWN:
		return kl_exec_target_refused(x->path, -1, false, 0);
	case KL_EXECVPE:
	case KL_SPAWNP: {
		const char *path = preload_getenv(kl_environ(), "PATH=");
		return kl_exec_target_refused(x->path, -1, true, path);
	}
	case KL_FEXECVE:
		return kl_exec_target_refused(0, x->fd, false, 0);
	default:
		return false;
	}
}

int kl_exec(const struct kl_exec *x)
{
	const char *var, *entry;
	size_t n = 0, len;
	int fd = -1, moved = -1, rc;

	if (!(var = preload_var(x->envp)) ||
	    !(entry = preload_own_entry(var + sizeof(PRELOAD_VAR) - 1, &len)))
		return preload_call(x, x->envp);
	if (!preload_refused(x)) {
		if (pl.fd < 0)
			return preload_call(x, x->envp);
		fd = preload_mend(&moved);
		if (fd == pl.fd)
			return preload_call(x, x->envp);
		if (fd < 0)
			preload_lost();
	}
	while (x->envp[n])
		n++;
	size_t cap = preload_strlen(var) + 16;
	if (n >= PRELOAD_ENV_MAX || cap > PRELOAD_VALUE_MAX) {
		rc = preload_call(x, x->envp);
	} else {
		char *out[n + 1], buf[cap];
		preload_rewrite(x->envp, var, entry, len, fd, out, buf, cap);
		rc = preload_call(x, out);
	}
	/* a spawn has exec'd (or failed) when it returns; an exec that
	 * returns has failed: either way the moved copy is not needed here */
	if (moved >= 0)
		kl_close(moved);
	return rc;
}

/* system() and popen() pass environ to libc's own spawn: the library can
 * only be put back at fd N, not named elsewhere. */
void kl_exec_mend(void)
{
	const char *var;
	int moved;

	if (pl.fd < 0 || !(var = preload_var(kl_environ())) ||
	    !preload_entry(var + sizeof(PRELOAD_VAR) - 1))
		return;
	if (preload_mend(&moved) < 0)
		preload_lost();
	if (moved >= 0)
		kl_close(moved);
}
