/*
 * The parts of newlib's malloc interface that need the system's help to
 * be right: mallinfo() on x86_64, and posix_memalign(), which newlib
 * 3.3's aligned_alloc() calls but which newlib itself does not define.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

/*
 * mallinfo(). newlib 3.3 declares two different struct mallinfo: the
 * public one in <malloc.h> has size_t fields, but the allocator,
 * libc/stdlib/mallocr.c, is compiled with its own copy whose fields are
 * int ("These must be precisely the same for mallinfo() to work", says
 * its comment; on i386 they are, both four bytes). On x86_64 the app reads
 * the allocator's ten ints as if they were size_ts, two to a field:
 * `arena` gets the arena in its low half and the count of free chunks in
 * its high half (4296024064 is 1 MiB + 8 KiB with one free chunk), and
 * `uordblks` lies past the 40 bytes the allocator wrote. So mallinfo()
 * calls the allocator's own function with the layout it really returns
 * and widens each field. (Building mallocr.c with <malloc.h>'s layout,
 * in scripts/build-newlib.sh, would cure it at the source; this function
 * would then go.)
 *
 * The allocator counts in unsigned long and stores in int, so its figures
 * are right up to 4 GiB (read as unsigned); a heap larger than that
 * (x86_64 allows 64 GiB) reports them modulo 4 GiB.
 */
struct mallocr_mallinfo {
    int arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
};

/* The allocator's function, under its real return type. The struct is
 * returned through a pointer the caller passes; room for the public
 * layout too means that a newlib whose allocator one day agrees with
 * its header writes nothing past the end (the figures would then be
 * wrong, and selftest's libc.mallinfo would say so). */
union mallocr_result {
    struct mallocr_mallinfo m;
    struct mallinfo public_layout;
};
union mallocr_result mallocr_mallinfo_r(struct _reent *r) __asm__("_mallinfo_r");

static size_t widen(int v)
{
    return (size_t)(unsigned int)v;
}

struct mallinfo mallinfo(void)
{
    struct mallocr_mallinfo m = mallocr_mallinfo_r(_REENT).m;
    struct mallinfo out = {
        .arena = widen(m.arena),       .ordblks = widen(m.ordblks),
        .smblks = widen(m.smblks),     .hblks = widen(m.hblks),
        .hblkhd = widen(m.hblkhd),     .usmblks = widen(m.usmblks),
        .fsmblks = widen(m.fsmblks),   .uordblks = widen(m.uordblks),
        .fordblks = widen(m.fordblks), .keepcost = widen(m.keepcost),
    };
    return out;
}

/* POSIX.1-2017, posix_memalign(): the alignment must be a power of two
 * and a multiple of sizeof(void *) (EINVAL); without memory, ENOMEM. The
 * error is the return value, *out is left alone on failure, and errno is
 * left as it was. newlib's memalign() does the work. */
int posix_memalign(void **out, size_t align, size_t size)
{
    if (align == 0 || (align & (align - 1)) || align % sizeof(void *))
        return EINVAL;
    int saved = errno;
    void *p = memalign(align, size);
    errno = saved;   /* memalign sets it on failure */
    if (!p && size)
        return ENOMEM;
    *out = p;
    return 0;
}
