# Default build configuration for i386. Plain make fragments: each CONFIG_
# variable becomes a -D flag for C and assembly (see config/README).
CONFIG_ARCH_BITS := 32
CONFIG_MAIN_STACK_PAGES := 16
# The heap's virtual window on i386, 0xc0000000-0xe0000000 (frames may come
# from above 4 GiB); see include/proteus/vm.h.
CONFIG_HEAP_MAX_MB := 512
CONFIG_SERIAL_PORT := 0x3f8
CONFIG_SERIAL_BAUD := 115200
CONFIG_DEBUG_EXIT_PORT := 0xf4
# Platform-ops calls go through the layer (1), or are the native instructions
# themselves (0: only for the "no layer" image make bench compares with).
CONFIG_PVOPS := 1
