/*
 * Files for apps through newlib's open/read/lseek/fstat/stat (and so
 * fopen and the rest of stdio): the disks themselves as /dev/blk0..., and
 * a read-only file system at / when a disk holds one.
 *
 * The file system is a ustar archive written from sector 0 of the disk
 * (lib/ustar.c; POSIX.1-2017, XCU pax, "ustar Interchange Format"): what
 * `tar --format=ustar -cf disk.img -C www .` makes. Why tar: the format is
 * a standard every host can write without tools of ours or root, the
 * reader is a page of code a student can check against the standard, and
 * an appliance that serves or reads fixed content needs nothing more. A
 * writable file system would mean a real one from a library; raw sectors
 * (/dev/blkN) are there for an app that keeps its own data.
 *
 * The archive is read at the first open() or stat(): its headers are
 * checked one by one (magic, checksum, octal fields, data inside the
 * disk), the entries kept in a table; a header that fails ends the table
 * there, said on the console. The first disk that starts with a ustar
 * header is the one mounted. App code by build (newlib's headers).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <poll.h>
#include <proteus/blockdev.h>
#include <proteus/fdtable.h>
#include <proteus/format.h>
#include <proteus/sync.h>
#include <proteus/ustar.h>
#include "glue.h"

#define MAX_NODES 4096
#define DEV_PREFIX "/dev/blk"

struct node {
    char *path;        /* absolute: "/www/index.html" */
    bool dir;
    u64 size, sector;  /* data bytes, and the sector they start at */
    u32 mode;
    u64 mtime;
};

struct open_file {
    struct mutex lock;   /* the offset, when two threads share the descriptor */
    struct blockdev *bd;
    const struct node *node;   /* NULL for a whole disk */
    u64 off;
};

static struct mutex mount_lock = MUTEX_INIT(mount_lock);
static bool scanned;
static struct blockdev *fs_disk;
static struct node *nodes;
static unsigned nnodes, room;

/* ---- reading the archive ------------------------------------------------ */

/* Enter a member in the table: false when memory ran out. */
static bool add(const struct ustar_entry *e, u64 sector)
{
    char path[USTAR_PATH_MAX + 1];
    /* the kernel's formatter: newlib's sniprintf would bring its string
     * formatter into every image */
    ksnprintf(path, sizeof(path), "/%s", e->path);
    for (unsigned i = 0; i < nnodes; i++) {
        if (!strcmp(nodes[i].path, path)) {   /* a later member replaces an earlier one (XCU pax) */
            nodes[i].dir = e->kind == USTAR_DIR;
            nodes[i].size = e->kind == USTAR_DIR ? 0 : e->size;
            nodes[i].sector = sector;
            nodes[i].mode = e->mode;
            nodes[i].mtime = e->mtime;
            return true;
        }
    }
    if (nnodes == room) {
        struct node *more = realloc(nodes, 2 * room * sizeof(*nodes));
        if (!more)
            return false;
        nodes = more;
        room *= 2;
    }
    char *copy = strdup(path);
    if (!copy)
        return false;
    nodes[nnodes++] = (struct node){ copy, e->kind == USTAR_DIR, e->kind == USTAR_DIR ? 0 : e->size,
                                     sector, e->mode, e->mtime };
    return true;
}

/* The table of disk bd's archive: false when sector 0 is no ustar header. */
static bool read_archive(struct blockdev *bd, u8 *blk)
{
    struct ustar_entry e;
    if (blockdev_read(bd, 0, blk, 1) || ustar_header(blk, &e) || e.kind == USTAR_END)
        return false;
    room = 64;
    nodes = malloc(room * sizeof(*nodes));
    if (!nodes) {
        iprintf("files: %s: no memory for the file table: not mounted\n", bd->name);
        return false;
    }
    u64 s = 0, bytes = 0;
    const char *stop = NULL;
    for (;;) {
        int err = blockdev_read(bd, s, blk, 1);
        if (err) {
            stop = "cannot be read";
            break;
        }
        if (ustar_header(blk, &e)) {
            stop = "is no ustar header";
            break;
        }
        if (e.kind == USTAR_END)
            break;
        u64 blocks = ustar_data_blocks(e.size);
        if (blocks > bd->sectors - s - 1) {
            stop = "holds a member that runs past the end of the disk";
            break;
        }
        if ((e.kind == USTAR_FILE || e.kind == USTAR_DIR) && e.path[0]) {
            if (nnodes == MAX_NODES) {
                stop = "is one member more than the file table holds";
                break;
            }
            if (!add(&e, s + 1)) {
                stop = "is one member more than memory holds";
                break;
            }
            bytes += e.kind == USTAR_FILE ? e.size : 0;
        }
        s += 1 + blocks;
        if (s >= bd->sectors)
            break;   /* the archive fills the disk, without its end blocks */
    }
    if (stop)
        iprintf("files: %s: sector %llu %s: the file system ends there\n", bd->name,
               (unsigned long long)s, stop);
    iprintf("files: %s holds a ustar file system, mounted read-only at /: %u entries, %llu bytes\n",
           bd->name, nnodes, (unsigned long long)bytes);
    return true;
}

static void scan(void)
{
    mutex_lock(&mount_lock);
    if (!scanned) {
        u8 *blk = malloc(SECTOR_SIZE);
        for (unsigned i = 0; blk && i < blockdev_count() && !fs_disk; i++)
            if (read_archive(blockdev_get(i), blk))
                fs_disk = blockdev_get(i);
        free(blk);
        scanned = true;
    }
    mutex_unlock(&mount_lock);
}

/* ---- names ---------------------------------------------------------------- */

/* path made absolute and plain into out ("/a/b": no "." or ".." or empty
 * segments, no trailing '/'); -ENAMETOOLONG, -ENOENT for "". */
static int normalise(const char *path, char *out, size_t size)
{
    if (!path)
        return -EFAULT;
    if (!*path)
        return -ENOENT;
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - seg);
        if (!n || (n == 1 && seg[0] == '.'))
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o && out[o - 1] != '/')
                o--;
            if (o)
                o--;   /* the '/' too; ".." of / is / */
            out[o] = '\0';
            continue;
        }
        if (o + 1 + n + 1 > size)
            return -ENAMETOOLONG;
        out[o++] = '/';
        memcpy(out + o, seg, n);
        o += n;
        out[o] = '\0';
    }
    if (!o) {
        out[0] = '/';
        out[1] = '\0';
    }
    return 0;
}

static const struct node root = { "/", true, 0, 0, 0555, 0 };

/* The node at an absolute plain path: NULL if none. A directory that only
 * appears as the parent of members is a directory too. */
static const struct node *lookup(const char *path)
{
    if (!strcmp(path, "/"))
        return &root;
    size_t n = strlen(path);
    static struct node implied = { NULL, true, 0, 0, 0555, 0 };
    for (unsigned i = 0; i < nnodes; i++) {
        if (!strcmp(nodes[i].path, path))
            return &nodes[i];
        if (!strncmp(nodes[i].path, path, n) && nodes[i].path[n] == '/')
            return &implied;
    }
    return NULL;
}

/* "/dev/blkN": disk N, or NULL. */
static struct blockdev *disk_named(const char *path)
{
    size_t l = strlen(DEV_PREFIX);
    if (strncmp(path, DEV_PREFIX, l) || path[l] < '0' || path[l] > '9' || path[l + 1])
        return NULL;
    return blockdev_get((unsigned)(path[l] - '0'));
}

/* ---- byte I/O on sectors ----------------------------------------------------- */

/* len bytes at byte `at` of the span starting at sector `base`, through a
 * sector of bounce for the unaligned ends: 0 or -EIO. */
static int span_io(struct blockdev *bd, bool write, u64 base, u64 at, u8 *buf, size_t len)
{
    u8 *bounce = NULL;
    int err = 0;
    while (len && !err) {
        u64 sector = base + at / SECTOR_SIZE;
        size_t in = (size_t)(at % SECTOR_SIZE);
        if (in || len < SECTOR_SIZE) {
            size_t n = SECTOR_SIZE - in < len ? SECTOR_SIZE - in : len;
            if (!bounce && !(bounce = malloc(SECTOR_SIZE)))
                return -ENOMEM;
            err = blockdev_read(bd, sector, bounce, 1);
            if (!err && write) {
                memcpy(bounce + in, buf, n);
                err = blockdev_write(bd, sector, bounce, 1);
            } else if (!err) {
                memcpy(buf, bounce + in, n);
            }
            buf += n, at += n, len -= n;
        } else {
            u32 count = (u32)(len / SECTOR_SIZE > 256 ? 256 : len / SECTOR_SIZE);
            err = write ? blockdev_write(bd, sector, buf, count) : blockdev_read(bd, sector, buf, count);
            buf += (size_t)count * SECTOR_SIZE, at += (u64)count * SECTOR_SIZE;
            len -= (size_t)count * SECTOR_SIZE;
        }
    }
    free(bounce);
    return err ? -EIO : 0;
}

/* ---- the descriptor operations ------------------------------------------------- */

static u64 file_size(const struct open_file *f)
{
    return f->node ? f->node->size : f->bd->sectors * SECTOR_SIZE;
}

static ssize_t f_read(intptr_t h, void *buf, size_t len)
{
    struct open_file *f = (struct open_file *)h;
    if (f->node && f->node->dir)
        return -EISDIR;
    mutex_lock(&f->lock);
    u64 size = file_size(f);
    size_t n = f->off >= size ? 0 : size - f->off < len ? (size_t)(size - f->off) : len;
    int err = n ? span_io(f->bd, false, f->node ? f->node->sector : 0, f->off, buf, n) : 0;
    if (!err)
        f->off += n;
    mutex_unlock(&f->lock);
    return err ? err : (ssize_t)n;
}

/* Only a disk is written (files are read-only, refused at open). */
static ssize_t f_write(intptr_t h, const void *buf, size_t len)
{
    struct open_file *f = (struct open_file *)h;
    if (f->node)
        return -EBADF;
    mutex_lock(&f->lock);
    u64 size = file_size(f);
    int err = 0;
    size_t n = 0;
    if (f->off >= size && len)
        err = -ENOSPC;   /* a disk does not grow */
    else
        n = size - f->off < len ? (size_t)(size - f->off) : len;
    if (!err && n)
        err = span_io(f->bd, true, 0, f->off, (u8 *)buf, n);
    if (!err)
        f->off += n;
    mutex_unlock(&f->lock);
    return err ? err : (ssize_t)n;
}

static off_t f_lseek(intptr_t h, off_t off, int whence)
{
    struct open_file *f = (struct open_file *)h;
    mutex_lock(&f->lock);
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->off
                 : whence == SEEK_END ? (int64_t)file_size(f) : -1;
    int64_t to = base + (int64_t)off;
    off_t r;
    if (base < 0 || (off > 0 && to < base) || to < 0) {
        r = -EINVAL;   /* an unknown whence, or an offset before the start */
    } else if ((int64_t)(off_t)to != to) {
        r = -EOVERFLOW;
    } else {
        f->off = (u64)to;
        r = (off_t)to;
    }
    mutex_unlock(&f->lock);
    return r;
}

static void fill_stat(struct stat *st, const struct node *n, struct blockdev *disk)
{
    memset(st, 0, sizeof(*st));
    st->st_nlink = 1;
    st->st_blksize = SECTOR_SIZE;
    if (disk) {
        st->st_mode = S_IFBLK | (disk->read_only ? 0444 : 0644);
        st->st_size = (off_t)(disk->sectors * SECTOR_SIZE);
        st->st_rdev = (dev_t)(disk - blockdev_get(0));
    } else {
        st->st_mode = (n->dir ? S_IFDIR : S_IFREG) | (n->mode & 0555);   /* read-only */
        st->st_size = (off_t)n->size;
        st->st_mtime = (time_t)n->mtime;
        if (n >= nodes && n < nodes + nnodes)
            st->st_ino = (ino_t)(n - nodes + 2);   /* 1 is the root, as in many systems */
        else
            st->st_ino = n == &root ? 1 : 0;
    }
    st->st_blocks = (blkcnt_t)((st->st_size + 511) / 512);
}

static int f_fstat(intptr_t h, struct stat *st)
{
    struct open_file *f = (struct open_file *)h;
    fill_stat(st, f->node, f->node ? NULL : f->bd);
    return 0;
}

static int f_fsync(intptr_t h)
{
    struct open_file *f = (struct open_file *)h;
    return f->node ? 0 : (blockdev_flush(f->bd) ? -EIO : 0);
}

static int f_close(intptr_t h)
{
    free((struct open_file *)h);
    return 0;
}

static short f_ready(intptr_t h, short events)
{
    return events & (POLLIN | POLLOUT);   /* a disk never makes a read wait for input */
}

static const struct fd_ops file_ops = {
    .kind = "file",
    .read = f_read,
    .write = f_write,
    .lseek = f_lseek,
    .fstat = f_fstat,
    .fsync = f_fsync,
    .close = f_close,
    .ready = f_ready,
};

/* ---- the calls ------------------------------------------------------------------- */

/* What path names: a disk, or a node of the file system; -errno. */
static int resolve(const char *path, char *plain, size_t size, struct blockdev **disk,
                   const struct node **node)
{
    int err = normalise(path, plain, size);
    if (err)
        return err;
    *disk = disk_named(plain);
    *node = NULL;
    if (*disk)
        return 0;
    if (!strcmp(plain, "/dev"))
        return -ENOENT;   /* the disks' names work; the folder is not listed */
    scan();
    *node = lookup(plain);
    return *node ? 0 : -ENOENT;
}

int open(const char *path, int flags, ...)
{
    char plain[USTAR_PATH_MAX + 2];
    struct blockdev *disk;
    const struct node *node;
    int err = resolve(path, plain, sizeof(plain), &disk, &node);
    int acc = flags & O_ACCMODE;
    bool writes = acc == O_WRONLY || acc == O_RDWR;
    if (err == -ENOENT && (flags & O_CREAT))
        err = -EROFS;   /* nothing here can be created */
    if (!err && node && (writes || (flags & O_TRUNC)))
        err = node->dir ? -EISDIR : -EROFS;
    if (!err && node && !node->dir && (flags & O_DIRECTORY))
        err = -ENOTDIR;
    if (!err && disk && writes && disk->read_only)
        err = -EROFS;
    if (!err && (flags & O_CREAT) && (flags & O_EXCL))
        err = -EEXIST;
    if (err) {
        libc_set_errno(-err);
        return -1;
    }
    struct open_file *f = calloc(1, sizeof(*f));
    if (!f) {
        libc_set_errno(ENOMEM);
        return -1;
    }
    mutex_init(&f->lock, false);
    f->bd = disk ? disk : fs_disk;
    f->node = node;
    int fd = fd_install(&file_ops, (intptr_t)f);
    if (fd < 0) {
        free(f);
        libc_set_errno(-fd);
        return -1;
    }
    return fd;
}

int stat(const char *path, struct stat *st)
{
    char plain[USTAR_PATH_MAX + 2];
    struct blockdev *disk;
    const struct node *node;
    int err = st ? resolve(path, plain, sizeof(plain), &disk, &node) : -EFAULT;
    if (err) {
        libc_set_errno(-err);
        return -1;
    }
    fill_stat(st, node, disk);
    return 0;
}

/* XSH access(): existence and read for anything here; write only for a
 * writable disk. */
int access(const char *path, int mode)
{
    char plain[USTAR_PATH_MAX + 2];
    struct blockdev *disk;
    const struct node *node;
    int err = resolve(path, plain, sizeof(plain), &disk, &node);
    if (!err && (mode & W_OK) && !(disk && !disk->read_only))
        err = -EROFS;
    if (err) {
        libc_set_errno(-err);
        return -1;
    }
    return 0;
}
