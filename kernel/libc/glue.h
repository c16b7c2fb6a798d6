/*
 * What the files of newlib's system-call glue (kernel/libc/) share. The
 * glue is app code by build: newlib's headers, not the kernel's.
 */
#ifndef KERNEL_LIBC_GLUE_H
#define KERNEL_LIBC_GLUE_H

/* Report error `e` (an errno value) to whoever called the glue. */
void libc_set_errno(int e);

#endif
