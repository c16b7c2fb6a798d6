# `make debug APP=x [ARCH=...] [ARGS="kernel options -- app args"]`: QEMU
# stopped at the first instruction with its gdb server on DEBUG_PORT (1234),
# and gdb attached with the image's symbols (scripts/debug.sh,
# docs/debugging.md). Only the one image is built, with make's -j.
DEBUG_PORT ?= 1234

.PHONY: debug
# ARGS reaches the script through the environment as the kernel's command
# line (WITH_KERNEL_ARGS, Makefile), which QEMU's -append gets as one word.
debug: export DEBUG_PORT := $(DEBUG_PORT)
debug: deps
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc) $(BUILD)/$(ARCH)/$(APP).elf
	$(Q)$(WITH_KERNEL_ARGS) ./scripts/debug.sh $(ARCH) $(BUILD)/$(ARCH)/$(APP).elf
