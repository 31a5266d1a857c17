#ifndef KEEL_SHAREDMAP_H
#define KEEL_SHAREDMAP_H

#include <stdbool.h>
#include <stddef.h>

/* keel's one shared file mapping (the control file), kept from turning
 * into SIGBUS: see sharedmap.c. */
int sharedmap_protect(void *addr, size_t len);
bool sharedmap_lost(void);

#endif
