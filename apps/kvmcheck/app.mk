# The project's own apps build with the kernel's warning set, errors included
# (Makefile, "per app").
APP_WARN_kvmcheck := $(WARN)
# No SSE (nor newlib's stdio, which uses it), so that kvmcheck runs where
# KVM cannot emulate SSE in ring 0 (kvm-pvm; tests/boot/tests.cfg, kvm_needs).
APP_CFLAGS_kvmcheck := -mgeneral-regs-only
