/*
 * test_faults.c — the fault suite of the C API (issue 7): a stream cut off
 * by a lost connection must never read as a clean end.
 *
 * Each fault runs REPS times through build/gossh-faultproxy (GOSSH_FAULTPROXY)
 * in front of the test sshd, cutting at 32 KiB..2 MiB of server->client
 * bytes, plus REPS runs of a command that kills its own sshd session process
 * (no proxy). Each run reads a command's stdout to the end with
 * gossh_channel_read, then waits with gossh_channel_exit_status.
 *
 * What each fault must give:
 *   close, rst, fin, flip, kill: the read ends with GOSSH_E_CLOSED or
 *     GOSSH_E_PROTOCOL, and so does the exit-status wait;
 *   stall: GOSSH_E_TIMEOUT (the read's 1 s timeout) or GOSSH_E_CLOSED, both;
 *   none, drip: every byte (zeros), rc 0 / nread 0 at the end, exit status 0.
 * Never rc 0 / nread 0 on a cut stream, never an exit status without an
 * error for a cut session, never a non-zero byte, and every call returns
 * within its timeout (plus SLACK_MS).
 *
 * Prints a summary line per fault ("c fault NAME runs=.. clean_eof_on_cut=..
 * ...") and the closing "test_faults: N passed, N failed" line.
 *
 *   make build/tests/test_faults build/gossh-faultproxy && testenv/with-sshd.sh build/tests/test_faults
 */
#define _GNU_SOURCE
#include "check.h"
#include "faultproxy.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define REPS 50
#define DATA_BYTES (3 << 20) /* more than any fault offset (2 MiB + 49*997 at most) */
#define READ_MS 10000        /* reads and waits that must not stall */
#define STALL_READ_MS 1000
#define STALL_WAIT_MS 500
#define SLACK_MS 2000 /* how late a call may return after its timeout */
#define PAR 3         /* runs at once: a run mostly waits for sshd's fork and key exchange */
#define STALL_PAR 25  /* stall runs at once: each mostly waits for its timeout */
#define CHUNK (256 * 1024)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The fault offset of run i: 32 KiB..2 MiB, never aligned. */
static long offset_of(int i) { return (32768L << (i % 7)) + (long)i * 997; }

/* ---------------------------------------------------------------- proxy -- */

/* Starts the proxy for fault in front of the test sshd, firing at run i's
 * offset on connection i; 0 on success. */
static int proxy_start_runs(struct proxy *px, const char *fault) {
    static char offsets[REPS * 12];
    size_t len = 0;
    for (int i = 0; i < REPS; i++)
        len += snprintf(offsets + len, sizeof offsets - len, "%s%ld", i ? "," : "", offset_of(i));
    return proxy_start(px, fault, offsets, NULL);
}

/* ------------------------------------------------------------------ runs -- */

struct fault_case {
    const char *name;
    int cut;          /* the stream is cut: it must end with an error */
    int accept[2];    /* error codes acceptable for a cut read and exit wait */
    int read_ms, wait_ms;
    int par;
    int kill;         /* the kill command, straight to sshd */
    int port;         /* where to connect */
};

#define MAX_KINDS 16
#define MAX_FAILS 10

struct stats {
    pthread_mutex_t mu;
    int next; /* next run to start */
    int runs, clean_eof, exit_clean, other;
    struct { char name[40]; int n; } kinds[MAX_KINDS];
    int nkinds;
    char fails[MAX_FAILS][256];
    int nfails;
};

static void count_kind(struct stats *st, const char *name) {
    for (int i = 0; i < st->nkinds; i++) {
        if (strcmp(st->kinds[i].name, name) == 0) {
            st->kinds[i].n++;
            return;
        }
    }
    if (st->nkinds < MAX_KINDS) {
        snprintf(st->kinds[st->nkinds].name, sizeof st->kinds[0].name, "%s", name);
        st->kinds[st->nkinds++].n = 1;
    }
}

/* Records one wrong outcome (caller holds mu). */
static void fail_run(struct stats *st, int i, const char *what) {
    if (st->nfails < MAX_FAILS) snprintf(st->fails[st->nfails++], sizeof st->fails[0], "run %d: %s", i, what);
}

static const char *code_name(int rc) {
    switch (rc) {
    case 0: return "ok";
    case GOSSH_E_CLOSED: return "closed";
    case GOSSH_E_PROTOCOL: return "protocol";
    case GOSSH_E_TIMEOUT: return "timeout";
    case GOSSH_E_CONNECT: return "connect";
    case GOSSH_E_AUTH: return "auth";
    case GOSSH_E_CHANNEL: return "channel";
    case GOSSH_E_INTERNAL: return "internal";
    }
    return "other";
}

struct run_result {
    int connect_rc, exec_rc, read_rc, exit_rc, status;
    long got;
    int corrupt, slow;
    char msg[120];
};

static const char zero_buf[CHUNK];

static void one_run(const struct fault_case *fc, int i, struct run_result *r) {
    memset(r, 0, sizeof *r);
    r->status = -2;
    char portstr[16], cmd[200];
    snprintf(portstr, sizeof portstr, "%d", fc->port);
    if (fc->kill)
        snprintf(cmd, sizeof cmd, "(sleep 0.%02d; kill -9 $PPID) & exec head -c 1000000000 /dev/zero",
                 1 + (i % 5) * 2);
    else
        snprintf(cmd, sizeof cmd, "head -c %d /dev/zero", DATA_BYTES);

    gossh_options *o = test_options("id_ed25519");
    gossh_options_set(o, "port", portstr, NULL); /* the proxy's */
    gossh_options_set(o, "timeout", "5", NULL);
    gossh_options_set(o, "banner_timeout", "5", NULL);
    gossh_options_set(o, "auth_timeout", "10", NULL);
    gossh_client *c = NULL;
    gossh_client_new(&c, NULL);
    /* The proxy's port is not in known_hosts: accept without adding. */
    gossh_client_set_policy(c, GOSSH_POLICY_WARNING, NULL);
    gossh_error *err = NULL;
    r->connect_rc = gossh_client_connect(c, o, &err);
    gossh_options_free(o);
    gossh_channel *ch = NULL;
    if (r->connect_rc == 0) r->exec_rc = gossh_client_exec(c, cmd, 10000, &ch, &err);
    if (r->connect_rc != 0 || r->exec_rc != 0) {
        snprintf(r->msg, sizeof r->msg, "%s", msg(err));
        gossh_error_free(err);
        gossh_client_free(c);
        return;
    }
    char *buf = malloc(CHUNK);
    for (;;) {
        size_t n = 0;
        gossh_error *e = NULL;
        double t0 = now();
        int rc = gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, CHUNK, fc->read_ms, &n, &e);
        if ((now() - t0) * 1000 > fc->read_ms + SLACK_MS) r->slow = 1;
        if (n > 0 && memcmp(buf, zero_buf, n) != 0) r->corrupt = 1;
        r->got += n;
        if (rc != 0) {
            r->read_rc = rc;
            snprintf(r->msg, sizeof r->msg, "%s", msg(e));
            gossh_error_free(e);
            break;
        }
        if (n == 0) break;
    }
    free(buf);
    double t0 = now();
    r->exit_rc = gossh_channel_exit_status(ch, fc->wait_ms, &r->status, NULL);
    if ((now() - t0) * 1000 > fc->wait_ms + SLACK_MS) r->slow = 1;
    gossh_channel_free(ch);
    gossh_client_free(c);
}

static int acceptable(const struct fault_case *fc, int rc) {
    return rc != 0 && (rc == fc->accept[0] || rc == fc->accept[1]);
}

struct worker_arg {
    const struct fault_case *fc;
    struct stats *st;
};

static void *worker(void *p) {
    struct worker_arg *a = p;
    const struct fault_case *fc = a->fc;
    struct stats *st = a->st;
    for (;;) {
        pthread_mutex_lock(&st->mu);
        int i = st->next++;
        pthread_mutex_unlock(&st->mu);
        if (i >= REPS) return NULL;
        struct run_result r;
        one_run(fc, i, &r);
        char what[200];
        pthread_mutex_lock(&st->mu);
        st->runs++;
        if (r.connect_rc != 0 || r.exec_rc != 0) {
            snprintf(what, sizeof what, "%s failed: %s (%s)", r.connect_rc ? "connect" : "exec",
                     r.msg, code_name(r.connect_rc ? r.connect_rc : r.exec_rc));
            fail_run(st, i, what);
            st->other++;
            count_kind(st, "setup:failed");
            pthread_mutex_unlock(&st->mu);
            continue;
        }
        char kind[40];
        snprintf(kind, sizeof kind, "read:%s", r.read_rc == 0 ? "eof" : code_name(r.read_rc));
        count_kind(st, kind);
        if (r.exit_rc == 0)
            snprintf(kind, sizeof kind, "exit:status=%d", r.status);
        else
            snprintf(kind, sizeof kind, "exit:%s", code_name(r.exit_rc));
        count_kind(st, kind);
        if (r.corrupt) {
            fail_run(st, i, "corrupt data delivered: a byte that is not 0");
            st->other++;
        }
        if (r.slow) {
            fail_run(st, i, "a call returned later than its timeout");
            st->other++;
        }
        if (!fc->cut) {
            if (r.read_rc != 0 || r.got != DATA_BYTES) {
                snprintf(what, sizeof what, "read %ld of %d bytes, then %s %s", r.got, DATA_BYTES,
                         code_name(r.read_rc), r.msg);
                fail_run(st, i, what);
                st->other++;
            }
            if (r.exit_rc != 0 || r.status != 0) {
                snprintf(what, sizeof what, "exit rc %s status %d, want 0", code_name(r.exit_rc), r.status);
                fail_run(st, i, what);
                st->other++;
            }
        } else {
            if (r.read_rc == 0) {
                snprintf(what, sizeof what, "CLEAN EOF (rc 0, nread 0) on a cut stream after %ld bytes", r.got);
                fail_run(st, i, what);
                st->clean_eof++;
            } else if (!acceptable(fc, r.read_rc)) {
                snprintf(what, sizeof what, "read ended with %s (%s) after %ld bytes", code_name(r.read_rc),
                         r.msg, r.got);
                fail_run(st, i, what);
                st->other++;
            }
            if (r.exit_rc == 0) {
                snprintf(what, sizeof what, "exit status %d without an error for a cut session", r.status);
                fail_run(st, i, what);
                st->exit_clean++;
            } else if (!acceptable(fc, r.exit_rc)) {
                snprintf(what, sizeof what, "exit-status wait ended with %s", code_name(r.exit_rc));
                fail_run(st, i, what);
                st->other++;
            }
        }
        pthread_mutex_unlock(&st->mu);
    }
}

static void run_fault(struct fault_case fc) {
    struct proxy px = {0};
    if (!fc.kill) {
        if (proxy_start_runs(&px, fc.name) != 0) {
            CHECK(0, "fault proxy for %s did not start", fc.name);
            return;
        }
        fc.port = px.port;
    } else {
        fc.port = atoi(port);
    }
    struct stats st;
    memset(&st, 0, sizeof st);
    pthread_mutex_init(&st.mu, NULL);
    struct worker_arg arg = {&fc, &st};
    pthread_t th[STALL_PAR];
    int par = fc.par < STALL_PAR ? fc.par : STALL_PAR;
    double t0 = now();
    for (int i = 0; i < par; i++) pthread_create(&th[i], NULL, worker, &arg);
    for (int i = 0; i < par; i++) pthread_join(th[i], NULL);
    double secs = now() - t0;
    if (!fc.kill) proxy_stop(&px);

    char kinds[600] = "";
    size_t len = 0;
    for (int i = 0; i < st.nkinds; i++)
        len += snprintf(kinds + len, sizeof kinds - len, "%s%s=%d", i ? " " : "", st.kinds[i].name, st.kinds[i].n);
    printf("c fault %-5s runs=%d clean_eof_on_cut=%d exit_without_error_on_cut=%d other_failures=%d outcomes[%s] %.1fs\n",
           fc.name, st.runs, st.clean_eof, st.exit_clean, st.other, kinds, secs);
    for (int i = 0; i < st.nfails; i++) printf("  %s: %s\n", fc.name, st.fails[i]);
    CHECK(st.runs == REPS && st.clean_eof == 0 && st.exit_clean == 0 && st.other == 0,
          "fault %s: %d clean EOFs on a cut stream, %d exit statuses without an error, %d other wrong outcomes in %d runs",
          fc.name, st.clean_eof, st.exit_clean, st.other, st.runs);
    pthread_mutex_destroy(&st.mu);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_server_from_env();
    signal(SIGPIPE, SIG_IGN);
    const int lost[2] = {GOSSH_E_CLOSED, GOSSH_E_PROTOCOL};
    const int stalled[2] = {GOSSH_E_TIMEOUT, GOSSH_E_CLOSED};
    struct fault_case cases[] = {
        {"none", 0, {0, 0}, READ_MS, READ_MS, PAR, 0, 0},
        {"drip", 0, {0, 0}, READ_MS, READ_MS, PAR, 0, 0},
        {"close", 1, {lost[0], lost[1]}, READ_MS, READ_MS, PAR, 0, 0},
        {"rst", 1, {lost[0], lost[1]}, READ_MS, READ_MS, PAR, 0, 0},
        {"fin", 1, {lost[0], lost[1]}, READ_MS, READ_MS, PAR, 0, 0},
        {"flip", 1, {lost[0], lost[1]}, READ_MS, READ_MS, PAR, 0, 0},
        {"stall", 1, {stalled[0], stalled[1]}, STALL_READ_MS, STALL_WAIT_MS, STALL_PAR, 0, 0},
        {"kill", 1, {lost[0], lost[1]}, READ_MS, READ_MS, PAR, 1, 0},
    };
    const char *only = getenv("GOSSH_FAULTS"); /* e.g. "close,rst": run only these */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (only && *only) {
            char list[200];
            snprintf(list, sizeof list, ",%s,", only);
            char name[20];
            snprintf(name, sizeof name, ",%s,", cases[i].name);
            if (!strstr(list, name)) continue;
        }
        run_fault(cases[i]);
    }
    return summary("test_faults");
}
