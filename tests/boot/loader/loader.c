/*
 * The hostile test loader's main line (README beside this file): take what
 * QEMU's Multiboot loader gave us (the real memory map, the module holding
 * the Proteus image and its command line), load the image, build the
 * scenario's boot information, say so on COM1 and jump. Any problem of the
 * loader's own ends the machine with status 77 and the reason.
 */
#include "loader.h"

#define MODULE_LINE_MAX 1024

static struct real_map real_map;
static struct image image;
static struct boot boot;
static char module_line[MODULE_LINE_MAX];

/* Copy QEMU's memory information: the scenarios start from the real map. */
static void read_real_map(const struct mb1_info *qemu)
{
    real_map.flags = qemu->flags;
    if (!(qemu->flags & MB1_INFO_MEM) || !(qemu->flags & MB1_INFO_MMAP))
        loader_fail("QEMU gave no mem_lower/mem_upper or memory map (flags 0x%x)", qemu->flags);
    real_map.mem_lower = qemu->mem_lower;
    real_map.mem_upper = qemu->mem_upper;
    for (u32 off = 0; off + 4 <= qemu->mmap_length; ) {
        const struct mb1_mmap_entry *e = (const void *)(uintptr_t)(qemu->mmap_addr + off);
        if (e->size < MB1_MMAP_ENTRY_SIZE || real_map.n == MAP_MAX)
            loader_fail("QEMU's memory map has a %u-byte entry or more than %u entries",
                        e->size, MAP_MAX);
        real_map.e[real_map.n].base = e->base_addr;
        real_map.e[real_map.n].len = e->length;
        real_map.e[real_map.n].type = e->type;
        real_map.n++;
        off += e->size + 4;
    }
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Split module_line in place: IMAGE SCENARIO[=ARG] [KERNEL COMMAND LINE].
 * Returns the kernel's command line (possibly empty). */
static const char *split_module_line(const char **path, const char **scenario)
{
    char *p = module_line;
    char *word[2];
    for (unsigned i = 0; i < 2; i++) {
        while (is_space(*p))
            p++;
        if (!*p)
            loader_fail("the module command line '%s' lacks %s; it must be "
                        "'IMAGE SCENARIO [KERNEL COMMAND LINE]'", module_line,
                        i ? "a scenario" : "the image's name");
        word[i] = p;
        while (*p && !is_space(*p))
            p++;
        if (*p)
            *p++ = '\0';
    }
    while (is_space(*p))
        p++;
    *path = word[0];
    *scenario = word[1];
    return p;
}

/* The first module: the image file and its command line. */
static const struct mb1_module *read_module(const struct mb1_info *qemu)
{
    if (!(qemu->flags & MB1_INFO_MODS) || qemu->mods_count < 1)
        loader_fail("no module: boot with -initrd \"IMAGE SCENARIO [KERNEL COMMAND LINE]\"");
    const struct mb1_module *mod = (const void *)(uintptr_t)qemu->mods_addr;
    if (mod->mod_end <= mod->mod_start)
        loader_fail("the first module is empty (0x%x-0x%x)", mod->mod_start, mod->mod_end);
    u32 self = (u32)(uintptr_t)__loader_start, self_end = (u32)(uintptr_t)__loader_end;
    if (mod->mod_start < self_end && self < mod->mod_end)
        loader_fail("QEMU put the module at 0x%x-0x%x, over the loader at 0x%x-0x%x",
                    mod->mod_start, mod->mod_end, self, self_end);
    const char *s = (const char *)(uintptr_t)mod->string;
    if (!s || strlen(s) >= sizeof(module_line))
        loader_fail("the module command line is missing or longer than %u bytes",
                    MODULE_LINE_MAX - 1);
    memcpy(module_line, s, strlen(s) + 1);
    return mod;
}

__noreturn void loader_main(u32 magic, u32 info);

__noreturn void loader_main(u32 magic, u32 info)
{
    if (magic != MB1_BOOT_MAGIC)
        loader_fail("not started by a Multiboot loader (EAX 0x%x)", magic);
    const struct mb1_info *qemu = (const void *)(uintptr_t)info;
    read_real_map(qemu);
    const struct mb1_module *mod = read_module(qemu);

    const char *path, *word;
    const char *kernel_cmdline = split_module_line(&path, &word);
    const char *eq = word;
    while (*eq && *eq != '=')
        eq++;
    const struct scenario *sc = scenario_find(word, (size_t)(eq - word));
    if (!sc) {
        lprintf("loader: unknown scenario '%s'; the scenarios are:\n", word);
        scenario_list();
        loader_fail("no such scenario: %s", word);
    }
    if (sc->has_arg && (*eq != '=' || !eq[1]))
        loader_fail("scenario %s needs a function: %s=SYMBOL", sc->name, sc->name);
    if (!sc->has_arg && *eq == '=')
        loader_fail("scenario %s takes no argument (got '%s')", sc->name, word);

    image_load(&image, (const u8 *)(uintptr_t)mod->mod_start, mod->mod_end - mod->mod_start,
               mod->mod_start, mod->mod_end, &real_map);
    boot.proto = sc->proto;
    boot.map = &real_map;
    boot.img = &image;
    boot.arg = sc->has_arg ? eq + 1 : NULL;
    boot_build(&boot, path, kernel_cmdline);
    sc->stage(&boot);

    lprintf("loader: scenario %s: %s EAX=0x%x EBX=0x%x%s%s: entering 0x%x\n", word,
            boot.proto == PROTO_PVH ? "PVH" : "Multiboot", boot.eax, boot.ebx,
            boot.detail[0] ? ", " : "", boot.detail, boot.entry);
    loader_enter(boot.entry, boot.eax, boot.ebx);
}
