/* Signalling "the rest" at shutdown: the whole PID namespace when keel is
 * PID 1, its own descendants otherwise (never keel's parent's processes). */
#ifndef KEEL_SWEEP_H
#define KEEL_SWEEP_H

/* Sends sig to every remaining process; returns how many were reached
 * (1 stands for "some" when keel is PID 1). */
int sweep_signal(int sig);

#endif
