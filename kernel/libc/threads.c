/*
 * newlib's side of threads: each thread's reentrancy structure (errno,
 * stdio state, strtok's pointer, ...) lives in kernel-owned memory, set up
 * and switched here, where newlib's own headers give its layout.
 */
#include <reent.h>
#include <stdio.h>
#include <string.h>
#include <proteus/api.h>

_Static_assert(sizeof(struct _reent) <= PROTEUS_REENT_SPACE,
               "newlib's struct _reent no longer fits PROTEUS_REENT_SPACE");

static struct _reent *boot_reent;

void *libc_default_reent(void)
{
    if (!boot_reent)
        boot_reent = _impure_ptr;
    return boot_reent;
}

void libc_reent_init(void *space)
{
    struct _reent *r = space;
    memset(r, 0, sizeof(*r));
    _REENT_INIT_PTR(r);
}

void libc_reent_fini(void *space)
{
    struct _reent *r = space;
    if (r->__sdidinit)
        _fflush_r(r, NULL);
    _reclaim_reent(r);
}

void libc_switch_reent(void *reent)
{
    _impure_ptr = reent;
}
