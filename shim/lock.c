/* The shim's mutex: a private futex word (0 free, 1 held, 2 held with
 * waiters). It spins briefly because critical sections are a few dozen
 * instructions, then sleeps in the kernel instead of burning a shared core. */

#include "kl_os.h"
#include <linux/futex.h>

#define KL_LOCK_SPINS 100

static inline void kl_cpu_relax(void)
{
#if defined(__x86_64__)
	__asm__ volatile("pause");
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

/* Contended path: spin on a plain load, then mark "waiters" and sleep. */
void kl_lock_slow(struct kl_lock *l)
{
	for (int i = 0; i < KL_LOCK_SPINS; i++) {
		uint32_t zero = 0;
		if (__atomic_load_n(&l->state, __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(&l->state, &zero, 1, 0,
				__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		kl_cpu_relax();
	}
	while (__atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE) != 0)
		kl_futex(&l->state, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 2, 0);
}

void kl_unlock_wake(struct kl_lock *l)
{
	kl_futex(&l->state, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0);
}
