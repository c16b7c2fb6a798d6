/*
 * What the boot loader told the kernel, copied out of the loader's
 * structures at once (they live in memory the allocator will reuse) and
 * checked on the way: the command line, the memory map and the ACPI RSDP.
 */
#ifndef PROTEUS_BOOTINFO_H
#define PROTEUS_BOOTINFO_H

#include <proteus/cmdline.h>
#include <proteus/memmap.h>

/* bootinfo_parse sets every field (kernel/bootinfo.c): one added here
 * must be set there too. */
struct boot_info {
    unsigned entry;            /* BOOT_ENTRY_* (arch/boot.h) */
    const char *protocol;      /* "multiboot", "pvh" */
    char cmdline[CMDLINE_MAX];
    bool cmdline_truncated;
    bool cmdline_names_image;  /* its first word is the image's path, not an option */
    struct memmap mem;
    paddr_t rsdp;              /* 0: search for it */
    paddr_t ebda;              /* BIOS extended data area, read from page 0 */
};

/* The physical range [lo, hi) the loader's structures must lie in to be
 * read, what to add to a physical address there to read it
 * (kernel/bootinfo.c says why), and what to call, where it is not NULL,
 * to make a range there readable before it is read; tests move it to
 * their own buffers. */
struct boot_window {
    u64 lo, hi;
    u64 offset;
    void (*reach)(u64 pa, u64 len);
};
extern struct boot_window boot_readable;

/* Fill `bi` from the loader's data; returns 0 or a negative errno after
 * printing what was wrong. `magic` is Multiboot's EAX; for PVH the magic
 * is the start info's first word, read here. */
int bootinfo_parse(struct boot_info *bi, u32 entry, u32 magic, u32 info);

/* What this boot was given, after checks and limits (kernel/main.c). */
const struct memmap *boot_memmap(void);
const char *boot_protocol(void);

#endif
