/*
 * Console input without a tick, and without losing a byte. The driver's
 * input interrupt (or, for a console without one, the reader's 1 ms look)
 * moves what the device received into the kernel's input queue
 * (kernel/input_queue.c, INPUT_QUEUE_SIZE bytes); read() takes from the
 * queue and sleeps on `readers` while it is empty. The queue and the sleep
 * share `lock`, taken with interrupts off, and the interrupt takes the same
 * lock, so input that arrives between the try and the sleep wakes the
 * reader instead of being lost (the pattern of kernel/sync.c).
 *
 * When the queue is full, what happens depends on the device:
 *  - one that keeps what it is not asked for (the 16550, whose host then
 *    stops sending; the domU console ring, whose backend then waits) is
 *    simply not read: the bytes wait there until read() makes room, and
 *    read() pulls them in at once;
 *  - one that would throw them away (dom0's console_io: Xen's own ring is
 *    128 bytes) is read anyway, and what does not fit is counted and
 *    reported on the console, once per overflow, with the count.
 * docs/console.md has the whole input path per personality.
 */
#include <proteus/console.h>
#include <proteus/errno.h>
#include <proteus/input_queue.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/sync.h>
#include <proteus/thread.h>

#define POLL_NS 1000000ULL   /* 1 ms, only without an input interrupt */
/* One device read: Xen's serial_rx_ring (the largest device buffer) whole. */
#define CHUNK 128
/* A device that keeps refilling is read at most this many chunks per pull,
 * so an interrupt handler always ends; what is left waits in the device. */
#define MAX_CHUNKS ((int)(INPUT_QUEUE_SIZE / CHUNK))

static spinlock_t lock = SPINLOCK_INIT;
static struct waitq readers = WAITQ_INIT(readers);
static struct input_queue queue;   /* all zero: empty, at the start of a line */
static bool input_irq;
static bool device_drops;
static void (*late_init)(void);

void console_set_late_init(void (*fn)(void))
{
    late_init = fn;
}

void console_late_init(void)
{
    if (late_init)
        late_init();
}

void console_input_irq_available(bool available)
{
    unsigned long f = spin_lock_irqsave(&lock);
    input_irq = available;
    /* Readers asleep for an interrupt that will no longer come go back
     * to polling. */
    if (!available)
        waitq_wake_all(&readers);
    spin_unlock_irqrestore(&lock, f);
}

bool console_input_has_irq(void)
{
    return READ_ONCE(input_irq);
}

void console_input_device_drops(bool drops)
{
    WRITE_ONCE(device_drops, drops);
}

/* Move what the device holds into the queue; `lock` held. The console's
 * read op never waits, and returns fewer bytes than asked only when the
 * device has no more (the 16550 then re-arms its receive interrupt). */
static void pull(void)
{
    char chunk[CHUNK];
    for (int i = 0; i < MAX_CHUNKS; i++) {
        size_t want = inq_room(&queue) < CHUNK ? inq_room(&queue) : CHUNK;
        if (!want && !device_drops)
            return;   /* it waits in the device until read() makes room */
        if (!want)
            want = CHUNK;   /* read it anyway: inq_put counts it as lost */
        int n = console_read(chunk, want);
        if (n <= 0)
            return;
        inq_put(&queue, chunk, (size_t)n);
        if ((size_t)n < want)
            return;
    }
}

void console_input_received(const char *bytes, size_t n)
{
    unsigned long f = spin_lock_irqsave(&lock);
    inq_put(&queue, bytes, n);
    waitq_wake_all(&readers);
    spin_unlock_irqrestore(&lock, f);
}

void console_input_ready(void)
{
    unsigned long f = spin_lock_irqsave(&lock);
    pull();
    waitq_wake_all(&readers);
    spin_unlock_irqrestore(&lock, f);
}

bool console_input_available(void)
{
    unsigned long f = spin_lock_irqsave(&lock);
    pull();   /* a polled console holds its bytes in the device */
    bool any = queue.head != queue.tail;
    spin_unlock_irqrestore(&lock, f);
    return any;
}

long console_input_read(char *buf, size_t len)
{
    if (len == 0)
        return 0;
    unsigned long f = spin_lock_irqsave(&lock);
    long n;
    for (;;) {
        n = inq_read(&queue, buf, len);
        if (n != -EAGAIN)
            break;
        pull();   /* a polled console, or bytes held back while the queue was full */
        n = inq_read(&queue, buf, len);
        if (n != -EAGAIN)
            break;
        if (input_irq) {
            /* No timer wakes this reader: tell the idle thread's deadlock
             * check that an interrupt will (include/proteus/thread.h). */
            sched_waiting_for_irq_begin();
            waitq_sleep(&readers, &lock);
            sched_waiting_for_irq_end();
            continue;
        }
        /* No input interrupt (a console that has none, or one not routed
         * yet): there is no event to wait for, so look again in 1 ms.
         * This is the one case in which a blocked read() takes timer
         * interrupts. */
        spin_unlock_irqrestore(&lock, f);
        thread_sleep_until(clock_ns() + POLL_NS);
        f = spin_lock_irqsave(&lock);
    }
    /* There is room now: take in what the device held back meanwhile (which
     * also re-arms the 16550's interrupt). */
    pull();
    u64 lost = queue.lost;
    queue.lost = 0;
    spin_unlock_irqrestore(&lock, f);
    if (lost)
        printk("console: %llu input byte(s) lost: the input queue (%u bytes) was full "
               "and the console cannot hold input back\n",
               (unsigned long long)lost, INPUT_QUEUE_SIZE);
    return n;
}
