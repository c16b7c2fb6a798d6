/*
 * What xenbus reads from the backend's `state` key, checked before it is
 * believed (the key is written by another domain): pure code, so the host
 * tests (tests/unit/test_xenbus_parse.c) and the fuzzer can run it.
 * States: xen/io/xenbus.h, enum xenbus_state.
 */
#include <proteus/cmdline.h>
#include <proteus/errno.h>
#include <pv/xenbus.h>

int xenbus_parse_state(const char *s, int *state)
{
    u64 v;
    if (!s || cmdline_parse_uint(s, XenbusStateUnknown, XenbusStateReconfigured, &v))
        return -EINVAL;
    *state = (int)v;
    return 0;
}

const char *xenbus_state_name(int state)
{
    static const char *const names[] = {
        [XenbusStateUnknown] = "Unknown",           [XenbusStateInitialising] = "Initialising",
        [XenbusStateInitWait] = "InitWait",         [XenbusStateInitialised] = "Initialised",
        [XenbusStateConnected] = "Connected",       [XenbusStateClosing] = "Closing",
        [XenbusStateClosed] = "Closed",             [XenbusStateReconfiguring] = "Reconfiguring",
        [XenbusStateReconfigured] = "Reconfigured",
    };
    if (state < 0 || state > XenbusStateReconfigured)
        return "unreadable";
    return names[state];
}
