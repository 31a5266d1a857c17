/* PID 1 out of the OOM killer's choice where the kernel lets it be
 * (oomprotect.c). */
#ifndef KEEL_OOMPROTECT_H
#define KEEL_OOMPROTECT_H

/* Sets keel's own oom_score_adj to -1000 when it may; called once the
 * application is forked, which keeps the value keel was started with. */
void oom_protect_self(void);

#endif
