# Proteus build. `make` builds every app for both architectures:
#   build/<arch>/<app>.elf      one kernel + one app (Multiboot 1 and PVH entries)
#   build/<arch>/<app>.pvh.elf  the same image without the Multiboot header, so
#                               that QEMU boots it through PVH (QEMU hw/i386/x86-common.c)
# `make run` and `make check` first install missing Debian packages
# (scripts/install-deps.sh). See README for the rest of the targets.

ARCHES := x86_64 i386
# An app is a folder under apps/ holding sources (see "per app" below).
APP_SRC_NAMES := -name '*.c' -o -name '*.cc' -o -name '*.cpp' -o -name '*.S'
APPS := $(or $(ONLY_APPS),$(sort $(shell find apps -mindepth 2 \( $(APP_SRC_NAMES) \) \
        | cut -d/ -f2)))
ARCH ?= x86_64
APP ?= hello
BUILD := build
Q := @

HOST_CC := gcc
HOST_CXX := g++
# App code sees newlib's headers as an *-elf compiler would: not Linux
# (scripts/build-newlib.sh explains).
UNDEF_HOST := -U__linux__ -U__linux -Ulinux -U__gnu_linux__ -U__unix__ -U__unix -Uunix
# newlib is built with dynamic reentrancy (scripts/build-newlib.sh): its
# headers must say the same to app code.
NEWLIB_DEFS := -D__DYNAMIC_REENT__
GCC_INCLUDE := $(shell $(HOST_CC) -print-file-name=include)

# Kernel sources: everything generic plus arch/x86 (shared) and arch/x86/<arch>.
KERNEL_C := $(wildcard kernel/*.c lib/*.c pv/*.c pv/*/*.c drivers/*/*.c arch/x86/*.c)
# The device classes an app may use or not: each class's core (the API
# apps call) and its drivers. They are an archive, not part of kernel.o:
# an image links a class only when its app calls the class's API, and the
# buses reach the drivers by weak reference, so an image without the
# class lists such devices and leaves them alone (docs/architecture.md,
# "Device classes"). The core's file must refer to each of its drivers,
# so that linking it links them.
DEVCLASS_C := kernel/netdev.c drivers/virtio/virtio_net.c drivers/xen/netfront.c \
        kernel/blockdev.c drivers/virtio/virtio_blk.c drivers/xen/blkfront.c
KERNEL_C := $(filter-out $(DEVCLASS_C),$(KERNEL_C))
# The kernel is built for size (-Os after BASE_CFLAGS' -O2): most of its
# code runs once, at boot, to set something up or to report an error, and
# hello's loaded bytes are a goal (issue 18). Code on a hot path keeps -O2
# (KOPT_SPEED): the device classes' data path and the virtqueue; thread
# switches, locks, timers and interrupt dispatch; each personality's
# platform operations that run all the time (interrupt flags, the clock,
# page-table writes, event and APIC delivery, grants); and the boot's
# busiest files, so that the boot stays within issue 18's instruction
# budget. `make bench`'s pvbench figures (native and Xen PV) are the same
# as with -O2 everywhere. The platform-op wrappers are __always_inline
# (include/proteus/pvops.h) so that each call stays its own patch site.
# Apps, lwIP and newlib keep -O2.
KOPT := -Os
KOPT_SPEED := $(DEVCLASS_C) drivers/virtio/virtqueue.c \
        kernel/sched.c kernel/sync.c kernel/timer.c arch/x86/thread.c arch/x86/irq.c arch/x86/traps.c \
        pv/native/irq.c pv/native/time.c pv/native/apic.c pv/native/mmu.c \
        drivers/apic/lapic.c drivers/apic/xapic.c drivers/apic/x2apic.c \
        pv/xen/irq.c pv/xen/time.c pv/xen/events.c pv/xen/mmu.c pv/xen/grant_table.c \
        pv/xen/grant_ref.c pv/kvm/kvmclock.c pv/kvm/apic.c pv/kvm/ipi.c kernel/api.c lib/pvclock.c \
        arch/x86/paging.c lib/format.c drivers/pci/pci.c kernel/cmdline.c drivers/acpi/acpi.c \
        drivers/serial/ns16550.c kernel/pmm.c kernel/page_alloc.c
# kernel/libc/ is newlib glue, built as app code (see below).
KERNEL_S := $(wildcard arch/x86/*.S arch/x86/boot/*.S)

WARN := -Wall -Wextra -Wno-unused-parameter -Wstrict-prototypes -Wmissing-prototypes \
        -Wshadow -Wpointer-arith -Wundef -Werror
# -fstack-clash-protection: a frame larger than a page is touched page by
# page as it is allocated (GCC probes every 4 KiB), so a stack that runs out
# always faults on the guard page below it, whatever the frame's size, and
# never lands silently in the neighbouring stack or the BSS
# (docs/security.md, "Stacks").
# -falign-*=1: GCC's -O2 pads each function, loop and jump target to 16
# bytes with NOPs that the CPU decodes or skips; in hello that was 15 KB
# of the x86_64 image (issue 18, `make size`), and the loop padding runs on
# every pass. Linux's x86_64 build packs jumps and loops the same way
# (arch/x86/Makefile). The cost: a hot loop or function may straddle a
# 16-byte fetch block on real hardware; under TCG none.
BASE_CFLAGS := -std=gnu11 -O2 -falign-functions=1 -falign-jumps=1 -falign-loops=1 -falign-labels=1 \
        -g -ffreestanding -fno-pic -fno-pie \
        -fno-stack-protector -fstack-clash-protection -fno-omit-frame-pointer -fno-strict-aliasing \
        -fcf-protection=none -fno-asynchronous-unwind-tables \
        -fno-tree-loop-distribute-patterns --param=min-pagesize=0 -ffunction-sections -fdata-sections -MMD -MP

.PHONY: all run check bench bench-deps fuzz deps clean distclean unit boot-tests size tour $(ARCHES)
all: $(ARCHES)

deps:
	$(Q)./scripts/install-deps.sh

# ----------------------------------------------------------------- per app --
# An app is the folder apps/NAME (docs/apps.md, "Building an app"): every
# .c, .cc, .cpp and .S file in it, subfolders included, and an optional
# apps/NAME/app.mk, read here, that may set
#   APP_WARN_NAME      its warning set, instead of APP_WARN (the project's
#                      own apps choose the kernel's, errors included)
#   APP_CFLAGS_NAME    more flags for its C, C++ and assembly sources
#   APP_CXXFLAGS_NAME  more flags for its C++ sources
#   APP_LIBS_NAME      more libraries (archive paths, or -L/-l), linked
#                      before newlib; $(1) in it is the arch, so an archive
#                      the app.mk builds per arch can be named
#   APP_SKIP_NAME      subfolders (of apps/NAME) whose sources are not the
#                      app's own, e.g. a vendored library that app.mk
#                      builds into one of APP_LIBS_NAME; $(ARCH)_ACFLAGS are
#                      the flags app code is built with
#   APP_PRINTF_NAME    "integer": the printf family is newlib's integer-only
#                      one (printf is iprintf, snprintf sniprintf, ...), for
#                      an app that prints no floating point: %f, %e, %g and
#                      %a are then not converted (docs/apps.md, "Size")
# An app is built only when asked for (make run APP=NAME builds that one
# image), so a broken app never stands in another's way.
APP_WARN := -Wall -Wextra -Wno-unused-parameter
-include $(wildcard apps/*/app.mk)
include mk/lwip.mk
# C++ without its standard library, which Debian builds for glibc only:
# no exceptions or RTTI (they need libsupc++'s unwinder), and the few
# runtime entry points the compiler calls come from kernel/libc/cxxrt.cc.
# newlib's C headers are C++-ready (extern "C" in _BEGIN_STD_C).
CXX_FLAGS := -std=gnu++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics \
        -fno-use-cxa-atexit -nostdinc++
# Warnings that exist for C only; g++ says so for each.
C_ONLY_WARN := -Wstrict-prototypes -Wmissing-prototypes

# The printf family and newlib's integer-only variant of each (newlib's
# stdio/iprintf.c and its neighbours): an app with APP_PRINTF_NAME :=
# integer links each name it calls to its variant, so that the
# floating-point formatter (vfprintf with dtoa, about 20 KiB) stays out of
# the image: ld's --wrap sends each call to a jump in the per-arch archive
# that scripts/mkprintf-integer.sh makes, one member a name.
PRINTF_INTEGER := printf=iprintf fprintf=fiprintf sprintf=siprintf snprintf=sniprintf \
        asprintf=asiprintf asnprintf=asniprintf dprintf=diprintf vprintf=viprintf \
        vfprintf=vfiprintf vsprintf=vsiprintf vsnprintf=vsniprintf vasprintf=vasiprintf \
        vasnprintf=vasniprintf vdprintf=vdiprintf
printf_links = $(if $(filter integer,$(APP_PRINTF_$(1))),$(foreach p,$(PRINTF_INTEGER),\
        --wrap=$(firstword $(subst =, ,$(p)))))
# The glue files that replace newlib's own functions: its lock hooks, abort,
# raise and signal, __getreent, mallinfo.
LIBC_REPLACES := locks malloc signals threads
printf_lib = $(if $(filter integer,$(APP_PRINTF_$(2))),$($(1)_DIR)/printf-integer.a)

# $(1) = arch, $(2) = app. One image: the kernel, the newlib glue, the app's
# objects, newlib and libgcc.
define APP_template
$(1)_$(2)_SRCS := $$(shell find apps/$(2) $$(foreach d,$$(APP_SKIP_$(2)),-path apps/$(2)/$$(d) -prune -o) \
        \( $(APP_SRC_NAMES) \) -print | sort)
$(1)_$(2)_XLIBS := $$(call APP_LIBS_$(2),$(1))
$(1)_$(2)_OBJS := $$(patsubst %,$$($(1)_DIR)/%.o,$$($(1)_$(2)_SRCS)) $$($(1)_DIR)/apps/$(2)/appname.o \
        $$(if $$(filter %.cc %.cpp,$$($(1)_$(2)_SRCS)),$$($(1)_DIR)/kernel/libc/cxxrt.o)
$(1)_$(2)_LD = ld -m $$($(1)_LDEMU) -nostdlib -z max-page-size=4096 -z noexecstack \
	    --no-warn-rwx-segments --gc-sections -T $$($(1)_DIR)/kernel.ld $$(call printf_links,$(2)) \
	    $$($(1)_DIR)/kernel.o $$($(1)_LIBC) $$($(1)_$(2)_OBJS)
$(1)_$(2)_LIBS = $$($(1)_$(2)_XLIBS) $$($(1)_LWIP) --start-group $$($(1)_DEVCLASS) $$($(1)_LIBC_AR) \
	    $$(call printf_lib,$(1),$(2)) $$($(1)_NEWLIB)/lib/libc.a $$($(1)_NEWLIB)/lib/libm.a $$($(1)_LIBGCC) --end-group
# Two links: the first gives function addresses for the symbol table
# (scripts/mksyms.py), the second adds the table after the code.
$$($(1)_DIR)/$(2).elf: $$($(1)_DIR)/kernel.o $$($(1)_DEVCLASS) $$($(1)_DIR)/kernel.ld $$($(1)_NEWLIB_DIR)/newlib/.built \
        $$($(1)_LIBC) $$($(1)_$(2)_OBJS) $$(filter-out -%,$$($(1)_$(2)_XLIBS)) $$($(1)_LWIP) \
        $$($(1)_LIBC_AR) $$(call printf_lib,$(1),$(2)) scripts/check-image.py scripts/mksyms.py scripts/pvprepatch.py
	@echo "  LINK    $(1)/$(2).elf"
	$(Q)$$($(1)_$(2)_LD) -o $$@.pass1 $$($(1)_$(2)_LIBS)
	$(Q)python3 scripts/mksyms.py gen $$@.pass1 $$($(1)_DIR)/apps/$(2)/ksyms.S
	$(Q)$(HOST_CC) $$($(1)_MFLAGS) -c $$($(1)_DIR)/apps/$(2)/ksyms.S -o $$($(1)_DIR)/apps/$(2)/ksyms.o
	$(Q)$$($(1)_$(2)_LD) -Map=$$@.map $$($(1)_DIR)/apps/$(2)/ksyms.o -o $$@ $$($(1)_$(2)_LIBS)
	$(Q)python3 scripts/mksyms.py verify $$@.pass1 $$@
	$(Q)rm -f $$@.pass1
	$(Q)python3 scripts/pvprepatch.py $$@
	$(Q)python3 scripts/check-image.py $$@
endef

# ---------------------------------------------------------------- per arch --
# $(1) = arch. Kernel objects are combined into one relocatable kernel.o whose
# string functions are renamed (lib/kernel.syms): the kernel's copies never
# touch SSE registers, so an interrupt cannot clobber the app's; the app keeps
# newlib's own.
define ARCH_template
$(1)_DIR := $(BUILD)/$(1)
include config/$(1).mk
-include config/local.mk
$(1)_CONFIG := $$(foreach v,$$(sort $$(filter CONFIG_%,$$(.VARIABLES))),-D$$(v)=$$($$(v)))
# The -D list, rewritten only when it changes (config/*.mk, config/local.mk,
# make CONFIG_X=...): every object built with it depends on this file, so
# a new configuration rebuilds them and an unchanged one rebuilds nothing.
$(1)_CONFIG_FILE := $$($(1)_DIR)/config.flags
ifneq ($$(file <$$($(1)_CONFIG_FILE)),$$($(1)_CONFIG))
$$(shell mkdir -p $$($(1)_DIR))
$$(file >$$($(1)_CONFIG_FILE),$$($(1)_CONFIG))
endif
# NEWLIB_FROM lets a variant build (make bench's no-layer image) reuse the
# newlib already built under build/.
$(1)_NEWLIB_DIR := $$(or $(NEWLIB_FROM),$(BUILD))/$(1)
$(1)_NEWLIB := $$($(1)_NEWLIB_DIR)/newlib/$$(if $$(filter x86_64,$(1)),x86_64-elf,i686-elf)
$(1)_MFLAGS := $$(if $$(filter x86_64,$(1)),-m64 -mno-red-zone,-m32 -march=i686)
$(1)_LDEMU := $$(if $$(filter x86_64,$(1)),elf_x86_64,elf_i386)
$(1)_INC := -nostdinc -isystem $(GCC_INCLUDE) -isystem $$($(1)_DIR)/hdr -Iinclude -Iarch/x86/include
$(1)_KCFLAGS := $(BASE_CFLAGS) $(WARN) $$($(1)_MFLAGS) -Wa,--noexecstack -mgeneral-regs-only $$($(1)_INC) $$($(1)_CONFIG) -D__KERNEL__
# include/newlib holds headers that stand in for newlib's (pthread.h and
# threads.h, which stop with the reason; docs/libc.md) or that it lacks
# (the sockets' headers, over lwIP's own: mk/lwip.mk): -I is searched
# before -isystem.
$(1)_AINC := -nostdinc -isystem $$($(1)_NEWLIB)/include \
        -isystem $(GCC_INCLUDE) -isystem $$($(1)_DIR)/hdr -Iinclude/newlib -Iinclude -Iarch/x86/include \
        $(LWIP_INC) $$($(1)_CONFIG) -D_POSIX_TIMERS=200112L -D_POSIX_MONOTONIC_CLOCK=200112L $(UNDEF_HOST) $(NEWLIB_DEFS)
$(1)_ACFLAGS := $(BASE_CFLAGS) $$($(1)_MFLAGS) $$($(1)_AINC)
$(1)_AXXFLAGS := $$(filter-out -std=gnu11,$(BASE_CFLAGS)) $(CXX_FLAGS) $$($(1)_MFLAGS) $$($(1)_AINC)
# libgcc: i386 needs its 64-bit division helpers. x86_64 links none on
# purpose: Debian's libgcc is built with the red zone, which an interrupt
# taken at ring 0 (where apps run) would overwrite; a future need for it
# shows up as a link error to decide on, not as silent corruption.
$(1)_LIBGCC := $$(if $$(filter i386,$(1)),$$(shell $(HOST_CC) -m32 -print-libgcc-file-name))

$$(patsubst %,$$($(1)_DIR)/obj/%.o,$(KOPT_SPEED)): KOPT := -O2

$(1)_KOBJS := $$(patsubst %,$$($(1)_DIR)/obj/%.o,$(KERNEL_C) $(KERNEL_S) \
        $$(wildcard arch/x86/$(1)/*.c arch/x86/$(1)/*.S pv/*/$(1)/*.c pv/*/$(1)/*.S))

$(1): $$(foreach a,$(APPS),$$($(1)_DIR)/$$(a).elf $$($(1)_DIR)/$$(a).pvh.elf $$($(1)_DIR)/$$(a).deploy.elf) \
        $$($(1)_DIR)/empty.elf $$($(1)_DIR)/empty.pvh.elf

# APP_PRINTF_<app> := integer: see PRINTF_INTEGER above.
$$($(1)_DIR)/printf-integer.a: scripts/mkprintf-integer.sh Makefile
	$(Q)mkdir -p $$(dir $$@)
	$(Q)./scripts/mkprintf-integer.sh $$@ $(HOST_CC) $$($(1)_MFLAGS) -- $(PRINTF_INTEGER)

# The empty kernel `make bench` compares hello against.
$$($(1)_DIR)/empty.elf: tests/bench/empty.S
	$(Q)mkdir -p $$(dir $$@)
	$(Q)$(HOST_CC) -m32 -c $$< -o $$@.o
	$(Q)ld -m elf_i386 -z noexecstack -Ttext 0x100000 -e start -o $$@ $$@.o
	$(Q)rm -f $$@.o

$$($(1)_DIR)/hdr/xen:
	$(Q)mkdir -p $$(dir $$@)
	$(Q)test -d /usr/include/xen/arch-x86 || { echo "Xen headers missing: run scripts/install-deps.sh" >&2; exit 1; }
	$(Q)ln -sfn /usr/include/xen $$@

$$($(1)_NEWLIB_DIR)/newlib/.built: scripts/build-newlib.sh
	$(Q)mkdir -p $$($(1)_NEWLIB_DIR)
	$(Q)./scripts/build-newlib.sh $(1) $$($(1)_NEWLIB_DIR)

$$($(1)_DIR)/obj/%.c.o: %.c $$($(1)_CONFIG_FILE) | $$($(1)_DIR)/hdr/xen
	$(Q)mkdir -p $$(dir $$@)
	@echo "  CC      $(1)/$$<"
	$(Q)$(HOST_CC) $$($(1)_KCFLAGS) $$(KOPT) -c $$< -o $$@

$$($(1)_DIR)/obj/%.S.o: %.S $$($(1)_CONFIG_FILE) | $$($(1)_DIR)/hdr/xen
	$(Q)mkdir -p $$(dir $$@)
	@echo "  AS      $(1)/$$<"
	$(Q)$(HOST_CC) $$($(1)_KCFLAGS) -D__ASSEMBLER__ -c $$< -o $$@

$$($(1)_DIR)/kernel.ld: arch/x86/kernel.ld
	$(Q)mkdir -p $$(dir $$@)
	$(Q)$(HOST_CC) $$($(1)_MFLAGS) -Ui386 -E -P -x c $$< -o $$@

$$($(1)_DIR)/kernel.o: $$($(1)_KOBJS) lib/kernel.syms
	@echo "  LD      $(1)/kernel.o"
	$(Q)ld -m $$($(1)_LDEMU) -r -Map=$$@.map -o $$@.tmp $$($(1)_KOBJS)
	$(Q)objcopy --redefine-syms=lib/kernel.syms $$@.tmp $$@
	$(Q)rm -f $$@.tmp

# The device classes (DEVCLASS_C above), their string functions renamed as
# kernel.o's; the members keep their source's path in their name
# (drivers__xen__netfront.c.o), which make size reads.
$(1)_DEVCLASS := $$($(1)_DIR)/devclass.a
$$($(1)_DEVCLASS): $$(patsubst %,$$($(1)_DIR)/obj/%.o,$(DEVCLASS_C)) lib/kernel.syms
	@echo "  AR      $(1)/devclass.a"
	$(Q)rm -rf $$@ $$@.d && mkdir -p $$@.d
	$(Q)for o in $$(filter %.o,$$^); do \
	    objcopy --redefine-syms=lib/kernel.syms $$$$o $$@.d/$$$$(echo $$$${o#$$($(1)_DIR)/obj/} | sed 's|/|__|g'); \
	done
	$(Q)ar rcs $$@ $$@.d/*.o
	$(Q)rm -rf $$@.d

# newlib's syscall glue: kernel code by role, app code by build (newlib's
# headers and errno). The files that replace functions newlib has too
# (LIBC_REPLACES) are linked whole into every image beside kernel.o; the
# rest form an archive searched before newlib, so that an image carries
# what it calls (scripts/mkglue.sh, which also checks the split).
$(1)_LIBC_ALL := $$(patsubst %.c,$$($(1)_DIR)/%.o,$$(wildcard kernel/libc/*.c))
$(1)_LIBC := $$(patsubst %,$$($(1)_DIR)/kernel/libc/%.o,$(LIBC_REPLACES))
$(1)_LIBC_AR := $$($(1)_DIR)/libc-glue.a
$$($(1)_LIBC_AR): $$(filter-out $$($(1)_LIBC),$$($(1)_LIBC_ALL)) scripts/mkglue.sh
	$(Q)./scripts/mkglue.sh $$@ $$($(1)_NEWLIB)/lib/libc.a $$(filter %.o,$$^)
$$($(1)_DIR)/kernel/libc/%.o: kernel/libc/%.c $$($(1)_NEWLIB_DIR)/newlib/.built $(LWIP_FETCHED) $$($(1)_CONFIG_FILE)
	$(Q)mkdir -p $$(dir $$@)
	@echo "  CC      $(1)/$$<"
	$(Q)$(HOST_CC) $$($(1)_ACFLAGS) $(WARN) -c $$< -o $$@

# The C++ runtime entry points, linked only into apps with C++ sources.
$$($(1)_DIR)/kernel/libc/cxxrt.o: kernel/libc/cxxrt.cc $$($(1)_NEWLIB_DIR)/newlib/.built $(LWIP_FETCHED) $$($(1)_CONFIG_FILE)
	$(Q)mkdir -p $$(dir $$@)
	@echo "  CXX     $(1)/$$<"
	$(Q)$(HOST_CXX) $$($(1)_AXXFLAGS) $$(filter-out $(C_ONLY_WARN),$(WARN)) -c $$< -o $$@

# argv[0]: the app's name, one small generated object per app.
$$($(1)_DIR)/apps/%/appname.o:
	$(Q)mkdir -p $$(dir $$@)
	$(Q)echo 'const char proteus_app_name[] = "$$*";' | $(HOST_CC) $$($(1)_MFLAGS) -x c -c - -o $$@

# App objects are named after their source (apps/x/a.c -> build/<arch>/apps/x/a.c.o),
# so that a.c and a.cc in one folder cannot collide. $$(APP) below is the app
# the object belongs to: apps/<app>/...
$(1)_APP_OF = $$(firstword $$(subst /, ,$$*))
$(1)_APP_FLAGS = $$(or $$(APP_WARN_$$($(1)_APP_OF)),$(APP_WARN)) $$(APP_CFLAGS_$$($(1)_APP_OF))
$$($(1)_DIR)/apps/%.c.o: apps/%.c $$($(1)_NEWLIB_DIR)/newlib/.built $(LWIP_FETCHED) $$($(1)_CONFIG_FILE) | $$($(1)_DIR)/hdr/xen
	$(Q)mkdir -p $$(dir $$@)
	@echo "  CC      $(1)/$$<"
	$(Q)$(HOST_CC) $$($(1)_ACFLAGS) $$($(1)_APP_FLAGS) -c $$< -o $$@

$$($(1)_DIR)/apps/%.S.o: apps/%.S $$($(1)_CONFIG_FILE) | $$($(1)_DIR)/hdr/xen
	$(Q)mkdir -p $$(dir $$@)
	@echo "  AS      $(1)/$$<"
	$(Q)$(HOST_CC) $$($(1)_ACFLAGS) $$($(1)_APP_FLAGS) -D__ASSEMBLER__ -c $$< -o $$@

$$($(1)_DIR)/apps/%.cc.o: apps/%.cc $$($(1)_NEWLIB_DIR)/newlib/.built $(LWIP_FETCHED) $$($(1)_CONFIG_FILE) | $$($(1)_DIR)/hdr/xen
	$(Q)mkdir -p $$(dir $$@)
	@echo "  CXX     $(1)/$$<"
	$(Q)$(HOST_CXX) $$($(1)_AXXFLAGS) $$(filter-out $(C_ONLY_WARN),$$($(1)_APP_FLAGS)) \
	    $$(APP_CXXFLAGS_$$($(1)_APP_OF)) -c $$< -o $$@

$$($(1)_DIR)/apps/%.cpp.o: apps/%.cpp $$($(1)_NEWLIB_DIR)/newlib/.built $(LWIP_FETCHED) $$($(1)_CONFIG_FILE) | $$($(1)_DIR)/hdr/xen
	$(Q)mkdir -p $$(dir $$@)
	@echo "  CXX     $(1)/$$<"
	$(Q)$(HOST_CXX) $$($(1)_AXXFLAGS) $$(filter-out $(C_ONLY_WARN),$$($(1)_APP_FLAGS)) \
	    $$(APP_CXXFLAGS_$$($(1)_APP_OF)) -c $$< -o $$@

$$(eval $$(call LWIP_template,$(1)))
$$(foreach a,$(APPS),$$(eval $$(call APP_template,$(1),$$(a))))

$$($(1)_DIR)/%.pvh.elf: $$($(1)_DIR)/%.elf
	$(Q)python3 scripts/mkpvh.py $$< $$@

# For shipping (make iso, xl, libvirt): the image without the ELF symbol
# table and debug information, which are most of the file, and those kept
# in <app>.debug, which the image names in its .gnu_debuglink for gdb and
# addr2line. The kernel's own symbol table (.ksyms, scripts/mksyms.py) is
# loaded data, so a fault's backtrace still names functions.
$$($(1)_DIR)/%.debug: $$($(1)_DIR)/%.elf
	$(Q)objcopy --only-keep-debug $$< $$@
$$($(1)_DIR)/%.deploy.elf: $$($(1)_DIR)/%.elf $$($(1)_DIR)/%.debug
	@echo "  STRIP   $(1)/$$*.deploy.elf"
	$(Q)cd $$($(1)_DIR) && objcopy --strip-all --add-gnu-debuglink=$$*.debug $$*.elf $$*.deploy.elf
	$(Q)python3 scripts/check-image.py $$@
	$(Q)! readelf -SW $$@ | grep -q '\.symtab\|\.debug_' || { echo "$$@: symbols left in" >&2; rm -f $$@; exit 1; }
	$(Q)readelf -SW $$($(1)_DIR)/$$*.debug | grep -q '\.symtab' || { echo "$$@: no symbols in $$*.debug" >&2; rm -f $$@; exit 1; }

# every object's header dependencies (-MMD), lwIP's port and lwIP too: a
# kernel header the port includes (a platform-op call site) must rebuild it
-include $$(shell find $$($(1)_DIR)/obj $$($(1)_DIR)/apps $$($(1)_DIR)/kernel $$($(1)_DIR)/net \
        $$($(1)_DIR)/lwip -name '*.d' 2>/dev/null)
endef

$(foreach a,$(ARCHES),$(eval $(call ARCH_template,$(a))))

.SECONDARY:

# ------------------------------------------------------------------ running --
# make run [APP=hello] [ARCH=x86_64] [PLATFORM=native|vmi|xen] [ARGS='opts -- args']
# builds that one image (and what the platform needs) and boots it through
# scripts/run.py, which reads ARGS from the environment (make exports a
# variable set on its command line) with its shell quoting intact, sends
# Ctrl-D when piped input ends, and exits with the guest's status (make
# itself then says only 0 or 2; docs/apps.md, "Running").
PLATFORM ?= native
RUN_NEEDS_vmi = $(BUILD)/$(ARCH)/vmi-native.rom
RUN_NEEDS_xen = $(if $(filter i386,$(ARCH)),xen-pv32,$(BUILD)/xen/xen-4.17.elf)
run: deps
	$(Q)test -d apps/$(APP) || { echo "make run: no app '$(APP)' (apps/: $(APPS))" >&2; exit 2; }
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc) $(BUILD)/$(ARCH)/$(APP).elf $(RUN_NEEDS_$(PLATFORM))
	@echo "  QEMU    build/$(ARCH)/$(APP).elf on $(PLATFORM) (Ctrl-A X quits)"
	$(Q)ARGS='$(subst ','\'',$(ARGS))' python3 scripts/run.py --arch $(ARCH) --platform $(PLATFORM) \
	    $(if $(RUN_FORWARD_$(APP)),--forward $(RUN_FORWARD_$(APP))) $(BUILD)/$(ARCH)/$(APP).elf

# What each image carries, by component (scripts/size.py, from the link
# maps written beside the images): APP=name for one app, else every app.
# The guided tour (docs/tour.md, not kept in git): the /*T:NNN comments in
# the code in tag order, inside the chapters of docs/tour/; the line of
# every `path:LINE name` in docs/ is brought to where name is defined now
# (scripts/tour.py; make check's docs suite fails until it is).
tour:
	$(Q)python3 scripts/tour.py build

size: deps
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc) all
	$(Q)python3 scripts/size.py $(foreach a,$(ARCHES),$(if $(filter command line,$(origin APP)),\
	    $(BUILD)/$(a)/$(APP).elf,$(foreach p,$(APPS),$(BUILD)/$(a)/$(p).elf)))

# Where the boot's guest instructions go, by function, up to the app's
# main (scripts/profile-boot.py: QEMU TCG with -icount shift=0 logging every
# block it runs). APP, ARCH; PROFILE_MEM (default 64) is QEMU's -m,
# PROFILE_APPEND (default quiet) the kernel command line, e.g.
# PROFILE_APPEND="quiet tsc_khz=1000000 apic_clock_khz=1000000" for the boot with the
# rates given.
PROFILE_MEM ?= 64
PROFILE_APPEND ?= quiet
.PHONY: profile-boot
profile-boot: deps
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc) $(BUILD)/$(ARCH)/$(APP).elf
	$(Q)python3 scripts/profile-boot.py --arch '$(ARCH)' --mem '$(PROFILE_MEM)' \
	    --append '$(PROFILE_APPEND)' $(BUILD)/$(ARCH)/$(APP).elf

.PHONY: xen-pv32
xen-pv32:
	$(Q)./scripts/build-xen-pv32.sh $(BUILD)/xen

check: deps
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc) all $(BUILD)/xen/xen-4.17.elf
	$(Q)./scripts/fetch-qemu-backport.sh $(BUILD)/qemu-backport
	$(Q)./scripts/build-xen-pv32.sh $(BUILD)/xen
	$(Q)./tests/run-all.sh

# The Xen the Xen PV boot tests run under: Debian's, unpacked (QEMU's
# -kernel loads the ELF through multiboot).
$(BUILD)/xen/xen-4.17.elf: /boot/xen-4.17-amd64.gz
	$(Q)mkdir -p $(dir $@)
	$(Q)zcat $< > $@.tmp && mv $@.tmp $@

# libFuzzer harnesses (tests/fuzz/run.sh, docs/testing.md): FUZZ_SECONDS per
# harness (default 60), one after another; FUZZ=name runs one. `make check`
# only replays their seeds and reproducers.
fuzz: deps
	$(Q)FUZZ="$(FUZZ)" FUZZ_SECONDS="$(FUZZ_SECONDS)" ./tests/fuzz/run.sh fuzz

# One monitor image with `pvstats -- ops` on native TCG, Xen PV dom0, the
# VMI shim and KVM (nested where this machine's cannot), the four `ops`
# tables merged side by side (scripts/compare.py, which boots through the
# boot runner). Not in make check: the nested KVM host is slow.
# COMPARE_ARCH (default x86_64), COMPARE_OPS: only ops whose name has it.
COMPARE_ARCH ?= x86_64
.PHONY: compare
compare: deps
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc) $(BUILD)/$(COMPARE_ARCH)/monitor.elf \
	    $(BUILD)/$(COMPARE_ARCH)/vmi-native.rom
	$(Q)python3 scripts/compare.py --arch $(COMPARE_ARCH) $(if $(COMPARE_OPS),--filter '$(COMPARE_OPS)')

# make bench also installs the packages only the benchmarks use (wrk).
bench-deps:
	$(Q)./scripts/install-deps.sh bench

bench: bench-deps
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc) all $(BUILD)/xen/xen-4.17.elf
	$(Q)./scripts/build-xen-pv32.sh $(BUILD)/xen
	@echo "  BUILD   the no-layer variant (CONFIG_PVOPS=0) of pvbench"
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc) BUILD=build/nolayer NEWLIB_FROM=build \
	    CONFIG_PVOPS=0 ONLY_APPS=pvbench $(ARCHES)
	$(Q)./tests/bench/run.sh

clean:
	rm -rf $(foreach a,$(ARCHES),$(BUILD)/$(a)/obj $(BUILD)/$(a)/apps $(BUILD)/$(a)/*.elf \
	    $(BUILD)/$(a)/*.o $(BUILD)/$(a)/*.ld) $(BUILD)/host

distclean:
	rm -rf $(BUILD)

# ------------------------------------------------------------ VMI shim ROMs --
# build/<arch>/vmi-native.rom: the vmi-native shim (pv/vmi/shim/README.md), a
# binary of its own that includes only pv/vmi/abi.h and links nothing of the
# kernel. It runs wherever the kernel copies it, so it is linked at 0 and
# compiled -fpie with hidden symbols, and scripts/check-shim.py refuses any
# absolute relocation outside its header and call table. scripts/mkrom.py
# packs it into an option ROM (length, checksum, every header field checked)
# and makes the damaged ROMs for the kernel's refusal tests
# (vmi-bad-<reason>.rom; `mkrom.py --check` must refuse each for its reason),
# a variant without inline directives for make bench, one without the guest
# clock feature and one that speaks ABI 1.1.
SHIM_SRC := $(wildcard pv/vmi/shim/*.c pv/vmi/shim/*.S)
SHIM_BAD := checksum truncated major missing
SHIM_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) -Iinclude \
        -fpie -fvisibility=hidden -mgeneral-regs-only -fno-stack-protector \
        -fno-asynchronous-unwind-tables -fcf-protection=none -fno-strict-aliasing \
        -fno-tree-loop-distribute-patterns --param=min-pagesize=0 -Wa,--noexecstack -MMD -MP
SHIM_FLAGS_x86_64 := -m64 -mno-red-zone
SHIM_FLAGS_i386 := -m32 -march=i686 -mregparm=3
SHIM_ROMS := $(foreach a,$(ARCHES),$(BUILD)/$(a)/vmi-native.rom $(BUILD)/$(a)/vmi-native-calls.rom \
        $(BUILD)/$(a)/vmi-native-noclock.rom $(BUILD)/$(a)/vmi-native-1.1.rom \
        $(patsubst %,$(BUILD)/$(a)/vmi-bad-%.rom,$(SHIM_BAD)))

.PHONY: roms clean-roms
all: roms
roms: $(SHIM_ROMS)
clean: clean-roms
clean-roms:
	rm -rf $(foreach a,$(ARCHES),$(BUILD)/$(a)/shim $(BUILD)/$(a)/vmi-*.rom)

# $(1) = arch
define SHIM_template
$(1)_SHIM_OBJS := $$(patsubst pv/vmi/shim/%,$(BUILD)/$(1)/shim/%.o,$(SHIM_SRC))

$(BUILD)/$(1)/shim/%.o: pv/vmi/shim/% Makefile
	$(Q)mkdir -p $$(dir $$@)
	@echo "  CC      $(1)/$$<"
	$(Q)$(HOST_CC) $(SHIM_CFLAGS) $(SHIM_FLAGS_$(1)) -c $$< -o $$@

# -q keeps the relocations in the output for the check.
$(BUILD)/$(1)/shim/vmi-native.elf: $$($(1)_SHIM_OBJS) pv/vmi/shim/shim.ld scripts/check-shim.py
	@echo "  LD      $(1)/shim/vmi-native.elf"
	$(Q)ld -m $$($(1)_LDEMU) -nostdlib -static -q --build-id=none -z noexecstack \
	    --no-warn-rwx-segments -T pv/vmi/shim/shim.ld -o $$@.tmp $$($(1)_SHIM_OBJS)
	$(Q)python3 scripts/check-shim.py $$@.tmp
	$(Q)mv $$@.tmp $$@

$(BUILD)/$(1)/vmi-native.rom: $(BUILD)/$(1)/shim/vmi-native.elf scripts/mkrom.py pv/vmi/abi.h
	@echo "  ROM     $(1)/vmi-native.rom"
	$(Q)objcopy -O binary $$< $(BUILD)/$(1)/shim/vmi-native.bin
	$(Q)python3 scripts/mkrom.py --arch $(1) -o $$@.tmp $(BUILD)/$(1)/shim/vmi-native.bin
	$(Q)python3 scripts/mkrom.py --check $$@.tmp --arch $(1) --quiet
	$(Q)mv $$@.tmp $$@

# The same shim asking for calls where it asks for inline bytes: make bench
# compares the two.
$(BUILD)/$(1)/vmi-native-calls.rom: $(BUILD)/$(1)/vmi-native.rom scripts/mkrom.py
	@echo "  ROM     $(1)/vmi-native-calls.rom"
	$(Q)python3 scripts/mkrom.py --no-inline -o $$@.tmp $$<
	$(Q)python3 scripts/mkrom.py --check $$@.tmp --arch $(1) --quiet
	$(Q)mv $$@.tmp $$@

# The same shim without VMI_FEATURE_GUEST_CLOCK: under KVM the kernel must
# then keep the shim's clock whole (docs/mixing.md).
$(BUILD)/$(1)/vmi-native-noclock.rom: $(BUILD)/$(1)/vmi-native.rom scripts/mkrom.py
	@echo "  ROM     $(1)/vmi-native-noclock.rom"
	$(Q)python3 scripts/mkrom.py --no-guest-clock -o $$@.tmp $$<
	$(Q)python3 scripts/mkrom.py --check $$@.tmp --arch $(1) --quiet
	$(Q)mv $$@.tmp $$@

# The same shim saying it speaks ABI 1.1, without 1.2's VCPU_START_AP: the
# kernel must run on it, on one vCPU, and say so once.
$(BUILD)/$(1)/vmi-native-1.1.rom: $(BUILD)/$(1)/vmi-native.rom scripts/mkrom.py
	@echo "  ROM     $(1)/vmi-native-1.1.rom"
	$(Q)python3 scripts/mkrom.py --old-abi 1.1 -o $$@.tmp $$<
	$(Q)python3 scripts/mkrom.py --check $$@.tmp --arch $(1) --quiet
	$(Q)mv $$@.tmp $$@

$(BUILD)/$(1)/vmi-bad-%.rom: $(BUILD)/$(1)/vmi-native.rom scripts/mkrom.py
	@echo "  ROM     $(1)/vmi-bad-$$*.rom"
	$(Q)python3 scripts/mkrom.py --damage $$* -o $$@.tmp $$<
	$(Q)python3 scripts/mkrom.py --check $$@.tmp --arch $(1) --expect $$* --quiet
	$(Q)mv $$@.tmp $$@
endef

$(foreach a,$(ARCHES),$(eval $(call SHIM_template,$(a))))
-include $(wildcard $(BUILD)/*/shim/*.d)

# ------------------------------------------------------ hostile test loader --
# build/loader/hostile-loader.elf: a 32-bit Multiboot 1 kernel of its own
# that boots a Proteus image (its first module) with crafted boot
# information, for the boot rows with `loader =` (tests/boot/loader/README).
# Of the kernel it links only lib/string.c (plain byte loops); check-image.py
# holds it to the images' Multiboot rules and ELF class 32, without the PVH
# note.
LOADER_DIR := $(BUILD)/loader
LOADER_OBJS := $(patsubst tests/boot/loader/%,$(LOADER_DIR)/%.o,\
        $(wildcard tests/boot/loader/*.c tests/boot/loader/*.S)) $(LOADER_DIR)/lib/string.c.o
LOADER_CFLAGS := -std=gnu11 -O2 -g $(WARN) -m32 -march=i686 -ffreestanding -fno-pic -fno-pie \
        -nostdlib -nostdinc -isystem $(GCC_INCLUDE) -mgeneral-regs-only -fno-stack-protector \
        -fno-asynchronous-unwind-tables -fcf-protection=none -fno-strict-aliasing \
        -fno-tree-loop-distribute-patterns --param=min-pagesize=0 -Wa,--noexecstack -MMD -MP

.PHONY: loader clean-loader
all: loader
loader: $(LOADER_DIR)/hostile-loader.elf
clean: clean-loader
clean-loader:
	rm -rf $(LOADER_DIR)

$(LOADER_DIR)/%.o: tests/boot/loader/% Makefile
	$(Q)mkdir -p $(dir $@)
	@echo "  CC      loader/$*"
	$(Q)$(HOST_CC) $(LOADER_CFLAGS) -c $< -o $@

$(LOADER_DIR)/lib/string.c.o: lib/string.c Makefile
	$(Q)mkdir -p $(dir $@)
	@echo "  CC      loader/$<"
	$(Q)$(HOST_CC) $(LOADER_CFLAGS) -Iinclude -c $< -o $@

$(LOADER_DIR)/hostile-loader.elf: $(LOADER_OBJS) tests/boot/loader/loader.ld scripts/check-image.py
	@echo "  LD      loader/hostile-loader.elf"
	$(Q)ld -m elf_i386 -nostdlib -static -z max-page-size=4096 -z noexecstack \
	    --no-warn-rwx-segments -T tests/boot/loader/loader.ld -o $@.tmp $(LOADER_OBJS)
	$(Q)python3 scripts/check-image.py --no-pvh $@.tmp
	$(Q)mv $@.tmp $@
-include $(wildcard $(LOADER_DIR)/*.d)
# ARGS for the targets that boot an image or bake a command line into one
# (debug, iso, xl, libvirt; run's scripts/run.py does the same itself):
# split with the shell's quoting rules and re-quoted for the kernel's parser
# (scripts/run.py --print-cmdline), so ARGS means the same to each. A recipe
# line starts with $(WITH_KERNEL_ARGS) and finds the line in $PROTEUS_ARGS;
# ARGS that the kernel cannot be given ends the recipe with the reason.
WITH_KERNEL_ARGS = PROTEUS_ARGS="$$(ARGS='$(subst ','\'',$(ARGS))' python3 scripts/run.py \
        --print-cmdline)" || exit 2; export PROTEUS_ARGS;
include mk/debug.mk mk/deploy.mk
