# The session docs/debugging.md shows, in batch mode, for the gdb-* boot rows
# (tests/boot/tests.cfg): the runner has already set the architecture and
# connected to QEMU's gdb server (stopped at the reset vector), as
# `make debug` does. A hardware breakpoint: it holds wherever the guest is
# when it is set, even before the image is loaded (docs/debugging.md says why).
hbreak main
continue
# The row passes `-- gdb "two words"`: argv as the kernel built it.
print argc
print argv[2]
# One source line (the first printf), then where we are.
next
backtrace
# End the guest: QEMU exits with the gdb server ("Terminated via GDBstub").
kill
