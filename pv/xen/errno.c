/*
 * Names for the error numbers hypercalls return, so that every failure
 * report says what it was. The list is Xen's own (public errno.h, an
 * X-macro list of XEN_ERRNO(name, value)).
 */
#include "hypercall.h"

static const struct {
    int value;
    const char *name;
} names[] = {
#define XEN_ERRNO(name, value) { value, #name },
#include <xen/errno.h>
#undef XEN_ERRNO
};

const char *xen_errno_name(long err)
{
    if (err == 0)
        return "OK";
    for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].value == -err)
            return names[i].name;
    return "E?";
}
