# The project's own apps build with the kernel's warning set, errors included
# (Makefile, "per app").
APP_WARN_hello := $(WARN)
# hello prints no floating point: newlib's integer-only printf (Makefile,
# "per app"), some 20 KiB smaller.
APP_PRINTF_hello := integer
