/*
 * pv/xen/console_ring.c, the domU console ring (Xen's public
 * io/console.h), against a hostile backend: the input is a script of
 * backend moves (index updates honest or not, typed input, drained
 * output) and frontend calls (xencons_write, xencons_read,
 * xencons_out_pending).
 *
 * Input: operations until it ends, each an op byte and its fields:
 *   (op & 0x3f) % 9 =
 *          0 backend sets out_cons, 1 sets in_prod: 4 bytes, absolute
 *            or, with op bit 7, a signed 16-bit step from the present value
 *          2 backend types: a length byte and that many bytes
 *          3 backend drains up to a 16-bit count of output bytes
 *          4 frontend writes: 16-bit length (mod 4096), bytes from the input
 *            (zeros once it ends)
 *          5 frontend reads: 16-bit length (mod 4096)
 *          6 frontend asks xencons_out_pending
 *          7 backend overwrites an index the frontend owns: a byte
 *            (0 in_cons, else out_prod) and 4 bytes
 *          8 all four indices set to one 32-bit value (to start near 2^32)
 *   Bits 7-6 of a frontend call's op = 01: count its accesses to the
 *   indices (below); only the first such call of an input is counted.
 *   Each counted access costs a debug trap, about 15 us in a VM, which
 *   would otherwise cut the runs per second sixfold; the fuzzer picks the
 *   call, and a seed per path of each call counts that path.
 *
 * Invariants, each call compared with a model of the protocol:
 *   - a call changes the shared page exactly as the model says and nothing
 *     else (the ring lives in a heap block of its exact size, so ASan
 *     reports any access outside it; the comparison catches a write to the
 *     wrong ring or index);
 *   - it never returns more than asked, nor reads past the caller's
 *     buffer or writes into it past what it returns;
 *   - inconsistent indices give -EIO (and drop the input ring's contents)
 *     instead of being used to index memory;
 *   - it ends (libFuzzer's -timeout, the replay driver's alarm);
 *   - each shared index is loaded once per call and published at most
 *     once, as the file promises: counted with x86 debug-register
 *     breakpoints (perf_event_open, PERF_TYPE_BREAKPOINT). Where the host
 *     forbids them, this one check is skipped with a note on stderr.
 */
/* fuzz-sources: pv/xen/console_ring.c */
#include "fuzz.h"

#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <proteus/errno.h>
#include "../../pv/xen/console_ring.h"

#define IN_SZ sizeof(((struct xencons_interface *)0)->in)
#define OUT_SZ sizeof(((struct xencons_interface *)0)->out)

static struct xencons_interface *ring;   /* the shared page, heap, exact size */

/* ---- counting accesses to the indices ---------------------------------- */

enum { IN_CONS, IN_PROD, OUT_CONS, OUT_PROD, NIDX };
static const char *const idx_name[NIDX] = { "in_cons", "in_prod", "out_cons", "out_prod" };
static int bp_group = -1;   /* leader fd, or -1: not counting */

/* A debug trap no breakpoint event claims reaches the process as SIGTRAP.
 * That should not happen, but a virtual machine's debug registers have
 * been seen to raise one now and then (a fuzz run ended by it after
 * 1.2 million inputs): it is counted and survived, and the counts of a
 * call it fell into are not trusted. */
static volatile sig_atomic_t stray_traps;

static void on_stray_trap(int sig)
{
    (void)sig;
    stray_traps++;
}

static int bp_open(volatile void *addr, int group)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof(a));
    a.type = PERF_TYPE_BREAKPOINT;
    a.size = sizeof(a);
    a.bp_type = HW_BREAKPOINT_RW;   /* x86 has no read-only breakpoint */
    a.bp_addr = (uintptr_t)addr;
    a.bp_len = HW_BREAKPOINT_LEN_4;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    a.read_format = PERF_FORMAT_GROUP;
    a.disabled = group < 0;   /* the group counts only around a call */
    return (int)syscall(SYS_perf_event_open, &a, 0, -1, group, 0);
}

static void setup(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stray_trap;
    sigaction(SIGTRAP, &sa, NULL);
    ring = malloc(sizeof(*ring));
    if (!ring)
        abort();
    volatile XENCONS_RING_IDX *addr[NIDX] = { &ring->in_cons, &ring->in_prod, &ring->out_cons,
                                              &ring->out_prod };
    for (int i = 0; i < NIDX; i++) {
        int fd = bp_open(addr[i], i ? bp_group : -1);
        if (fd < 0) {
            perror("fuzz_xen_console_ring: perf_event_open (a debug-register breakpoint)");
            fprintf(stderr, "fuzz_xen_console_ring: the once-per-call index check is skipped\n");
            if (bp_group >= 0)
                close(bp_group);   /* closing the leader ends its group */
            bp_group = -1;
            return;
        }
        if (!i)
            bp_group = fd;
    }
}

/* Count around one call only: each access costs a debug trap (about
 * 15 us in a VM), so the harness's own accesses must not be counted. */
static sig_atomic_t traps_before;

static void count_start(void)
{
    traps_before = stray_traps;
    if (ioctl(bp_group, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP) ||
        ioctl(bp_group, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP))
        abort();
}

/* false: a stray trap fell into the call, and `c` is not to be trusted */
static bool count_stop(uint64_t c[NIDX])
{
    uint64_t buf[1 + NIDX] = { 0 };
    if (ioctl(bp_group, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP) ||
        read(bp_group, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || buf[0] != NIDX)
        abort();
    memcpy(c, buf + 1, sizeof(uint64_t) * NIDX);
    return stray_traps == traps_before;
}

/* Accesses a call made to each index against what it should make:
 * `loads` and `stores` per index. */
static void check_accesses(const char *call, const uint64_t seen[NIDX], const unsigned loads[NIDX],
                           const unsigned stores[NIDX])
{
    for (int i = 0; i < NIDX; i++) {
        uint64_t n = seen[i];
        FUZZ_CHECK(n == loads[i] + stores[i],
                   "%s touched %s %llu times; one load each and %u store(s) expected: "
                   "a second load lets the backend change the index in between",
                   call, idx_name[i], (unsigned long long)n, stores[i]);
    }
}

/* ---- the calls, against the model -------------------------------------- */

static struct xencons_interface want;

static void same_page(const char *call)
{
    if (!memcmp(ring, &want, sizeof(want)))
        return;
    for (size_t i = 0; i < sizeof(want); i++)
        FUZZ_CHECK(((uint8_t *)ring)[i] == ((uint8_t *)&want)[i],
                   "after %s, byte %zu of the shared page is %#x, not %#x", call, i,
                   ((uint8_t *)ring)[i], ((uint8_t *)&want)[i]);
}

static void do_write(struct fuzz_in *in, bool count)
{
    size_t len = fuzz_u16(in) % 4096, got;
    const uint8_t *src = fuzz_bytes(in, len, &got);
    char *buf = calloc(1, len ? len : 1);   /* exact: ASan sees a read past it */
    memcpy(buf, src, got);

    want = *ring;
    XENCONS_RING_IDX cons = want.out_cons, prod = want.out_prod;
    long expect = -EIO;
    if (prod - cons <= OUT_SZ) {
        size_t room = OUT_SZ - (prod - cons);
        expect = (long)(len < room ? len : room);
        for (long i = 0; i < expect; i++)
            want.out[(prod + (XENCONS_RING_IDX)i) & (OUT_SZ - 1)] = buf[i];
        want.out_prod = prod + (XENCONS_RING_IDX)expect;
    }
    uint64_t seen[NIDX];
    if (count)
        count_start();
    long r = xencons_write(ring, buf, len);
    if (count) {
        bool trusted = count_stop(seen);
        const unsigned loads[NIDX] = { 0, 0, 1, 1 }, stores[NIDX] = { 0, 0, 0, r >= 0 };
        if (trusted)
            check_accesses("xencons_write", seen, loads, stores);
    }
    FUZZ_CHECK(r == expect, "xencons_write(%zu) with prod %#x cons %#x returned %ld, not %ld", len,
               prod, cons, r, expect);
    FUZZ_CHECK(r < 0 || (size_t)r <= len, "wrote %ld of %zu bytes", r, len);
    same_page("xencons_write");
    free(buf);
}

static void do_read(struct fuzz_in *in, bool count)
{
    size_t len = fuzz_u16(in) % 4096;
    char *buf = malloc(len ? len : 1), *pattern = malloc(len ? len : 1);
    memset(buf, 0xa5, len ? len : 1);
    memset(pattern, 0xa5, len ? len : 1);

    want = *ring;
    XENCONS_RING_IDX cons = want.in_cons, prod = want.in_prod;
    long expect = -EIO;
    if (prod - cons <= IN_SZ) {
        XENCONS_RING_IDX avail = prod - cons;
        expect = (long)(len < avail ? len : avail);
        for (long i = 0; i < expect; i++)
            pattern[i] = want.in[(cons + (XENCONS_RING_IDX)i) & (IN_SZ - 1)];
        want.in_cons = cons + (XENCONS_RING_IDX)expect;
    } else {
        want.in_cons = prod;   /* the contents are dropped */
    }
    uint64_t seen[NIDX];
    if (count)
        count_start();
    long r = xencons_read(ring, buf, len);
    if (count) {
        bool trusted = count_stop(seen);
        const unsigned loads[NIDX] = { 1, 1, 0, 0 }, stores[NIDX] = { 1, 0, 0, 0 };
        if (trusted)
            check_accesses("xencons_read", seen, loads, stores);
    }
    FUZZ_CHECK(r == expect, "xencons_read(%zu) with prod %#x cons %#x returned %ld, not %ld", len,
               prod, cons, r, expect);
    FUZZ_CHECK(r < 0 || (size_t)r <= len, "read %ld of %zu bytes", r, len);
    FUZZ_CHECK(!memcmp(buf, pattern, len), "the %zu-byte buffer does not hold what was read "
                                           "(or was written past the %ld bytes returned)", len, r);
    same_page("xencons_read");
    free(buf);
    free(pattern);
}

static void do_pending(bool count)
{
    want = *ring;
    XENCONS_RING_IDX d = want.out_prod - want.out_cons;
    uint64_t seen[NIDX];
    if (count)
        count_start();
    size_t r = xencons_out_pending(ring);
    if (count) {
        bool trusted = count_stop(seen);
        const unsigned loads[NIDX] = { 0, 0, 1, 1 }, stores[NIDX] = { 0 };
        if (trusted)
            check_accesses("xencons_out_pending", seen, loads, stores);
    }
    FUZZ_CHECK(r == (d > OUT_SZ ? OUT_SZ : d), "out_pending %zu with prod - cons = %#x", r, d);
    same_page("xencons_out_pending");
}

/* ---- the backend --------------------------------------------------------- */

static XENCONS_RING_IDX new_value(struct fuzz_in *in, uint8_t op, XENCONS_RING_IDX old)
{
    if (op & 0x80)
        return old + (XENCONS_RING_IDX)(int16_t)fuzz_u16(in);
    return fuzz_u32(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        setup();
        ready = true;
    }
    struct fuzz_in in = fuzz_in(data, size);
    memset(ring, 0, sizeof(*ring));
    bool counted = false;
    while (fuzz_left(&in)) {
        uint8_t op = fuzz_u8(&in);
        bool count = bp_group >= 0 && (op & 0xc0) == 0x40 && !counted;
        switch ((op & 0x3f) % 9) {
        case 0:
            ring->out_cons = new_value(&in, op, ring->out_cons);
            break;
        case 1:
            ring->in_prod = new_value(&in, op, ring->in_prod);
            break;
        case 2: {
            size_t n = fuzz_u8(&in), got;
            const uint8_t *s = fuzz_bytes(&in, n, &got);
            for (size_t i = 0; i < got; i++)
                ring->in[MASK_XENCONS_IDX(ring->in_prod++, ring->in)] = (char)s[i];
            break;
        }
        case 3: {
            XENCONS_RING_IDX n = fuzz_u16(&in), pending = ring->out_prod - ring->out_cons;
            ring->out_cons += n < pending ? n : pending;
            break;
        }
        case 4:
            do_write(&in, count);
            counted |= count;
            break;
        case 5:
            do_read(&in, count);
            counted |= count;
            break;
        case 6:
            do_pending(count);
            counted |= count;
            break;
        case 7:
            if (fuzz_u8(&in))
                ring->out_prod = fuzz_u32(&in);
            else
                ring->in_cons = fuzz_u32(&in);
            break;
        case 8:
            ring->in_cons = ring->in_prod = ring->out_cons = ring->out_prod = fuzz_u32(&in);
            break;
        }
    }
    return 0;
}
