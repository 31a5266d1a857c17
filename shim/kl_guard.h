/* The guard's interface (guard.c): the check at growth against keel's
 * soft limit, and KEEL_ON_LIMIT=fail's refusal; the control file it reads
 * is mapped by publish.c. */
#ifndef KL_GUARD_H
#define KL_GUARD_H

#include "kl_os.h"

bool kl_growth_denied(void);
bool kl_guard_near_limit(void);
bool kl_guard_refusing(void);
/* the guard's check at growth (guard.c); the control file (publish.c) */
struct keel_control;
extern KL_HIDDEN struct keel_control *kl_control;
void kl_guard_setup(const struct keel_control *c, uint32_t owner);
bool kl_guard_grow(size_t bytes);
void kl_guard_heap_grew(void);
extern KL_HIDDEN __thread bool kl_seg_checked;

#endif
