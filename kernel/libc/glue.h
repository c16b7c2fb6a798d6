/*
 * What the files of newlib's system-call glue (kernel/libc/) share. The
 * glue is app code by build: newlib's headers, not the kernel's.
 */
#ifndef KERNEL_LIBC_GLUE_H
#define KERNEL_LIBC_GLUE_H

#include <proteus/fdtable.h>   /* libc_set_errno */

#endif
