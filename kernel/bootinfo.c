/*
 * Reading the loader's boot information: Multiboot 1 (Multiboot 0.6.96, 3.3)
 * or PVH's hvm_start_info (Xen's public
 * arch-x86/hvm/start_info.h). Both sit in low memory
 * that is identity-mapped at this point. Lengths and counts come from
 * outside the kernel, so each is bounded before it is used.
 */
#include <arch/boot.h>
#include <proteus/bootinfo.h>
#include <proteus/errno.h>
#include <proteus/printk.h>
#include <proteus/range.h>
#include <proteus/string.h>
#include <proteus/vm.h>

/* Multiboot 1 information structure, the fields used. */
struct mb1_info {
    u32 flags;
    u32 mem_lower, mem_upper;     /* flag bit 0, KiB */
    u32 boot_device;
    u32 cmdline;                  /* flag bit 2 */
    u32 mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;   /* flag bit 6 */
} __packed;

/* The fields after mmap_addr, up to the boot loader's name (Multiboot
 * 0.6.96, 3.3: offsets 52-67), read only when flag bit 9 says the name is
 * there, so that a shorter structure at the window's end still boots. */
struct mb1_info_tail {
    u32 drives_length, drives_addr;
    u32 config_table;
    u32 boot_loader_name;         /* flag bit 9 */
} __packed;

struct mb1_mmap_entry {
    u32 size;                     /* of the rest of the entry */
    u64 base, len;
    u32 type;
} __packed;

/* hvm_start_info (Xen public arch-x86/hvm/start_info.h). */
struct pvh_start_info {
    u32 magic, version, flags, nr_modules;
    u64 modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    u32 memmap_entries, reserved;
} __packed;

struct pvh_memmap_entry {
    u64 addr, size;
    u32 type, reserved;
} __packed;

/* What the loader's structures may occupy: anything below 4 GiB (the
 * protocols pass 32-bit addresses; PVH's 64-bit ones point there too)
 * except address 0, read through the boot alias (arch/boot.h). A
 * structure that reaches outside, even by a byte, would fault with no
 * trap handler in place: it is refused with a message instead. Host
 * tests and fuzzers point the window at their own buffer. */
struct boot_window boot_readable = { 1, 0x100000000ULL, BOOT_PHYS_ALIAS, BOOT_ALIAS_REACH };

static const void *boot_ptr(u64 pa, u64 len, const char *what)
{
    if (!range_inside(pa, len, boot_readable.lo, boot_readable.hi)) {
        printk("boot: the %s at 0x%llx (%llu bytes) is outside the memory the boot code can "
               "read (0x%llx-0x%llx)\n", what, (unsigned long long)pa, (unsigned long long)len,
               (unsigned long long)boot_readable.lo, (unsigned long long)boot_readable.hi);
        return NULL;
    }
    if (boot_readable.reach)
        boot_readable.reach(pa, len);
    return (const void *)(uintptr_t)(pa + boot_readable.offset);
}

/* How much of a string at pa, of at most max bytes, the window holds
 * (pa inside it), so that all of it is reached before it is read. */
static u64 string_room(u64 pa, u64 max)
{
    if (pa < boot_readable.lo || pa >= boot_readable.hi)
        return 1;   /* boot_ptr refuses it, with its message */
    return MIN(boot_readable.hi - pa, max);
}

/* A NUL-terminated string of unknown length: as much of it as lies in the
 * window, at most CMDLINE_MAX - 1 bytes. */
static void copy_cmdline(struct boot_info *bi, u64 pa)
{
    bi->cmdline[0] = '\0';
    u64 room = string_room(pa, CMDLINE_MAX);
    const char *s = pa ? boot_ptr(pa, room, "command line") : NULL;
    if (!s)
        return;
    size_t n = 0;
    while (n < room && s[n] && n < CMDLINE_MAX - 1) {
        bi->cmdline[n] = s[n];
        n++;
    }
    bi->cmdline[n] = '\0';
    bi->cmdline_truncated = n == room || s[n] != '\0';
}

/* Whether the boot loader's name, `room` bytes of which lie in the window,
 * is GRUB 2's: it holds "GRUB " followed by a version that is not 0.x. */
#define LOADER_NAME_MAX 64   /* as much of the name as is looked at */
static bool loader_is_grub2(const char *name, u64 room)
{
    char copy[LOADER_NAME_MAX];
    size_t n = 0;
    while (n < sizeof(copy) - 1 && n < room && name[n]) {
        copy[n] = name[n];
        n++;
    }
    copy[n] = '\0';
    for (size_t i = 0; i + 5 < n; i++)
        if (!strncmp(copy + i, "GRUB ", 5))
            return copy[i + 5] != '0';
    return false;
}

/* Every entry is read, even past what the table holds (memmap_add keeps
 * the reserved ones first): a reserved range left unread could lie under
 * RAM reported earlier. A map longer than any firmware makes is refused. */
#define BOOT_MAP_MAX_ENTRIES 4096

static int parse_mb1_mmap(struct boot_info *bi, const u8 *map, u32 length)
{
    u64 off = 0;
    unsigned count = 0;
    while (off + sizeof(u32) <= length) {
        if (count == BOOT_MAP_MAX_ENTRIES) {
            printk("boot: the Multiboot memory map has more than %u entries: refused\n",
                   BOOT_MAP_MAX_ENTRIES);
            return -EINVAL;
        }
        struct mb1_mmap_entry e;
        u32 size;
        memcpy(&size, map + off, sizeof(size));
        if (size < 20 || off + 4 + size > length) {
            printk("boot: Multiboot memory map entry %u has bad size %u: map cut short\n",
                   count, size);
            break;
        }
        memcpy(&e, map + off, sizeof(e));
        memmap_add(&bi->mem, e.base, e.len, e.type);
        off += 4 + (u64)size;
        count++;
    }
    return 0;
}

static int parse_mb1(struct boot_info *bi, u32 info_pa)
{
    if (!info_pa) {
        printk("boot: Multiboot info pointer is NULL\n");
        return -EINVAL;
    }
    const struct mb1_info *mb = boot_ptr(info_pa, sizeof(*mb), "Multiboot information");
    if (!mb)
        return -EINVAL;
    bi->protocol = "multiboot";
    u32 flags = mb->flags;
    if (flags & (1 << 2))
        copy_cmdline(bi, mb->cmdline);
    /* The Multiboot spec leaves open whether the command line starts with
     * the image's path: QEMU's loader and GRUB Legacy put it there, GRUB 2
     * does not (its multiboot command passes only the words after the
     * file; Xen tells them apart by the name too, xen/arch/x86/setup.c,
     * cmdline_cook()). GRUB 2 calls itself "GRUB 2.06..." (or "GRUB
     * 1.9x"), GRUB Legacy "GNU GRUB 0.97". */
    bi->cmdline_names_image = true;
    if (flags & (1 << 9)) {
        const struct mb1_info_tail *tail =
            boot_ptr((u64)info_pa + sizeof(*mb), sizeof(*tail), "Multiboot information (loader name)");
        u64 room = tail ? string_room(tail->boot_loader_name, LOADER_NAME_MAX) : 0;
        const char *name = tail && tail->boot_loader_name
                               ? boot_ptr(tail->boot_loader_name, room, "boot loader name") : NULL;
        if (name && loader_is_grub2(name, room))
            bi->cmdline_names_image = false;
    }
    const u8 *map = NULL;
    u32 map_len = mb->mmap_length;
    if (flags & (1 << 6))
        map = boot_ptr(mb->mmap_addr, map_len, "Multiboot memory map");
    if (map && parse_mb1_mmap(bi, map, map_len))
        return -EINVAL;
    if (bi->mem.n > 0)
        return 0;
    /* No map, or one cut short to nothing: the older fields serve. */
    if (!(flags & (1 << 0))) {
        printk("boot: the Multiboot loader gave no memory information (flags 0x%x)\n", flags);
        return -EINVAL;
    }
    printk(map ? "boot: the Multiboot memory map gave no entries; using mem_lower/mem_upper\n"
               : "boot: no Multiboot memory map; using mem_lower/mem_upper\n");
    memmap_add(&bi->mem, 0, (u64)mb->mem_lower * 1024, MEM_USABLE);
    memmap_add(&bi->mem, 0x100000, (u64)mb->mem_upper * 1024, MEM_USABLE);
    return 0;
}

static void unknown_entry(u32 entry, u32 magic)
{
    printk("boot: unknown boot entry: entered at %s with magic 0x%08x, which is neither "
           "Multiboot (0x%08x in EAX) nor PVH (0x%08x at EBX)\n",
           entry == BOOT_ENTRY_PVH ? "the PVH entry" : "the Multiboot entry", magic,
           MB1_BOOT_MAGIC, PVH_START_MAGIC);
}

/* The entry stub does not read the magic at EBX itself: EBX may point
 * anywhere, and here it is read only once the whole structure is known
 * to be readable. */
static int parse_pvh(struct boot_info *bi, u32 info_pa)
{
    const struct pvh_start_info *si = boot_ptr(info_pa, sizeof(*si), "PVH start info");
    if (!si)
        return -EINVAL;
    if (si->magic != PVH_START_MAGIC) {
        unknown_entry(BOOT_ENTRY_PVH, si->magic);
        return -EINVAL;
    }
    bi->protocol = "pvh";
    copy_cmdline(bi, si->cmdline_paddr);
    bi->rsdp = si->rsdp_paddr < boot_readable.hi ? si->rsdp_paddr : 0;
    u32 version = si->version, n = si->memmap_entries;
    u64 map_pa = si->memmap_paddr;
    if (version < 1 || n == 0 || !map_pa) {
        printk("boot: PVH start info (version %u) carries no memory map\n", version);
        return -EINVAL;
    }
    if (n > BOOT_MAP_MAX_ENTRIES) {
        printk("boot: the PVH memory map has %u entries, more than %u: refused\n", n,
               BOOT_MAP_MAX_ENTRIES);
        return -EINVAL;
    }
    const struct pvh_memmap_entry *e =
        boot_ptr(map_pa, (u64)n * sizeof(*e), "PVH memory map");
    if (!e)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++)
        memmap_add(&bi->mem, e[i].addr, e[i].size, e[i].type);
    return 0;
}

int bootinfo_parse(struct boot_info *bi, u32 entry, u32 magic, u32 info)
{
    /* Each field set, the arrays' unused parts left as they are (the
     * command line ends at its NUL, the map at mem.n): zeroing the whole
     * 3.6 KiB was 900 of i386's boot instructions. */
    bi->entry = entry;
    bi->protocol = NULL;
    bi->cmdline[0] = '\0';
    bi->cmdline_truncated = false;
    bi->cmdline_names_image = false;
    bi->rsdp = 0;
    bi->ebda = 0;
    memmap_init(&bi->mem);
    int err;
    if (entry == BOOT_ENTRY_MB1 && magic == MB1_BOOT_MAGIC) {
        err = parse_mb1(bi, info);
    } else if (entry == BOOT_ENTRY_PVH) {
        err = parse_pvh(bi, info);
    } else {
        unknown_entry(entry, magic);
        return -EINVAL;
    }
    if (err)
        return err;
    if (bi->mem.dropped)
        printk("boot: %u memory-map entries were left out (RAM wrapping past 2^64, or more "
               "entries than the %u the table holds: RAM goes first)\n", bi->mem.dropped,
               MEMMAP_MAX);
    memmap_normalize(&bi->mem);
    if (memmap_usable_bytes(&bi->mem, 0x100000) == 0) {
        printk("boot: the memory map has no usable RAM above 1 MiB\n");
        return -ENOMEM;
    }
    return 0;
}
