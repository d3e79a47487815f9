/*
 * test_events.c — the readiness event pipe (gossh_events_fd,
 * gossh_channel_watch, gossh_client_watch_forwards, the _pending opens)
 * against the real sshd
 * that testenv/with-sshd.sh starts: an event loop that waits only in poll()
 * on the pipe and makes only calls with timeout 0.
 */
#define _DEFAULT_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static gossh_client *connect_client(void) {
    gossh_options *o = test_options("id_ed25519");
    gossh_client *c = test_client();
    gossh_error *err = NULL;
    int rc = gossh_client_connect(c, o, &err);
    CHECK(rc == 0, "connect: %d %s", rc, msg(err));
    gossh_error_free(err);
    gossh_options_free(o);
    return c;
}

static int efd = -1;

/* Waits up to ms in poll() for records and reads them into recs (at most
 * max); returns how many. Fails a check if a read is not whole records. */
static int wait_records(uint64_t *recs, int max, int ms) {
    struct pollfd p = {efd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) return 0;
    ssize_t n = read(efd, recs, (size_t)max * sizeof *recs);
    if (n <= 0) return 0;
    CHECK(n % 8 == 0, "a read of the pipe returned %zd bytes: whole records only", n);
    return (int)(n / 8);
}

/* No flood: every record is paid for by one call that returned
 * GOSSH_E_TIMEOUT (an arming), so one read holds at most arms + 1 records
 * for a handle (+1: an arming before the previous read, unfired then).
 * Resets *arms. */
static void check_flood(const uint64_t *recs, int k, const void *handle, int *arms) {
    if (k == 0) return; /* nothing read: no "previous read" to count from */
    int n = 0;
    for (int i = 0; i < k; i++) n += recs[i] == (uint64_t)(uintptr_t)handle;
    if (n > *arms + 1) CHECK(0, "%d records for one handle after %d armings: a flood", n, *arms);
    *arms = 0;
}

static void test_fd_and_bad_input(void) {
    gossh_error *err = NULL;
    CHECK(gossh_events_fd(NULL, &err) == GOSSH_E_INVALID && err, "events_fd(NULL) is INVALID");
    gossh_error_free(err);
    int fd = -1, again = -2;
    CHECK(gossh_events_fd(&fd, NULL) == 0 && fd >= 0, "events_fd gives a descriptor (%d)", fd);
    CHECK(gossh_events_fd(&again, NULL) == 0 && again == fd, "the same one each time (%d, %d)", fd, again);
    int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
    CHECK(fl >= 0 && (fl & O_NONBLOCK), "it is non-blocking");
    CHECK(fdfl >= 0 && (fdfl & FD_CLOEXEC), "it is close-on-exec");
    CHECK((fl & O_ACCMODE) == O_RDONLY, "it is a read end");
    char b[8];
    CHECK(read(fd, b, sizeof b) < 0, "nothing to read before anything is watched");
    efd = fd;
    CHECK(gossh_channel_watch(NULL, NULL) == GOSSH_E_INVALID, "watch(NULL) is INVALID");
    CHECK(gossh_channel_watch((gossh_channel *)(uintptr_t)0x7fffffff, NULL) == GOSSH_E_BADHANDLE,
          "watch of a garbage handle is BADHANDLE");
    CHECK(gossh_client_watch_forwards(NULL, NULL) == GOSSH_E_INVALID, "watch_forwards(NULL) is INVALID");
}

#define NCH 16

struct job {
    gossh_channel *ch;
    char *out, *errout;
    size_t outlen, errlen;
    int ended, have_status, status;
    int arms; /* calls that returned GOSSH_E_TIMEOUT since the last read of the pipe */
};

/* One step of the event loop for a job: read both streams until
 * GOSSH_E_TIMEOUT (which arms), then the exit status once they ended. */
static void step(struct job *j, char *buf, size_t cap) {
    while (!j->ended) {
        int stream = -2;
        size_t n = 0;
        int rc = gossh_channel_read_any(j->ch, buf, cap, 0, &stream, &n, NULL);
        if (rc == GOSSH_E_TIMEOUT) { j->arms++; break; }
        if (rc != 0) { CHECK(0, "read_any: %d", rc); j->ended = 1; break; }
        if (stream < 0) { j->ended = 1; break; }
        char **dst = stream == 0 ? &j->out : &j->errout;
        size_t *len = stream == 0 ? &j->outlen : &j->errlen;
        *dst = realloc(*dst, *len + n + 1);
        memcpy(*dst + *len, buf, n);
        *len += n;
        (*dst)[*len] = 0;
    }
    if (j->ended && !j->have_status) {
        int rc = gossh_channel_exit_status(j->ch, 0, &j->status, NULL);
        if (rc == 0) j->have_status = 1;
        else if (rc == GOSSH_E_TIMEOUT) j->arms++;
        else { CHECK(0, "exit_status: %d", rc); j->have_status = 1; }
    }
}

static void test_channels_driven_by_poll(gossh_client *c) {
    struct job jobs[NCH];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < NCH; i++) {
        char cmd[256];
        snprintf(cmd, sizeof cmd,
                 "for i in $(seq %d); do echo out$i; [ $((i %% 50)) = 0 ] && sleep 0.0%d; done; "
                 "echo err%d >&2; sleep 0.%d; exit %d", 100 + 10 * i, i % 10, i, i % 4, i % 6);
        int rc = gossh_client_exec(c, cmd, 10000, &jobs[i].ch, NULL);
        CHECK(rc == 0, "exec %d: %d", i, rc);
        CHECK(gossh_channel_watch(jobs[i].ch, NULL) == 0, "watch %d", i);
        CHECK(gossh_channel_watch(jobs[i].ch, NULL) == 0, "watch %d again is a no-op", i);
    }
    static char buf[256 << 10];
    for (int i = 0; i < NCH; i++) step(&jobs[i], buf, sizeof buf); /* the first drain arms */
    double deadline = now() + 60;
    int records = 0, done = 0;
    while (done < NCH && now() < deadline) {
        uint64_t recs[64];
        int k = wait_records(recs, 64, 1000);
        for (int i = 0; i < NCH; i++) check_flood(recs, k, jobs[i].ch, &jobs[i].arms);
        for (int r = 0; r < k; r++) {
            records++;
            for (int i = 0; i < NCH; i++)
                if (recs[r] == (uint64_t)(uintptr_t)jobs[i].ch) step(&jobs[i], buf, sizeof buf);
        }
        done = 0;
        for (int i = 0; i < NCH; i++) done += jobs[i].have_status;
    }
    CHECK(done == NCH, "every channel finished through poll() and timeout-0 calls (%d of %d)", done, NCH);
    int good = 0;
    for (int i = 0; i < NCH; i++) {
        size_t want = 0;
        int lines = 100 + 10 * i;
        for (int l = 1; l <= lines; l++) want += (size_t)snprintf(NULL, 0, "out%d\n", l);
        char werr[32];
        snprintf(werr, sizeof werr, "err%d\n", i);
        int ok = jobs[i].outlen == want && jobs[i].errout && strcmp(jobs[i].errout, werr) == 0 &&
                 jobs[i].status == i % 6 && jobs[i].out && strncmp(jobs[i].out, "out1\nout2\n", 10) == 0;
        if (!ok)
            printf("channel %d: %zu of %zu bytes, stderr %s, status %d\n", i, jobs[i].outlen, want,
                   jobs[i].errout ? jobs[i].errout : "(none)", jobs[i].status);
        good += ok;
        free(jobs[i].out);
        free(jobs[i].errout);
        gossh_channel_free(jobs[i].ch);
    }
    CHECK(good == NCH, "every output and exit status is right (%d of %d), %d records", good, NCH, records);
}

/* 8 MiB through cat with writes of timeout 0 that continue on the next
 * record, a flush (0-byte write), the EOF, and the echo read the same way. */
static void test_write_driven_by_poll(gossh_client *c) {
    gossh_channel *ch = NULL;
    CHECK(gossh_client_exec(c, "cat", 10000, &ch, NULL) == 0, "exec cat");
    CHECK(gossh_channel_watch(ch, NULL) == 0, "watch cat");
    size_t len = 8u << 20, off = 0, got = 0;
    unsigned char *data = malloc(len), *echo = malloc(len);
    for (size_t i = 0; i < len; i++) data[i] = (unsigned char)(i * 31 + (i >> 13));
    static char buf[256 << 10];
    int flushed = 0, eof = 0, ended = 0, timeouts = 0, bad = 0, arms = 0;
    double deadline = now() + 60;
    while (!ended && !bad && now() < deadline) {
        while (off < len) {
            size_t w = 0, chunk = len - off < (1u << 20) ? len - off : (1u << 20);
            int rc = gossh_channel_write(ch, data + off, chunk, 0, &w, NULL);
            off += w;
            if (rc == GOSSH_E_TIMEOUT) { timeouts++; arms++; break; }
            if (rc != 0) { CHECK(0, "write: %d", rc); bad = 1; break; }
        }
        if (off == len && !flushed) {
            int rc = gossh_channel_write(ch, NULL, 0, 0, NULL, NULL);
            if (rc == 0) flushed = 1;
            else if (rc == GOSSH_E_TIMEOUT) arms++;
            else { CHECK(0, "flush: %d", rc); bad = 1; }
        }
        if (flushed && !eof) {
            double t0 = now();
            CHECK(gossh_channel_send_eof(ch, NULL) == 0, "send_eof");
            CHECK(now() - t0 < 0.5, "send_eof after a flush does not wait (%.3fs)", now() - t0);
            eof = 1;
        }
        for (;;) {
            size_t n = 0;
            int rc = gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, sizeof buf, 0, &n, NULL);
            if (rc == GOSSH_E_TIMEOUT) { arms++; break; }
            if (rc != 0) { CHECK(0, "read: %d", rc); bad = 1; break; }
            if (n == 0) { ended = 1; break; }
            if (got + n > len) { CHECK(0, "cat echoed more than was written"); bad = 1; break; }
            memcpy(echo + got, buf, n);
            got += n;
        }
        if (ended || bad) break;
        uint64_t recs[64];
        int k = wait_records(recs, 64, 1000);
        check_flood(recs, k, ch, &arms);
    }
    CHECK(ended && got == len && memcmp(data, echo, len) == 0,
          "8 MiB round-trip through cat driven by records: %zu of %zu bytes, %d write timeouts", got, len, timeouts);
    free(data);
    free(echo);
    gossh_channel_free(ch);
}

/* A client watched for forwards: a record when a connection arrives. */
static void test_forward_accept_driven_by_poll(gossh_client *c) {
    int bound = 0;
    CHECK(gossh_client_request_port_forward(c, "127.0.0.1", 0, &bound, NULL) == 0 && bound > 0,
          "remote forwarding on port %d", bound);
    CHECK(gossh_client_watch_forwards(c, NULL) == 0, "watch forwards");
    gossh_channel *fch = NULL;
    CHECK(gossh_client_accept_forward(c, 0, &fch, NULL) == GOSSH_E_TIMEOUT, "nothing to accept yet (arms)");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)bound);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(s, (struct sockaddr *)&a, sizeof a) == 0, "connect to the forwarded port");
    int seen = 0;
    double deadline = now() + 10;
    while (!seen && now() < deadline) {
        uint64_t recs[64];
        int k = wait_records(recs, 64, 1000);
        for (int r = 0; r < k; r++) seen |= recs[r] == (uint64_t)(uintptr_t)c;
    }
    CHECK(seen, "a record with the client's handle when the connection arrived");
    CHECK(gossh_client_accept_forward(c, 0, &fch, NULL) == 0 && fch, "the accept then succeeds at once");
    gossh_channel_free(fch);
    close(s);
}

/* Opening in the background: NP session starts and direct-tcpip opens run
 * at once through the _pending calls, finished only through records and
 * gossh_pending_take; some are refused (an unknown subsystem, a closed
 * port) and must say so; one is freed before it finishes and must write no
 * record. Repeated rounds, since the record and the take race the open. */
#define NP 24
static void test_pending_opens(gossh_client *c) {
    gossh_error *err = NULL;
    gossh_pending *p = NULL;
    gossh_session_spec *spec = NULL;
    CHECK(gossh_session_spec_new(&spec, NULL) == 0, "spec_new");
    CHECK(gossh_client_start_pending(c, spec, NULL, &err) == GOSSH_E_INVALID && err, "start_pending out NULL");
    gossh_error_free(err);
    err = NULL;
    CHECK(gossh_client_start_pending(c, NULL, &p, &err) == GOSSH_E_INVALID && !p, "start_pending spec NULL");
    gossh_error_free(err);
    err = NULL;
    CHECK(gossh_client_open_direct_tcpip_pending(c, "127.0.0.1", 9, NULL, 0, -2, &p, &err) == GOSSH_E_INVALID && !p,
          "open_direct_tcpip_pending timeout -2");
    gossh_error_free(err);
    err = NULL;
    CHECK(gossh_client_open_direct_tcpip_pending(c, NULL, 9, NULL, 0, -1, &p, &err) == GOSSH_E_INVALID && !p,
          "open_direct_tcpip_pending dest NULL");
    gossh_error_free(err);
    err = NULL;
    gossh_channel *ch = NULL;
    int done = -1;
    CHECK(gossh_pending_take(NULL, &done, &ch, NULL) == GOSSH_E_INVALID, "take(NULL)");
    gossh_pending_free(NULL);
    gossh_session_spec_free(spec);

    /* A port nothing listens on, for refused direct-tcpip opens. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    CHECK(bind(s, (struct sockaddr *)&a, al) == 0 && getsockname(s, (struct sockaddr *)&a, &al) == 0, "bind");
    int closed_port = ntohs(a.sin_port);
    close(s);

    for (int round = 0; round < 5; round++) {
        gossh_pending *ps[NP];
        int kind[NP]; /* 0: echo, 1: unknown subsystem, 2: direct-tcpip to a closed port */
        int seen[NP];
        for (int i = 0; i < NP; i++) {
            kind[i] = i % 6 == 5 ? 1 : i % 6 == 4 ? 2 : 0;
            seen[i] = 0;
            int rc;
            ps[i] = NULL;
            if (kind[i] == 2) {
                rc = gossh_client_open_direct_tcpip_pending(c, "127.0.0.1", closed_port, NULL, 0, 10000, &ps[i], &err);
            } else {
                gossh_session_spec *sp = NULL;
                gossh_session_spec_new(&sp, NULL);
                char cmd[64];
                snprintf(cmd, sizeof cmd, "echo p%d", i);
                if (kind[i] == 1) gossh_session_spec_set(sp, "subsystem", "no-such-subsystem", NULL);
                else gossh_session_spec_set(sp, "command", cmd, NULL);
                rc = gossh_client_start_pending(c, sp, &ps[i], &err);
                gossh_session_spec_free(sp); /* copied by the call */
            }
            CHECK(rc == 0 && ps[i], "round %d: pending %d started: %d %s", round, i, rc, msg(err));
            gossh_error_free(err);
            err = NULL;
        }
        /* One more, freed at once: it must never write a record. */
        gossh_session_spec *sp = NULL;
        gossh_session_spec_new(&sp, NULL);
        gossh_session_spec_set(sp, "command", "true", NULL);
        gossh_pending *dropped = NULL;
        CHECK(gossh_client_start_pending(c, sp, &dropped, NULL) == 0, "round %d: the dropped one started", round);
        gossh_session_spec_free(sp);
        uint64_t dropped_rec = (uint64_t)(uintptr_t)dropped;
        gossh_pending_free(dropped);

        int done = 0;
        double deadline = now() + 30;
        while (done < NP && now() < deadline) {
            uint64_t recs[64];
            int k = wait_records(recs, 64, 1000);
            for (int r = 0; r < k; r++) {
                CHECK(recs[r] != dropped_rec, "round %d: a record for a freed pending", round);
                for (int i = 0; i < NP; i++) {
                    if (recs[r] != (uint64_t)(uintptr_t)ps[i]) continue;
                    CHECK(!seen[i], "round %d: a second record for pending %d", round, i);
                    seen[i] = 1;
                    done++;
                    gossh_channel *got = NULL;
                    int fin = -1;
                    int rc = gossh_pending_take(ps[i], &fin, &got, &err);
                    CHECK(fin == 1, "round %d: pending %d is done when its record comes", round, i);
                    if (kind[i] == 0) {
                        CHECK(rc == 0 && got, "round %d: start %d: %d %s", round, i, rc, msg(err));
                        char buf[64], want[64];
                        size_t n = 0, len = 0;
                        while (len < sizeof buf - 1 &&
                               gossh_channel_read(got, GOSSH_STREAM_STDOUT, buf + len, sizeof buf - 1 - len, 10000,
                                                  &n, NULL) == 0 && n > 0)
                            len += n;
                        buf[len] = 0;
                        snprintf(want, sizeof want, "p%d\n", i);
                        int status = -9;
                        CHECK(gossh_channel_exit_status(got, 10000, &status, NULL) == 0 && status == 0,
                              "round %d: exit status of %d: %d", round, i, status);
                        CHECK(strcmp(buf, want) == 0, "round %d: output of %d: %s", round, i, buf);
                    } else {
                        CHECK(rc == GOSSH_E_CHANNEL && !got && gossh_error_code(err) == GOSSH_E_CHANNEL,
                              "round %d: refused open %d (kind %d) says so: %d %s", round, i, kind[i], rc, msg(err));
                    }
                    gossh_error_free(err);
                    err = NULL;
                    CHECK(gossh_pending_take(ps[i], &fin, &got, NULL) == GOSSH_E_INVALID && fin == 1 && !got,
                          "round %d: a second take of %d", round, i);
                    gossh_channel_free(got);
                }
            }
        }
        CHECK(done == NP, "round %d: every pending wrote its record (%d of %d)", round, done, NP);
        for (int i = 0; i < NP; i++) gossh_pending_free(ps[i]);
    }
}

/* Checks that client i of a round, just connected, runs a command. */
static void check_echo(gossh_client *c, int round, int i) {
    gossh_channel *ch = NULL;
    CHECK(gossh_client_exec(c, "echo hi", 10000, &ch, NULL) == 0, "round %d: exec on %d", round, i);
    char buf[16];
    size_t n = 0;
    CHECK(gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, sizeof buf, 10000, &n, NULL) == 0 &&
              n == 3 && memcmp(buf, "hi\n", 3) == 0, "round %d: output on %d", round, i);
    gossh_channel_free(ch);
}

/* Connecting in the background: NC clients at once through
 * gossh_client_connect_pending (every fourth one knows no host key and must
 * be refused with GOSSH_E_HOSTKEY_UNKNOWN), one more through
 * gossh_client_connect_via_pending over the first; each finished only
 * through its record and gossh_pending_take; the connected ones then run a
 * command. Repeated rounds. */
#define NC 12
static void test_pending_connects(void) {
    gossh_error *err = NULL;
    gossh_pending *p = NULL;
    gossh_client *c0 = test_client();
    CHECK(gossh_client_connect_pending(c0, NULL, &p, &err) == GOSSH_E_INVALID && !p, "connect_pending opts NULL");
    gossh_error_free(err);
    err = NULL;
    gossh_options *o0 = test_options("id_ed25519");
    CHECK(gossh_client_connect_via_pending(c0, c0, o0, &p, &err) == GOSSH_E_INVALID && !p,
          "connect_via_pending through itself");
    gossh_error_free(err);
    err = NULL;
    gossh_options_free(o0);
    gossh_client_free(c0);

    /* A call that times out is done with GOSSH_E_TIMEOUT, which "not done
     * yet" must not be confused with: a server that never sends its banner
     * (a listening socket nobody accepts), banner_timeout 1 s. */
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in la = {0};
    la.sin_family = AF_INET;
    la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t lal = sizeof la;
    CHECK(bind(ls, (struct sockaddr *)&la, lal) == 0 && listen(ls, 8) == 0 &&
              getsockname(ls, (struct sockaddr *)&la, &lal) == 0, "a silent listener");
    char lport[16];
    snprintf(lport, sizeof lport, "%d", ntohs(la.sin_port));
    for (int round = 0; round < 3; round++) {
        gossh_client *sc = test_client();
        gossh_options *so = test_options("id_ed25519");
        gossh_options_set(so, "port", lport, NULL);
        gossh_options_set(so, "banner_timeout", "1", NULL);
        gossh_pending *sp = NULL;
        CHECK(gossh_client_connect_pending(sc, so, &sp, NULL) == 0 && sp, "round %d: silent connect started", round);
        gossh_options_free(so);
        int fin = -1;
        gossh_channel *none = NULL;
        CHECK(gossh_pending_take(sp, &fin, &none, NULL) == 0 && fin == 0 && !none,
              "round %d: not done right after it started", round);
        int got = 0;
        double deadline = now() + 30;
        while (!got && now() < deadline) {
            uint64_t recs[64];
            int k = wait_records(recs, 64, 1000);
            for (int r = 0; r < k; r++) got |= recs[r] == (uint64_t)(uintptr_t)sp;
        }
        CHECK(got, "round %d: the timed-out connect wrote its record", round);
        int rc = gossh_pending_take(sp, &fin, &none, &err);
        CHECK(rc == GOSSH_E_TIMEOUT && fin == 1 && gossh_error_code(err) == GOSSH_E_TIMEOUT,
              "round %d: done, with the banner timeout: rc %d done %d %s", round, rc, fin, msg(err));
        gossh_error_free(err);
        err = NULL;
        gossh_pending_free(sp);
        gossh_client_free(sc);
    }
    close(ls);

    for (int round = 0; round < 3; round++) {
        gossh_client *cs[NC + 1];
        gossh_pending *ps[NC + 1];
        int seen[NC + 1];
        for (int i = 0; i < NC; i++) {
            seen[i] = 0;
            if (i % 4 == 3) gossh_client_new(&cs[i], NULL); /* knows no host key: rejected */
            else cs[i] = test_client();
            gossh_options *o = test_options("id_ed25519");
            ps[i] = NULL;
            int rc = gossh_client_connect_pending(cs[i], o, &ps[i], &err);
            gossh_options_free(o); /* copied by the call */
            CHECK(rc == 0 && ps[i], "round %d: connect %d started: %d %s", round, i, rc, msg(err));
            gossh_error_free(err);
            err = NULL;
        }
        int done = 0, via_started = 0;
        seen[NC] = 0;
        ps[NC] = NULL;
        cs[NC] = test_client();
        double deadline = now() + 60;
        while (done < NC + 1 && now() < deadline) {
            uint64_t recs[64];
            int k = wait_records(recs, 64, 1000);
            for (int r = 0; r < k; r++) {
                for (int i = 0; i <= NC; i++) {
                    if (!ps[i] || recs[r] != (uint64_t)(uintptr_t)ps[i]) continue;
                    CHECK(!seen[i], "round %d: a second record for connect %d", round, i);
                    seen[i] = 1;
                    done++;
                    gossh_channel *none = (gossh_channel *)(uintptr_t)1;
                    int fin = -1;
                    int rc = gossh_pending_take(ps[i], &fin, &none, &err);
                    CHECK(fin == 1, "round %d: connect %d is done when its record comes", round, i);
                    if (i < NC && i % 4 == 3) {
                        CHECK(rc == GOSSH_E_HOSTKEY_UNKNOWN && gossh_error_code(err) == rc,
                              "round %d: connect %d to an unknown host is refused: %d %s", round, i, rc, msg(err));
                    } else {
                        CHECK(rc == 0 && none == NULL, "round %d: connect %d: %d %s", round, i, rc, msg(err));
                        check_echo(cs[i], round, i);
                    }
                    gossh_error_free(err);
                    err = NULL;
                    gossh_pending_free(ps[i]);
                    ps[i] = NULL;
                    if (i == 0 && !via_started) {
                        /* The first one is up: one more connects through it. */
                        gossh_options *o = test_options("id_ed25519");
                        int vrc = gossh_client_connect_via_pending(cs[NC], cs[0], o, &ps[NC], &err);
                        gossh_options_free(o);
                        CHECK(vrc == 0 && ps[NC], "round %d: connect_via started: %d %s", round, vrc, msg(err));
                        gossh_error_free(err);
                        err = NULL;
                        via_started = 1;
                    }
                }
            }
        }
        CHECK(done == NC + 1, "round %d: every connect wrote its record (%d of %d)", round, done, NC + 1);
        for (int i = NC; i >= 0; i--) {
            gossh_pending_free(ps[i]);
            gossh_client_free(cs[i]);
        }
    }
}

/* A TCP connection of the caller's own to the test sshd (what a Python or
 * Node program hands over as sock=); -1 if it cannot be made. */
static int tcp_to_server(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)atoi(port));
    inet_pton(AF_INET, host, &a.sin_addr);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Connecting over the caller's descriptor in the background: the call
 * duplicates fd before it returns, so the caller closes its fd at once and
 * the connects (NF at once, finished through their records and take) still
 * complete and run a command. Bad input first. Repeated rounds. */
#define NF 6
static void test_pending_fd_connects(void) {
    gossh_error *err = NULL;
    gossh_pending *p = NULL;
    gossh_client *c0 = test_client();
    gossh_options *o0 = test_options("id_ed25519");
    CHECK(gossh_client_connect_fd_pending(c0, -1, o0, &p, &err) == GOSSH_E_INVALID && !p,
          "connect_fd_pending with a negative fd: %s", msg(err));
    gossh_error_free(err);
    err = NULL;
    int gone = tcp_to_server();
    close(gone);
    CHECK(gossh_client_connect_fd_pending(c0, gone, o0, &p, &err) == GOSSH_E_IO && !p,
          "connect_fd_pending with a closed fd: %s", msg(err));
    gossh_error_free(err);
    err = NULL;
    CHECK(gossh_client_connect_fd_pending(c0, 0, NULL, &p, &err) == GOSSH_E_INVALID && !p,
          "connect_fd_pending with NULL opts");
    gossh_error_free(err);
    err = NULL;
    gossh_options_free(o0);
    gossh_client_free(c0);

    for (int round = 0; round < 3; round++) {
        gossh_client *cs[NF];
        gossh_pending *ps[NF];
        for (int i = 0; i < NF; i++) {
            cs[i] = test_client();
            gossh_options *o = test_options("id_ed25519");
            int fd = tcp_to_server();
            CHECK(fd >= 0, "round %d: a TCP connection of our own", round);
            ps[i] = NULL;
            int rc = gossh_client_connect_fd_pending(cs[i], fd, o, &ps[i], &err);
            close(fd); /* the library holds its duplicate */
            gossh_options_free(o);
            CHECK(rc == 0 && ps[i], "round %d: fd connect %d started: %d %s", round, i, rc, msg(err));
            gossh_error_free(err);
            err = NULL;
        }
        int done = 0;
        double deadline = now() + 60;
        while (done < NF && now() < deadline) {
            uint64_t recs[64];
            int k = wait_records(recs, 64, 1000);
            for (int r = 0; r < k; r++) {
                for (int i = 0; i < NF; i++) {
                    if (!ps[i] || recs[r] != (uint64_t)(uintptr_t)ps[i]) continue;
                    done++;
                    gossh_channel *none = NULL;
                    int fin = -1;
                    int rc = gossh_pending_take(ps[i], &fin, &none, &err);
                    CHECK(rc == 0 && fin == 1 && !none, "round %d: fd connect %d: %d %s", round, i, rc, msg(err));
                    gossh_error_free(err);
                    err = NULL;
                    check_echo(cs[i], round, i);
                    gossh_pending_free(ps[i]);
                    ps[i] = NULL;
                }
            }
        }
        CHECK(done == NF, "round %d: every fd connect wrote its record (%d of %d)", round, done, NF);
        for (int i = 0; i < NF; i++) {
            gossh_pending_free(ps[i]);
            gossh_client_free(cs[i]);
        }
    }
}

int main(void) {
    test_server_from_env();
    test_fd_and_bad_input();
    gossh_client *c = connect_client();
    test_channels_driven_by_poll(c);
    test_write_driven_by_poll(c);
    test_forward_accept_driven_by_poll(c);
    test_pending_opens(c);
    gossh_client_free(c);
    test_pending_connects();
    test_pending_fd_connects();
    return summary("test_events");
}
