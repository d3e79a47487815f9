// gossh_channel_read without Go: a reader copies from the stream's read
// ring (core/ring_linux.go) and waits on the ring's futex, calling into Go
// only when the library has something to decide (the end, an error, a
// timeout to report, segments beyond the ring). Why: libgossh runs one P;
// a C thread waiting inside a Go call holds it until sysmon takes it back
// and needs one again when woken, about ten context switches per wait of a
// bulk read, where a reader that never enters Go costs the drain's one
// wake. See core/ring_linux.go for the ring's rules.
//
// The rings the library shares are kept in a table keyed by channel handle
// and stream. A reader counts itself into the ring (refs) under the table's
// lock; gosshi_ring_retire removes a ring, wakes its waiters and returns
// only when no reader uses it, before the library unmaps it.
#define _GNU_SOURCE
#include <features.h>
#if defined(__linux__)
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "_cgo_export.h"
#include "fastread.h"

// The header of a ring: core's ringHdr, field for field.
struct gossh_ring {
    _Atomic uint64_t head;
    _Atomic uint64_t tail;
    _Atomic uint32_t seq;
    _Atomic uint32_t waiters;
    _Atomic uint32_t slow;
    _Atomic uint32_t lock;
    _Atomic uint32_t refs;
    _Atomic uint32_t dead;
    uint32_t size;
    uint32_t pad;
};
_Static_assert(sizeof(struct gossh_ring) == 48, "core's ringHdr is 48 bytes");

#define RING_HDR_SIZE 64 // core's ringHdrSize
#define SLOW_EMPTY 1u    // core's ringSlowEmpty
#define SLOW_ALWAYS 2u   // core's ringSlowAlways

struct node {
    struct node *next;
    uintptr_t ch;
    int stream;
    struct gossh_ring *ring;
};

#define BUCKETS 4096
static struct node *table[BUCKETS];
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned bucket(uintptr_t ch, int stream) {
    return (unsigned)((ch * 2u + (uintptr_t)stream) * 0x9E3779B1u) % BUCKETS;
}

void gosshi_ring_share(uintptr_t ch, int stream, void *ring) {
    struct node *n = malloc(sizeof *n);
    if (n == NULL) return; // the reader keeps calling into Go: slower, not wrong
    n->ch = ch;
    n->stream = stream;
    n->ring = ring;
    unsigned b = bucket(ch, stream);
    pthread_mutex_lock(&table_mu);
    n->next = table[b];
    table[b] = n;
    pthread_mutex_unlock(&table_mu);
}

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts) {
    return syscall(SYS_futex, (uint32_t *)addr, op | FUTEX_PRIVATE_FLAG, val, ts, NULL, 0);
}

void gosshi_ring_retire(void *ring) {
    struct gossh_ring *r = ring;
    pthread_mutex_lock(&table_mu);
    for (unsigned b = 0; b < BUCKETS; b++) {
        for (struct node **p = &table[b]; *p != NULL;) {
            if ((*p)->ring == r) {
                struct node *gone = *p;
                *p = gone->next;
                free(gone);
            } else {
                p = &(*p)->next;
            }
        }
    }
    pthread_mutex_unlock(&table_mu);
    atomic_store(&r->dead, 1);
    atomic_fetch_add(&r->seq, 1);
    futex(&r->seq, FUTEX_WAKE, INT_MAX, NULL);
    while (atomic_load(&r->refs) != 0) sched_yield();
}

// find returns the ring of ch's stream with a reference taken, or NULL.
static struct gossh_ring *find(uintptr_t ch, int stream) {
    struct gossh_ring *r = NULL;
    pthread_mutex_lock(&table_mu);
    for (struct node *n = table[bucket(ch, stream)]; n != NULL; n = n->next) {
        if (n->ch == ch && n->stream == stream) {
            r = n->ring;
            atomic_fetch_add(&r->refs, 1);
            break;
        }
    }
    pthread_mutex_unlock(&table_mu);
    return r;
}

// take copies up to cap bytes out of the ring (under its consumer lock).
static size_t take(struct gossh_ring *r, unsigned char *buf, size_t cap) {
    uint32_t unlocked = 0;
    while (!atomic_compare_exchange_weak(&r->lock, &unlocked, 1)) {
        unlocked = 0;
        sched_yield();
    }
    uint64_t tail = atomic_load(&r->tail);
    uint64_t avail = atomic_load(&r->head) - tail;
    size_t n = avail < cap ? (size_t)avail : cap;
    if (n > 0) {
        const unsigned char *data = (const unsigned char *)r + RING_HDR_SIZE;
        uint64_t mask = r->size - 1;
        size_t off = (size_t)(tail & mask);
        size_t k = r->size - off < n ? r->size - off : n;
        memcpy(buf, data + off, k);
        memcpy(buf + k, data, n - k);
        atomic_store(&r->tail, tail + n);
    }
    atomic_store(&r->lock, 0);
    return n;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// fast reads from r what it can without the library: the bytes read, or 0
// when the library must answer (*timeout_ms then holds what is left of the
// wait: a wait that ran out leaves 0, so the library reports the timeout).
static size_t fast(struct gossh_ring *r, unsigned char *buf, size_t cap, int *timeout_ms) {
    int64_t end = *timeout_ms > 0 ? now_ns() + (int64_t)*timeout_ms * 1000000 : 0;
    for (;;) {
        uint32_t seq = atomic_load(&r->seq);
        uint32_t slow = atomic_load(&r->slow);
        if (atomic_load(&r->dead) || (slow & SLOW_ALWAYS)) return 0;
        size_t n = take(r, buf, cap);
        if (n > 0) return n;
        if (slow != 0 || *timeout_ms == 0) return 0;
        struct timespec ts, *tsp = NULL;
        if (end != 0) {
            int64_t left = end - now_ns();
            if (left <= 0) {
                *timeout_ms = 0;
                return 0;
            }
            ts.tv_sec = left / 1000000000;
            ts.tv_nsec = left % 1000000000;
            tsp = &ts;
        }
        // The drain bumps seq after publishing and then looks at waiters:
        // counted in before the wait, a change after the load of seq
        // either fails the wait at once (seq moved) or wakes it.
        atomic_fetch_add(&r->waiters, 1);
        futex(&r->seq, FUTEX_WAIT, seq, tsp);
        atomic_fetch_sub(&r->waiters, 1);
        if (end != 0) {
            int64_t left = end - now_ns();
            *timeout_ms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
        }
    }
}

int gossh_channel_read(uintptr_t ch, int stream, void *buf, size_t cap, int timeout_ms,
                       size_t *nread, uintptr_t *err) {
    if (buf != NULL && nread != NULL && cap > 0 && timeout_ms >= -1) {
        struct gossh_ring *r = find(ch, stream);
        if (r != NULL) {
            size_t n = fast(r, buf, cap, &timeout_ms);
            atomic_fetch_sub(&r->refs, 1);
            if (n > 0) {
                *nread = n;
                if (err != NULL) *err = 0;
                return 0;
            }
        }
    }
    return gosshi_channel_read(ch, stream, buf, cap, timeout_ms, nread, err);
}

// gossh_channel_read_any takes what the rings hold, stdout's first, and
// calls in for everything else: a stream without a ring, stdout's ring
// empty while the library has something to say of stdout (stdout comes
// first), both empty (the library waits, arms, reports the end).
int gossh_channel_read_any(uintptr_t ch, void *buf, size_t cap, int timeout_ms, int *stream,
                           size_t *nread, uintptr_t *err) {
    if (buf != NULL && nread != NULL && stream != NULL && cap > 0 && timeout_ms >= -1) {
        for (int i = 0; i < 2; i++) {
            struct gossh_ring *r = find(ch, i);
            if (r == NULL) break;
            uint32_t slow = atomic_load(&r->slow);
            size_t n = 0;
            if (!(slow & SLOW_ALWAYS) && !atomic_load(&r->dead)) n = take(r, buf, cap);
            atomic_fetch_sub(&r->refs, 1);
            if (n > 0) {
                *nread = n;
                *stream = i;
                if (err != NULL) *err = 0;
                return 0;
            }
            if (slow != 0) break;
        }
    }
    return gosshi_channel_read_any(ch, buf, cap, timeout_ms, stream, nread, err);
}
#else
#include <stdint.h>
#include <stddef.h>

#include "_cgo_export.h"
#include "fastread.h"

// Elsewhere the library makes no rings (core/ring_other.go): every read
// calls in.
void gosshi_ring_share(uintptr_t ch, int stream, void *ring) { (void)ch, (void)stream, (void)ring; }
void gosshi_ring_retire(void *ring) { (void)ring; }

int gossh_channel_read(uintptr_t ch, int stream, void *buf, size_t cap, int timeout_ms,
                       size_t *nread, uintptr_t *err) {
    return gosshi_channel_read(ch, stream, buf, cap, timeout_ms, nread, err);
}

int gossh_channel_read_any(uintptr_t ch, void *buf, size_t cap, int timeout_ms, int *stream,
                           size_t *nread, uintptr_t *err) {
    return gosshi_channel_read_any(ch, buf, cap, timeout_ms, stream, nread, err);
}
#endif
