/*
 * Stack backtraces by frame pointer (the kernel and apps are built with
 * -fno-omit-frame-pointer): each frame starts with the caller's frame
 * pointer and, above it, the return address. Every frame is checked to be
 * mapped before it is read, so a corrupt chain ends the walk, not the report.
 * Each address is named from the image's symbol table (kernel/ksyms.c);
 * for file and line: addr2line -f -e build/<arch>/<app>.elf ADDR
 */
#include <proteus/panic.h>
#include <proteus/ksyms.h>
#include <proteus/printk.h>
#include <proteus/vm.h>

#define BACKTRACE_MAX 24

void backtrace_print(unsigned long fp)
{
    for (int depth = 1; depth <= BACKTRACE_MAX; depth++) {
        if (fp == 0 || fp % sizeof(long) || !vm_probe(fp) || !vm_probe(fp + 2 * sizeof(long) - 1))
            return;
        const unsigned long *frame = (const unsigned long *)fp;
        unsigned long ret = frame[1];
        if (ret == 0)
            return;
        /* Named by the call's last byte, ret - 1: a call to a function
         * that does not return (abort, panic) may be the caller's last
         * instruction, and functions are packed with no padding between
         * them (Makefile, -falign-functions=1), so ret itself is then the
         * next function's first byte. The offset printed is ret's. */
        unsigned long off;
        char buf[KSYM_NAME_MAX];
        const char *name = ksym_lookup(ret - 1, &off, buf, sizeof(buf));
        if (name)
            printk("  #%d 0x%lx %s+0x%lx\n", depth, ret, name, off + 1);
        else
            printk("  #%d 0x%lx\n", depth, ret);
        if (frame[0] <= fp)   /* stacks grow down: callers' frames are higher */
            return;
        fp = frame[0];
    }
    printk("  ... (stopped after %d frames)\n", BACKTRACE_MAX);
}
