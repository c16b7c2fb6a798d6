# Deploy targets (docs/deploy.md): one appliance image, packaged for where it
# runs. Each writes one file next to the image and is checked by the boot
# table with the real tool (tests/boot/tests.cfg, the block at its end).
#
#   make iso APP=x [ARCH=...]      build/<arch>/<app>.iso: GRUB, native and Xen dom0
#   make xl APP=x [ARCH=...]       build/<arch>/<app>.xl.cfg: a Xen PV domU for xl
#   make libvirt APP=x [ARCH=...]  build/<arch>/<app>.kvm.xml and .xen.xml: libvirt domains
#
# Each ships <app>.deploy.elf, the image without its symbols (Makefile: they
# are in <app>.debug beside it, for gdb and addr2line).
#
# ARGS (kernel options -- app args) is the command line baked in, as
# `make run` passes it (WITH_KERNEL_ARGS, Makefile: shell quoting, re-quoted
# for the kernel); the other variables reach the scripts as single words.

.PHONY: iso xl libvirt

# ------------------------------------------------------------------- ISO --
# ISO_DEFAULT: native | xen, the entry booted when ISO_TIMEOUT (seconds) ends.
# ISO_XEN: the hypervisor of the Xen entry; none (empty): no Xen entry.
# Debian's Xen runs 64-bit PV only, so an i386 dom0 needs the PV32 rebuild
# the tests use (scripts/build-xen-pv32.sh build/xen).
ISO ?= $(BUILD)/$(ARCH)/$(APP).iso
ISO_DEFAULT ?= native
ISO_TIMEOUT ?= 3
ISO_XEN ?= $(if $(filter i386,$(ARCH)),$(wildcard $(BUILD)/xen/xen-4.17-pv32.elf),$(wildcard /boot/xen-4.17-amd64.gz))
# Xen on the first serial port and the screen; a small dom0 of fixed size
# (Xen's docs/misc/xen-command-line.pandoc: console, com1, dom0_mem).
XEN_ARGS ?= console=com1,vga com1=115200,8n1 dom0_mem=64M,max:64M dom0_max_vcpus=1

iso: deps
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc) $(BUILD)/$(ARCH)/$(APP).deploy.elf
	$(Q)$(WITH_KERNEL_ARGS) python3 scripts/mkiso.py --arch '$(ARCH)' --image '$(BUILD)/$(ARCH)/$(APP).deploy.elf' --out '$(ISO)' \
	    --args "$$PROTEUS_ARGS" --default '$(ISO_DEFAULT)' --timeout '$(ISO_TIMEOUT)' \
	    --xen '$(ISO_XEN)' --xen-args '$(XEN_ARGS)'

# -------------------------------------------------------------------- xl --
# XL_NAME: the domain's name (default proteus-<app>); XL_MEMORY: MiB; XL_VCPUS: vCPUs.
XL ?= $(BUILD)/$(ARCH)/$(APP).xl.cfg
XL_NAME ?=
XL_MEMORY ?= 64
XL_VCPUS ?= 1

xl: deps
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc) $(BUILD)/$(ARCH)/$(APP).deploy.elf
	$(Q)$(WITH_KERNEL_ARGS) python3 scripts/mkxl.py --arch '$(ARCH)' --image '$(BUILD)/$(ARCH)/$(APP).deploy.elf' --out '$(XL)' \
	    --name '$(XL_NAME)' --memory '$(XL_MEMORY)' --vcpus '$(XL_VCPUS)' --args "$$PROTEUS_ARGS"

# --------------------------------------------------------------- libvirt --
# LIBVIRT_TYPE: kvm, or qemu (TCG) where there is no KVM. LIBVIRT_NAME: the
# domain's name (default proteus-<app>); LIBVIRT_MEMORY: MiB. LIBVIRT_LOG:
# also write the serial console to this file. LIBVIRT_DEBUG_EXIT=1: add
# QEMU's isa-debug-exit device (scripts/mklibvirt.py says why it is off).
LIBVIRT_KVM ?= $(BUILD)/$(ARCH)/$(APP).kvm.xml
LIBVIRT_XEN ?= $(BUILD)/$(ARCH)/$(APP).xen.xml
LIBVIRT_TYPE ?= kvm
LIBVIRT_NAME ?=
LIBVIRT_MEMORY ?= 64
LIBVIRT_LOG ?=
LIBVIRT_DEBUG_EXIT ?=

libvirt: deps
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc) $(BUILD)/$(ARCH)/$(APP).deploy.elf
	$(Q)$(WITH_KERNEL_ARGS) python3 scripts/mklibvirt.py --arch '$(ARCH)' --image '$(BUILD)/$(ARCH)/$(APP).deploy.elf' \
	    --out-kvm '$(LIBVIRT_KVM)' --out-xen '$(LIBVIRT_XEN)' --type '$(LIBVIRT_TYPE)' \
	    --name '$(LIBVIRT_NAME)' --memory '$(LIBVIRT_MEMORY)' --args "$$PROTEUS_ARGS" \
	    $(if $(LIBVIRT_LOG),--log '$(LIBVIRT_LOG)') $(if $(LIBVIRT_DEBUG_EXIT),--debug-exit)
