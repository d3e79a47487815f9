/*
 * test_read_ring.c — gossh_channel_read's path without Go (capi/fastread.c,
 * core/ring_linux.go): once a stream has carried 64 KiB, C readers copy
 * from its read ring and wait on its futex. Against the real sshd that
 * testenv/with-sshd.sh starts, each case many times: the bytes and their
 * order (two streams read at once, random sizes and timeouts; both through
 * gossh_channel_read_any, which takes from the rings too), a stream read
 * to its end while the other's drain is paused, a free or a close while a
 * reader waits in the ring, timeouts, and fileno's readiness after ring reads.
 */
#define _GNU_SOURCE
#include "check.h"

#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static gossh_client *connected(void) {
    gossh_options *o = test_options("id_ed25519");
    gossh_client *c = test_client();
    gossh_error *e = NULL;
    int rc = gossh_client_connect(c, o, &e);
    CHECK(rc == 0, "connect: %d %s", rc, msg(e));
    gossh_error_free(e);
    gossh_options_free(o);
    if (rc != 0) {
        gossh_client_free(c);
        return NULL;
    }
    return c;
}

static gossh_channel *run(gossh_client *c, const char *cmd) {
    gossh_channel *ch = NULL;
    gossh_error *e = NULL;
    int rc = gossh_client_exec(c, cmd, 20000, &ch, &e);
    CHECK(rc == 0, "exec %s: %d %s", cmd, rc, msg(e));
    gossh_error_free(e);
    return rc == 0 ? ch : NULL;
}

/* The output of `seq 1 n`, in a buffer the caller frees. */
static char *seq_text(int n, size_t *len) {
    size_t cap = (size_t)n * 8 + 16, l = 0;
    char *s = malloc(cap);
    for (int i = 1; i <= n; i++) l += (size_t)snprintf(s + l, cap - l, "%d\n", i);
    *len = l;
    return s;
}

static unsigned next_rand(unsigned *state) {
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

/* One stream read to its end: random capacities and timeouts, a timeout
 * retried. got receives the bytes; rc is the first error's code. */
struct reader {
    gossh_channel *ch;
    int stream;
    unsigned seed;
    char *got;
    size_t cap, len;
    int rc, timeouts;
    char err[256];
};

static void *read_to_end(void *arg) {
    struct reader *r = arg;
    static const int timeouts[] = {-1, 0, 3, 50};
    for (;;) {
        size_t want = 1 + next_rand(&r->seed) % 200000;
        if (want > r->cap - r->len) want = r->cap - r->len;
        if (want == 0) want = 1; /* more than expected: the check below says so */
        char tmp[1];
        char *dst = r->len < r->cap ? r->got + r->len : tmp;
        size_t n = 0;
        gossh_error *e = NULL;
        int rc = gossh_channel_read(r->ch, r->stream, dst, r->len < r->cap ? want : 1,
                                    timeouts[next_rand(&r->seed) % 4], &n, &e);
        if (rc == GOSSH_E_TIMEOUT) {
            r->timeouts++;
            if (n != 0) snprintf(r->err, sizeof r->err, "timeout with %zu bytes", n);
            gossh_error_free(e);
            continue;
        }
        if (rc != 0) {
            r->rc = rc;
            snprintf(r->err, sizeof r->err, "%s", msg(e));
            gossh_error_free(e);
            return NULL;
        }
        if (n == 0) return NULL;
        if (r->len >= r->cap) {
            r->rc = -100;
            snprintf(r->err, sizeof r->err, "more bytes than sent");
            return NULL;
        }
        r->len += n;
    }
}

/* Both streams at once from two threads, every byte compared. */
static void test_two_streams(gossh_client *c) {
    size_t olen, elen;
    char *out = seq_text(300000, &olen), *err = seq_text(150000, &elen);
    unsigned seed = 7;
    for (int round = 0; round < 20; round++) {
        gossh_channel *ch = run(c, "seq 1 300000 & seq 1 150000 >&2; wait");
        if (!ch) break;
        struct reader ro = {ch, GOSSH_STREAM_STDOUT, next_rand(&seed), malloc(olen), olen, 0, 0, 0, ""};
        struct reader re = {ch, GOSSH_STREAM_STDERR, next_rand(&seed), malloc(elen), elen, 0, 0, 0, ""};
        pthread_t to, te;
        pthread_create(&to, NULL, read_to_end, &ro);
        pthread_create(&te, NULL, read_to_end, &re);
        pthread_join(to, NULL);
        pthread_join(te, NULL);
        CHECK(ro.rc == 0 && ro.len == olen && memcmp(ro.got, out, olen) == 0,
              "round %d stdout: rc %d (%s), %zu of %zu bytes, %s", round, ro.rc, ro.err, ro.len,
              olen, ro.len == olen && memcmp(ro.got, out, olen) == 0 ? "same" : "different");
        CHECK(re.rc == 0 && re.len == elen && memcmp(re.got, err, elen) == 0,
              "round %d stderr: rc %d (%s), %zu of %zu bytes", round, re.rc, re.err, re.len, elen);
        CHECK(ro.err[0] == 0 || ro.rc != 0, "round %d: %s", round, ro.err);
        free(ro.got);
        free(re.got);
        gossh_channel_free(ch);
    }
    free(out);
    free(err);
}

/* Both streams through gossh_channel_read_any from one thread (random
 * sizes, timeouts 0 and -1), split by the stream it names, every byte
 * compared. */
static void test_read_any(gossh_client *c) {
    size_t olen, elen;
    char *out = seq_text(300000, &olen), *err = seq_text(150000, &elen);
    unsigned seed = 11;
    char *buf = malloc(200000);
    for (int round = 0; round < 10; round++) {
        gossh_channel *ch = run(c, "seq 1 300000 & seq 1 150000 >&2; wait");
        if (!ch) break;
        char *got[2] = {malloc(olen + 1), malloc(elen + 1)};
        size_t len[2] = {0, 0}, cap[2] = {olen, elen};
        int rc = 0, bad = 0;
        for (;;) {
            size_t n = 0;
            int stream = -2;
            gossh_error *e = NULL;
            rc = gossh_channel_read_any(ch, buf, 1 + next_rand(&seed) % 200000, next_rand(&seed) % 2 ? -1 : 0,
                                        &stream, &n, &e);
            gossh_error_free(e);
            if (rc == GOSSH_E_TIMEOUT) continue;
            if (rc != 0 || (n == 0 && stream == -1)) break;
            if (stream < 0 || stream > 1 || n == 0 || len[stream] + n > cap[stream]) {
                bad = 1;
                break;
            }
            memcpy(got[stream] + len[stream], buf, n);
            len[stream] += n;
        }
        CHECK(rc == 0 && !bad && len[0] == olen && len[1] == elen && memcmp(got[0], out, olen) == 0 &&
                  memcmp(got[1], err, elen) == 0,
              "round %d: rc %d, bad %d, stdout %zu of %zu, stderr %zu of %zu", round, rc, bad, len[0], olen, len[1],
              elen);
        free(got[0]);
        free(got[1]);
        gossh_channel_free(ch);
    }
    free(buf);
    free(out);
    free(err);
}

/* Reads stream to its end with blocking reads; returns the count, or -1. */
static long drain_stream(gossh_channel *ch, int stream, size_t bufsize) {
    char *buf = malloc(bufsize);
    long total = 0;
    for (;;) {
        size_t n = 0;
        gossh_error *e = NULL;
        int rc = gossh_channel_read(ch, stream, buf, bufsize, 30000, &n, &e);
        if (rc != 0) {
            printf("read stream %d after %ld bytes: %d %s\n", stream, total, rc, msg(e));
            gossh_error_free(e);
            total = -1;
            break;
        }
        if (n == 0) break;
        total += (long)n;
    }
    free(buf);
    return total;
}

/* stdout read to its end first while 12 MB of stderr wait unread: stderr's
 * drain pauses at its high-water mark, and must go on once the stdout
 * reader, waiting in the ring, wants more. */
static void test_paused_other_stream(gossh_client *c) {
    for (int round = 0; round < 8; round++) {
        gossh_channel *ch =
            run(c, "head -c 200000 /dev/zero; head -c 12000000 /dev/zero >&2; head -c 300000 /dev/zero");
        if (!ch) break;
        long out = drain_stream(ch, GOSSH_STREAM_STDOUT, 65536);
        long err = drain_stream(ch, GOSSH_STREAM_STDERR, 1 << 20);
        CHECK(out == 500000 && err == 12000000, "round %d: stdout %ld, stderr %ld", round, out, err);
        gossh_channel_free(ch);
    }
}

/* A reader waiting in the ring (after 1 MB, the command sleeps). */
struct waiter {
    gossh_channel *ch;
    long got;
    int rc;
    volatile int done;
};

static void *wait_in_ring(void *arg) {
    struct waiter *w = arg;
    char buf[65536];
    for (;;) {
        size_t n = 0;
        gossh_error *e = NULL;
        int rc = gossh_channel_read(w->ch, GOSSH_STREAM_STDOUT, buf, sizeof buf, -1, &n, &e);
        gossh_error_free(e);
        if (rc != 0 || n == 0) {
            w->rc = rc;
            break;
        }
        __atomic_add_fetch(&w->got, (long)n, __ATOMIC_SEQ_CST);
    }
    w->done = 1;
    return NULL;
}

/* Waits up to 10 s for the thread; reports whether it ended. */
static int joined(pthread_t t) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

/* Free (or close) a channel while another thread waits in its ring: the
 * reader returns (an error, never the clean end), nothing hangs or faults. */
static void test_end_while_waiting(gossh_client *c, int do_free) {
    for (int round = 0; round < 30; round++) {
        gossh_channel *ch = run(c, "head -c 1000000 /dev/zero; sleep 30");
        if (!ch) break;
        struct waiter w = {ch, 0, 1, 0};
        pthread_t t;
        pthread_create(&t, NULL, wait_in_ring, &w);
        /* All of it, then the reader waits: a wake the library held back
         * and lost (a bulk run's batching) leaves it short until the
         * command's sleep ends. */
        for (int i = 0; i < 20000 && __atomic_load_n(&w.got, __ATOMIC_SEQ_CST) < 1000000; i++) usleep(1000);
        CHECK(__atomic_load_n(&w.got, __ATOMIC_SEQ_CST) == 1000000, "%s round %d: %ld of 1000000 bytes after 20 s",
              do_free ? "free" : "close", round, __atomic_load_n(&w.got, __ATOMIC_SEQ_CST));
        usleep((useconds_t)(round % 5) * 2000); /* the reader is in its wait, or about to be */
        if (do_free) {
            gossh_channel_free(ch);
        } else {
            gossh_channel_close(ch, NULL);
        }
        int ended = joined(t);
        CHECK(ended, "%s round %d: the reader still waits after 10 s", do_free ? "free" : "close", round);
        if (!ended) return; /* the thread holds the channel: stop here */
        CHECK(w.got == 1000000, "%s round %d: got %ld of 1000000 bytes", do_free ? "free" : "close", round, w.got);
        if (do_free) {
            CHECK(w.rc == GOSSH_E_BADHANDLE || w.rc == GOSSH_E_CLOSED, "free round %d: rc %d", round, w.rc);
        } else {
            CHECK(w.rc == GOSSH_E_CLOSED, "close round %d: rc %d", round, w.rc);
            gossh_channel_free(ch);
        }
    }
}

/* A timed wait in the ring ends in GOSSH_E_TIMEOUT with nothing read; the
 * data after it is read in full. */
static void test_timeouts(gossh_client *c) {
    for (int round = 0; round < 10; round++) {
        gossh_channel *ch = run(c, "head -c 1000000 /dev/zero; sleep 0.3; echo tail");
        if (!ch) break;
        char buf[65536];
        long got = 0;
        int rc = 0;
        while (got < 1000000) {
            size_t n = 0;
            rc = gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, sizeof buf, 20000, &n, NULL);
            if (rc != 0 || n == 0) break;
            got += (long)n;
        }
        CHECK(got == 1000000 && rc == 0, "round %d: %ld bytes, rc %d", round, got, rc);
        for (int tmo = 0; tmo <= 20; tmo += 20) {
            size_t n = 99;
            gossh_error *e = NULL;
            rc = gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, sizeof buf, tmo, &n, &e);
            CHECK(rc == GOSSH_E_TIMEOUT && n == 0 && e != NULL, "round %d, timeout %d: rc %d, n %zu", round, tmo,
                  rc, n);
            gossh_error_free(e);
        }
        size_t n = 0, len = 0;
        while ((rc = gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf + len, sizeof buf - len, 20000, &n, NULL)) ==
                   0 &&
               n > 0)
            len += n;
        CHECK(rc == 0 && len == 5 && memcmp(buf, "tail\n", 5) == 0, "round %d: tail rc %d, %zu bytes", round, rc,
              len);
        gossh_channel_free(ch);
    }
}

/* fileno asked for after ring reads: its readiness follows the reads. */
static void test_fileno_after_ring(gossh_client *c) {
    for (int round = 0; round < 5; round++) {
        gossh_channel *ch = run(c, "head -c 1000000 /dev/zero; sleep 0.3; echo more; sleep 30");
        if (!ch) break;
        char buf[65536];
        long got = 0;
        while (got < 1000000) {
            size_t n = 0;
            if (gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, sizeof buf, 20000, &n, NULL) != 0 || n == 0) break;
            got += (long)n;
        }
        int fd = -1;
        CHECK(gossh_channel_fileno(ch, &fd, NULL) == 0 && fd >= 0, "round %d: fileno", round);
        struct pollfd p = {fd, POLLIN, 0};
        CHECK(got == 1000000 && poll(&p, 1, 0) == 0, "round %d: readable with nothing to read (%ld bytes)", round,
              got);
        CHECK(poll(&p, 1, 10000) == 1, "round %d: not readable when data came", round);
        size_t n = 0;
        int rc = gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, sizeof buf, 0, &n, NULL);
        CHECK(rc == 0 && n == 5 && memcmp(buf, "more\n", 5) == 0, "round %d: rc %d, %zu bytes", round, rc, n);
        CHECK(poll(&p, 1, 0) == 0, "round %d: still readable after the read", round);
        gossh_channel_free(ch);
    }
}

int main(void) {
    test_server_from_env();
    gossh_client *c = connected();
    if (!c) return summary("test_read_ring");
    test_two_streams(c);
    test_read_any(c);
    test_paused_other_stream(c);
    test_end_while_waiting(c, 1);
    test_end_while_waiting(c, 0);
    test_timeouts(c);
    test_fileno_after_ring(c);
    gossh_client_free(c);
    return summary("test_read_ring");
}
