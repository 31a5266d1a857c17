/* The library's life (life.c): the lazy bootstrap any entry point may
 * run first, and whether the constructor has run. */
#ifndef KL_LIFE_H
#define KL_LIFE_H

#include "kl_os.h"

void kl_boot(void);
extern KL_HIDDEN bool kl_ctor_done;

#endif
