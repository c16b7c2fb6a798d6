/*
 * The hostile test loader (tests/boot/loader/README): a Multiboot 1 kernel
 * of its own that loads a Proteus image from its first module and enters it
 * with boot information crafted per scenario. This header holds what its
 * files share: the boot-protocol layouts it reads and writes, the loaded
 * image, and the console and failure helpers.
 */
#ifndef LOADER_H
#define LOADER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define __packed __attribute__((packed))
#define __noreturn __attribute__((noreturn))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The status a loader failure writes to isa-debug-exit: no kernel result
 * uses it, so a refusal here is never mistaken for one (QEMU exits 155). */
#define LOADER_FAIL_STATUS 77

/* ------------------------------------------------------------ Multiboot 1 --
 * Multiboot Specification 0.6.96, 3.1.1 (header), 3.2 (machine state) and
 * 3.3 (boot information). */
#define MB1_HEADER_MAGIC 0x1badb002     /* 3.1.2: in the image's first 8 KiB */
#define MB1_HEADER_SEARCH 8192
#define MB1_BOOT_MAGIC 0x2badb002       /* 3.2: EAX at the kernel's entry */

/* 3.1.1 header; the address fields are valid with flag bit 16 (3.1.3). */
struct mb1_header {
    u32 magic, flags, checksum;
    u32 header_addr;      /* where this header lands */
    u32 load_addr;        /* start of the text: file offset of header - (header_addr - load_addr) */
    u32 load_end_addr;    /* end of the data to load; 0: the rest of the file */
    u32 bss_end_addr;     /* end of the BSS to zero; 0: no BSS */
    u32 entry_addr;
} __packed;
#define MB1_HF_PAGE_ALIGN (1u << 0)     /* modules page-aligned */
#define MB1_HF_MEMINFO (1u << 1)        /* mem_* and mmap_* wanted */
#define MB1_HF_ADDRESSES (1u << 16)     /* the a.out kludge fields above */

/* 3.3 boot information, up to the fields this loader gives or reads. */
struct mb1_info {
    u32 flags;
    u32 mem_lower, mem_upper;     /* bit 0: KiB below 1 MiB / above 1 MiB */
    u32 boot_device;              /* bit 1 */
    u32 cmdline;                  /* bit 2: physical address of a C string */
    u32 mods_count, mods_addr;    /* bit 3 */
    u32 syms[4];                  /* bit 4 or 5 */
    u32 mmap_length, mmap_addr;   /* bit 6: bytes, physical address */
    u32 drives_length, drives_addr;   /* bit 7 */
    u32 config_table;             /* bit 8 */
    u32 boot_loader_name;         /* bit 9 */
} __packed;
#define MB1_INFO_MEM (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER_NAME (1u << 9)

/* 3.3 module list entry. */
struct mb1_module {
    u32 mod_start, mod_end;
    u32 string;                   /* the module's command line */
    u32 reserved;
} __packed;

/* 3.3 memory map entry: `size` counts the bytes after itself (20 here). */
struct mb1_mmap_entry {
    u32 size;
    u64 base_addr, length;
    u32 type;                     /* 1: available RAM */
} __packed;
#define MB1_MMAP_ENTRY_SIZE 20

/* ------------------------------------------------------------------- PVH --
 * Xen public header arch-x86/hvm/start_info.h: hvm_start_info, handed over
 * in EBX; its memory map entries use E820 types (1: RAM). */
#define PVH_START_MAGIC 0x336ec578
struct pvh_start_info {
    u32 magic;
    u32 version;                  /* 1: memmap_* present */
    u32 flags;
    u32 nr_modules;
    u64 modlist_paddr;
    u64 cmdline_paddr;
    u64 rsdp_paddr;
    u64 memmap_paddr;
    u32 memmap_entries;
    u32 reserved;
} __packed;
_Static_assert(sizeof(struct pvh_start_info) == 56, "hvm_start_info is 56 bytes");

struct pvh_memmap_entry {
    u64 addr, size;
    u32 type, reserved;
} __packed;
_Static_assert(sizeof(struct pvh_memmap_entry) == 24, "hvm_memmap_table_entry is 24 bytes");

/* The Xen ELF note giving the PVH entry, a 32-bit physical address (Xen
 * public header elfnote.h, XEN_ELFNOTE_PHYS32_ENTRY). */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* ----------------------------------------------------------------- state --
 * The real memory map, as QEMU's Multiboot loader gave it. */
#define MAP_MAX 64
struct real_map {
    u32 flags;                    /* QEMU's info flags */
    u32 mem_lower, mem_upper;     /* valid with MB1_INFO_MEM */
    unsigned n;
    struct { u64 base, len; u32 type; } e[MAP_MAX];
};

/* The Proteus image: where its ELF file lies (the module) and what
 * loading it produced. */
struct image {
    const u8 *file;
    u32 size;
    bool is64;                    /* ELFCLASS64 */
    u32 load_addr, load_end, bss_end;
    u32 mb1_entry;                /* the Multiboot header's entry_addr */
};

/* image.c: each fails through loader_fail() with the reason. */
void image_load(struct image *img, const u8 *file, u32 size, u32 mod_start, u32 mod_end,
                const struct real_map *map);
u32 image_pvh_entry(const struct image *img);
u32 image_patch(const struct image *img, const char *symbol, const u8 *bytes, u32 n);

/* ------------------------------------------------------------- scenarios --
 * What the image is entered with: bootinfo.c builds it well-formed for the
 * scenario's protocol, then the scenario damages it (scenarios.c). */
enum protocol { PROTO_MULTIBOOT, PROTO_PVH };

struct boot {
    enum protocol proto;
    const struct real_map *map;
    const struct image *img;
    const char *arg;              /* the scenario's argument (NAME=ARG), or NULL */
    u32 entry, eax, ebx;          /* the jump: EIP, EAX, EBX */
    struct mb1_info *mb;          /* PROTO_MULTIBOOT: the info EBX points at */
    struct pvh_start_info *pvh;   /* PROTO_PVH: the start info EBX points at */
    char detail[160];             /* what the scenario changed, for the console */
};

struct scenario {
    const char *name;
    bool has_arg;                 /* written NAME=ARG */
    enum protocol proto;
    void (*stage)(struct boot *b);
    const char *what;             /* one line: what the kernel is given */
};

/* bootinfo.c */
void boot_build(struct boot *b, const char *image_path, const char *kernel_cmdline);
void mb1_mmap_add(struct boot *b, u64 base, u64 len, u32 type);
void pvh_memmap_add(struct boot *b, u64 base, u64 len, u32 type);

/* scenarios.c */
const struct scenario *scenario_find(const char *name, size_t len);
void scenario_list(void);

/* console.c: COM1, polled; formats %s %c %u %x %llx (no %llu), with a
 * zero-padded width for the numbers (%08x). */
void lprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__noreturn void loader_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* entry.S: load the loader's GDT, set flat segments, EAX, EBX and jump;
 * paging and interrupts stay off. */
__noreturn void loader_enter(u32 entry, u32 eax, u32 ebx);

/* Link-script symbols: the loader's own memory. */
extern char __loader_start[], __loader_end[];

#endif
