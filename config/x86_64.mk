# Default build configuration for x86_64. Plain make fragments: each CONFIG_
# variable becomes a -D flag for C and assembly (see config/README).
CONFIG_ARCH_BITS := 64
# Kernel-side stack for the app's main thread, in pages (a guard page is added).
CONFIG_MAIN_STACK_PAGES := 16
# Largest heap (sbrk) the app may grow, in MiB; RAM is the real limit.
CONFIG_HEAP_MAX_MB := 65536
# Serial console: COM1 at this baud rate.
CONFIG_SERIAL_PORT := 0x3f8
CONFIG_SERIAL_BAUD := 115200
# QEMU's isa-debug-exit device, used first to end the machine with a status.
CONFIG_DEBUG_EXIT_PORT := 0xf4
# Platform-ops calls go through the layer (1), or are the native instructions
# themselves (0: only for the "no layer" image make bench compares with).
CONFIG_PVOPS := 1
