/*
 * Xen's public interface, as Debian's libxen-dev installs it under
 * /usr/include/xen, at the interface version Proteus is written against.
 * Every file that needs a Xen structure or constant includes this, so the
 * version is chosen once.
 */
#ifndef INCLUDE_PV_XEN_PUBLIC_H
#define INCLUDE_PV_XEN_PUBLIC_H

#include <proteus/types.h>   /* the fixed-width types Xen's headers use */
#define __XEN_INTERFACE_VERSION__ 0x00040d00   /* Xen 4.13 and later */
#include <xen/xen.h>

#endif
