/* The exported malloc API of glibc and musl, with glibc's semantics, and
 * the only file that marks names visible: everything else is hidden, and
 * shim/libkeel.map keeps it that way. */
#include "kl_fast.h"
#include "kl_stats.h"
#include "kl_exec.h"
#include "kl_decay.h"
#include <stdarg.h>
#include <asm/unistd.h>

#define API __attribute__((visibility("default")))

struct mallinfo {
	int arena, ordblks, smblks, hblks, hblkhd;
	int usmblks, fsmblks, uordblks, fordblks, keepcost;
};

struct mallinfo2 {
	size_t arena, ordblks, smblks, hblks, hblkhd;
	size_t usmblks, fsmblks, uordblks, fordblks, keepcost;
};

API void *malloc(size_t n)
{
	return kl_alloc_fast(n);
}

/* free() keeps errno: the shim's system calls never touch it. */
API void free(void *p)
{
	kl_free_fast(p);
}

API void cfree(void *p)
{
	kl_free_fast(p);
}

API void free_sized(void *p, size_t n)
{
	(void)n;
	kl_free_fast(p);
}

API void free_aligned_sized(void *p, size_t align, size_t n)
{
	(void)align;
	(void)n;
	kl_free_fast(p);
}

API void *calloc(size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		kl_set_errno(KL_ENOMEM);
		return 0;
	}
	return kl_calloc(n);
}

API void *realloc(void *p, size_t n)
{
	if (!p)
		return kl_alloc(n);
	if (!n) {
		kl_free(p);
		return 0;
	}
	void *q = kl_realloc(p, n);
	if (!q)
		kl_set_errno(KL_ENOMEM);
	return q;
}

API void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		kl_set_errno(KL_ENOMEM);
		return 0;
	}
	return realloc(p, n);
}

static bool api_pow2(size_t a)
{
	return a && !(a & (a - 1));
}

API int posix_memalign(void **out, size_t align, size_t n)
{
	if (!api_pow2(align) || align % sizeof(void *))
		return KL_EINVAL;
	void *p = kl_alloc_aligned(align, n);
	if (!p)
		return KL_ENOMEM;
	*out = p;
	return 0;
}

/* glibc rounds a non-power-of-two alignment up to the next power, and
 * refuses one above SIZE_MAX / 2 + 1 (there is no next power). */
API void *memalign(size_t align, size_t n)
{
	if (align > SIZE_MAX / 2 + 1) {
		kl_set_errno(KL_EINVAL);
		return 0;
	}
	if (!api_pow2(align)) {
		size_t a = 1;
		while (a < align)
			a <<= 1;
		align = a;
	}
	return kl_alloc_aligned(align, n);
}

/* glibc up to 2.37 (Debian 12 has 2.36) serves any alignment here as
 * memalign does; C17 and glibc 2.38 refuse one that is not a power of
 * two. keel takes the lenient side: a program that works on the host's
 * libc must not fail under the shim. */
API void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

API void *valloc(size_t n)
{
	return kl_alloc_aligned(KL_PAGE, n);
}

API void *pvalloc(size_t n)
{
	size_t r;
	if (__builtin_add_overflow(n, KL_PAGE - 1, &r)) {
		kl_set_errno(KL_ENOMEM);
		return 0;
	}
	r &= ~(KL_PAGE - 1);
	return kl_alloc_aligned(KL_PAGE, r ? r : KL_PAGE);
}

API size_t malloc_usable_size(void *p)
{
	return kl_usable(p);
}

API int malloc_trim(size_t pad)
{
	(void)pad;
	return kl_trim();
}

API struct mallinfo2 mallinfo2(void)
{
	size_t v[10];
	kl_stats_mallinfo(v);
	struct mallinfo2 m = { v[0], v[1], v[2], v[3], v[4],
			       v[5], v[6], v[7], v[8], v[9] };
	return m;
}

/* The int fields of the old interface saturate instead of wrapping. */
API struct mallinfo mallinfo(void)
{
	size_t v[10];
	kl_stats_mallinfo(v);
	int w[10];
	for (int i = 0; i < 10; i++)
		w[i] = v[i] > 0x7fffffff ? 0x7fffffff : (int)v[i];
	struct mallinfo m = { w[0], w[1], w[2], w[3], w[4],
			      w[5], w[6], w[7], w[8], w[9] };
	return m;
}

API void malloc_stats(void)
{
	kl_stats_print();
}

/* glibc's parameters are accepted and have no effect here; like glibc,
 * an unknown one is accepted too, and the two with a range check refuse
 * values glibc refuses (M_MXFAST above 160, M_MMAP_THRESHOLD above
 * 32 MiB). */
API int mallopt(int param, int value)
{
	if (param == 1 /* M_MXFAST */)
		return value >= 0 && value <= 160;
	if (param == -3 /* M_MMAP_THRESHOLD */)
		return value >= 0 && value <= (32 << 20);
	return 1;
}

/* The exec family and the spawns: the same calls as libc's, after the
 * library is made sure to reach the child (preload.c). Only a shim keel
 * loaded from its memfd does anything more than forward. Cold: compiled
 * for size, away from malloc's code. */
#define API_EXEC API __attribute__((cold))

API_EXEC int execve(const char *path, char *const argv[], char *const envp[])
{
	struct kl_exec x = { .op = KL_EXECVE, .path = path, .argv = argv,
			     .envp = envp };
	return kl_exec(&x);
}

API_EXEC int execv(const char *path, char *const argv[])
{
	return execve(path, argv, kl_environ());
}

API_EXEC int execvpe(const char *file, char *const argv[], char *const envp[])
{
	struct kl_exec x = { .op = KL_EXECVPE, .path = file, .argv = argv,
			     .envp = envp };
	return kl_exec(&x);
}

API_EXEC int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, kl_environ());
}

API_EXEC int fexecve(int fd, char *const argv[], char *const envp[])
{
	struct kl_exec x = { .op = KL_FEXECVE, .fd = fd, .argv = argv,
			     .envp = envp };
	return kl_exec(&x);
}

/* execl, execle, execlp: the list into an array on the stack, as libc
 * does; after execle's terminating null comes its environment. */
#define API_ARGV(arg, argv, envp, with_envp)                               \
	va_list ap;                                                        \
	size_t argc = 1;                                                   \
	va_start(ap, arg);                                                 \
	while (va_arg(ap, const char *))                                   \
		argc++;                                                    \
	va_end(ap);                                                        \
	char *argv[argc + 1];                                              \
	argv[0] = (char *)arg;                                             \
	va_start(ap, arg);                                                 \
	for (size_t i = 1; i <= argc; i++)                                 \
		argv[i] = va_arg(ap, char *);                              \
	if (with_envp)                                                     \
		envp = va_arg(ap, char *const *);                          \
	va_end(ap)

API_EXEC int execl(const char *path, const char *arg, ...)
{
	char *const *env = kl_environ();
	API_ARGV(arg, argv, env, 0);
	return execve(path, argv, env);
}

API_EXEC int execle(const char *path, const char *arg, ...)
{
	char *const *env;
	API_ARGV(arg, argv, env, 1);
	return execve(path, argv, env);
}

API_EXEC int execlp(const char *file, const char *arg, ...)
{
	char *const *env = kl_environ();
	API_ARGV(arg, argv, env, 0);
	return execvpe(file, argv, env);
}

API_EXEC int posix_spawn(int *pid, const char *path, const void *actions,
		    const void *attr, char *const argv[], char *const envp[])
{
	struct kl_exec x = { .op = KL_SPAWN, .path = path, .argv = argv,
			     .envp = envp, .pid = pid, .actions = actions,
			     .attr = attr };
	return kl_exec(&x);
}

API_EXEC int posix_spawnp(int *pid, const char *file, const void *actions,
		     const void *attr, char *const argv[], char *const envp[])
{
	struct kl_exec x = { .op = KL_SPAWNP, .path = file, .argv = argv,
			     .envp = envp, .pid = pid, .actions = actions,
			     .attr = attr };
	return kl_exec(&x);
}

API_EXEC int system(const char *command)
{
	int (*fn)(const char *);

	kl_exec_mend();
	fn = (int (*)(const char *))kl_exec_next(KL_SYSTEM);
	return fn ? fn(command) : -1;
}

API_EXEC void *popen(const char *command, const char *mode)
{
	void *(*fn)(const char *, const char *);

	kl_exec_mend();
	fn = (void *(*)(const char *, const char *))kl_exec_next(KL_POPEN);
	return fn ? fn(command, mode) : 0;
}

/* Namespaces the kernel lets only a process with one thread enter; the
 * shim's purger steps aside for them (kl_alone_call). */
#define KL_CLONE_NEWTIME 0x00000080
#define KL_CLONE_VM 0x00000100
#define KL_CLONE_SIGHAND 0x00000800
#define KL_CLONE_NEWNS 0x00020000
#define KL_CLONE_THREAD 0x00010000
#define KL_CLONE_NEWUSER 0x10000000

/* A raw system call's result as libc returns it: -1 with errno for
 * -4095 to -1. */
static long sys_result(long r)
{
	if ((unsigned long)r > -4096ul) {
		kl_set_errno((int)-r);
		return -1;
	}
	return r;
}

static long ns_unshare(long flags)
{
	bool alone = flags & (KL_CLONE_NEWUSER | KL_CLONE_THREAD |
			      KL_CLONE_SIGHAND | KL_CLONE_VM);
	return kl_alone_call(kl_unshare, flags, 0, alone);
}

/* nstype 0 takes whatever namespace fd is, a pidfd several at once */
static long ns_setns(long fd, long nstype)
{
	bool alone = !nstype || (nstype & (KL_CLONE_NEWUSER | KL_CLONE_NEWNS |
					   KL_CLONE_NEWTIME));
	return kl_alone_call(kl_setns, fd, nstype, alone);
}

API_EXEC int unshare(int flags)
{
	return (int)sys_result(ns_unshare(flags));
}

API_EXEC int setns(int fd, int nstype)
{
	return (int)sys_result(ns_setns(fd, nstype));
}

/* libc's syscall(), for programs that enter namespaces with it rather
 * than through unshare() and setns() (Chromium's sandbox brings its own
 * wrappers): those two step aside the same way; every other number goes
 * to the kernel as libc's syscall() sends it: six arguments, read
 * whatever the caller passed, as glibc and musl read them. */
API long syscall(long nr, ...)
{
	va_list ap;
	long a[6];

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == __NR_unshare)
		return sys_result(ns_unshare(a[0]));
	if (nr == __NR_setns)
		return sys_result(ns_setns(a[0], a[1]));
	return sys_result(kl_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]));
}
