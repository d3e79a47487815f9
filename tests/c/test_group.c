/*
 * test_group.c — tests gossh_group (one command on many hosts) against the
 * real sshd that testenv/with-sshd.sh starts, plus a second sshd whose host
 * key the group does not know (testenv/extra-sshd.sh), a port where nothing
 * listens and a listener that never accepts (a silent server). 200 hosts of
 * every kind: each result has its host's kind; a second run reuses the
 * connections; stop_on_errors stops; cancel ends everything; no descriptor
 * or thread growth.
 */
#define _DEFAULT_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum kind { GOOD, UNKNOWN, MISMATCH, BADAUTH, REFUSED, SILENT, NKINDS };
static const int want_code[NKINDS] = {0, GOSSH_E_HOSTKEY_UNKNOWN, GOSSH_E_HOSTKEY_MISMATCH,
                                      GOSSH_E_AUTH, GOSSH_E_CONNECT, GOSSH_E_TIMEOUT};

static int refused_port, silent_port, unknown_port;
static int silent_fd = -1;
static pid_t extra_pid = -1;
static char wrong_key[512]; /* "ssh-ed25519 AAAA..." of id_wrong.pub: the server's key it is not */

/* count of entries in a /proc/self directory */
static int count_dir(const char *path) {
    DIR *d = opendir(path);
    int n = 0;
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* a loopback listener on a free port (backlog: connects complete without
 * accept); returns the fd and the port */
static int listen_any(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 512) != 0) {
        close(fd);
        return -1;
    }
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

/* whether something accepts connections on 127.0.0.1:port */
static int listening(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* starts a second sshd (same host keys, under another port whose entry the
 * group's known_hosts lacks) */
static void start_extra_sshd(void) {
    int fd = listen_any(&unknown_port);
    close(fd);
    char portbuf[16], kh[600];
    snprintf(portbuf, sizeof portbuf, "%d", unknown_port);
    snprintf(kh, sizeof kh, "%s/group_extra_known_hosts", getenv("GOSSH_TEST_DIR"));
    const char *script = getenv("GOSSH_EXTRA_SSHD") ? getenv("GOSSH_EXTRA_SSHD") : "testenv/extra-sshd.sh";
    char *argv[] = {(char *)"sh", (char *)script, portbuf, kh, NULL};
    int rc = posix_spawn(&extra_pid, "/bin/sh", NULL, NULL, argv, environ);
    CHECK(rc == 0, "spawn extra sshd: %d", rc);
    for (int i = 0; i < 600 && !listening(unknown_port); i++) usleep(50 * 1000);
    CHECK(listening(unknown_port), "extra sshd on %d never listened", unknown_port);
}

static void read_wrong_key(void) {
    FILE *f = fopen(test_path("id_wrong.pub"), "r");
    char type[64] = "", b64[400] = "";
    if (f && fscanf(f, "%63s %399s", type, b64) == 2) snprintf(wrong_key, sizeof wrong_key, "%s %s", type, b64);
    if (f) fclose(f);
    CHECK(wrong_key[0], "id_wrong.pub unreadable");
}

/* options for a host of kind k */
static gossh_options *host_options(enum kind k) {
    gossh_options *o = test_options(k == BADAUTH ? "id_wrong" : "id_ed25519");
    char p[16];
    switch (k) {
    case UNKNOWN:
        snprintf(p, sizeof p, "%d", unknown_port);
        gossh_options_set(o, "port", p, NULL);
        break;
    case MISMATCH:
        gossh_options_set(o, "host_key", wrong_key, NULL);
        break;
    case BADAUTH:
        gossh_options_set(o, "password", "not-the-password", NULL);
        break;
    case REFUSED:
        snprintf(p, sizeof p, "%d", refused_port);
        gossh_options_set(o, "port", p, NULL);
        break;
    case SILENT: {
        /* two at once, as a binding sets a host's options */
        const char *names[] = {"port", "banner_timeout"}, *values[] = {p, "2"};
        snprintf(p, sizeof p, "%d", silent_port);
        CHECK(gossh_options_set_list(o, names, values, 2, NULL) == 0, "set_list");
        break;
    }
    default:
        break;
    }
    return o;
}

static gossh_group *new_group(void) {
    gossh_group *g = NULL;
    gossh_error *e = NULL;
    int rc = gossh_group_new(&g, &e);
    CHECK(rc == 0 && g, "group_new: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    rc = gossh_group_load_host_keys(g, test_path("known_hosts"), &e);
    CHECK(rc == 0, "load_host_keys: %d %s", rc, msg(e));
    gossh_error_free(e);
    return g;
}

static gossh_session_spec *exec_spec(const char *cmd) {
    gossh_session_spec *s = NULL;
    gossh_session_spec_new(&s, NULL);
    gossh_session_spec_set(s, "command", cmd, NULL);
    return s;
}

static int64_t get(gossh_group_result *r, const char *field) {
    int64_t v = -999;
    gossh_error *e = NULL;
    int rc = gossh_group_result_get(r, field, &v, &e);
    CHECK(rc == 0, "result_get %s: %d %s", field, rc, msg(e));
    gossh_error_free(e);
    return v;
}

/* gossh_group_result_read gives what the one-field accessors give */
static void check_read(gossh_group_result *r) {
    gossh_group_result_info info = GOSSH_GROUP_RESULT_INFO_INIT;
    gossh_error *e = NULL;
    int rc = gossh_group_result_read(r, &info, &e);
    CHECK(rc == 0 && info.size == sizeof info, "result_read: %d %s", rc, msg(e));
    gossh_error_free(e);
    const char *name = NULL, *sig = NULL;
    gossh_group_result_name(r, &name, NULL);
    gossh_group_result_exit_signal(r, &sig, NULL);
    CHECK(info.name == name && info.exit_signal == sig, "read: name/signal pointers");
    CHECK((int64_t)info.index == get(r, "index") && info.code == get(r, "code") &&
              info.exit_status == get(r, "exit_status") && info.reused == get(r, "reused") &&
              info.connect_us == get(r, "connect_us") && info.run_us == get(r, "run_us") &&
              (int64_t)info.transferred == get(r, "transferred") && info.reserved == 0,
          "read: numbers differ from result_get's");
    for (int stream = 0; stream < 2; stream++) {
        const uint8_t *d = NULL;
        size_t n = 0;
        gossh_group_result_output(r, stream, &d, &n, NULL);
        CHECK(d == (stream ? info.stderr_data : info.stdout_data) &&
                  n == (stream ? info.stderr_len : info.stdout_len),
              "read: stream %d", stream);
    }
    /* the error in the struct is the error object's: message and every detail */
    gossh_error *re = NULL;
    gossh_group_result_error(r, &re, NULL);
    if (!re) {
        CHECK(info.code == 0 && !info.error_message && !info.error_details && info.error_ndetails == 0,
              "read: an error in the struct of a host without one");
        return;
    }
    CHECK(info.error_message && strcmp(info.error_message, gossh_error_message(re)) == 0,
          "read: error message %s", info.error_message ? info.error_message : "(null)");
    CHECK(info.error_ndetails > 0 && info.error_details, "read: no details (every group error has host)");
    int has_host = 0;
    for (size_t i = 0; info.error_details && i < info.error_ndetails; i++) {
        const char *name = info.error_details[2 * i], *value = info.error_details[2 * i + 1];
        const char *want = gossh_error_detail(re, name);
        CHECK(want && strcmp(value, want) == 0, "read: detail %s = %s, the error object has %s", name, value,
              want ? want : "(null)");
        CHECK(i == 0 || strcmp(info.error_details[2 * i - 2], name) < 0, "read: details not sorted");
        has_host |= strcmp(name, "host") == 0;
    }
    CHECK(has_host, "read: no host detail");
    gossh_error_free(re);
}

static int results_seen;
static long output_bytes;
static void on_result(size_t index, const char *name, int code, int exit_status, void *ud) {
    (void)index, (void)code, (void)exit_status, (void)ud;
    if (name && name[0]) __atomic_add_fetch(&results_seen, 1, __ATOMIC_SEQ_CST);
}
static void on_output(size_t index, const char *name, int stream, const uint8_t *data, size_t len,
                      void *ud) {
    (void)index, (void)stream, (void)data;
    if (name && name[0]) __atomic_add_fetch(&output_bytes, (long)len, __ATOMIC_SEQ_CST);
    if (ud) __atomic_store_n((int *)ud, 1, __ATOMIC_SEQ_CST);
}

/* takes every result of the current run into res[] (by index); returns how many */
static int collect(gossh_group *g, gossh_group_result **res, int n) {
    int got = 0;
    for (;;) {
        gossh_group_result *r = NULL;
        gossh_error *e = NULL;
        int rc = gossh_group_next(g, 60000, &r, &e);
        if (rc != 0) {
            CHECK(0, "group_next: %d %s", rc, msg(e));
            gossh_error_free(e);
            return got;
        }
        if (!r) return got;
        int64_t i = get(r, "index");
        if (i < 0 || i >= n || res[i]) {
            CHECK(0, "result index %lld out of range or twice", (long long)i);
            gossh_group_result_free(r);
            continue;
        }
        res[i] = r;
        got++;
    }
}

/* 200 hosts of every kind, two runs on one group. */
static void test_mixed(void) {
    enum { N = 200 };
    static const enum kind pattern[] = {GOOD, GOOD, GOOD, GOOD, GOOD, GOOD,
                                        UNKNOWN, MISMATCH, BADAUTH, REFUSED, SILENT};
    enum kind kinds[N];
    gossh_group *g = new_group();
    gossh_error *e = NULL;
    CHECK(gossh_group_set(g, "pool_size", "25", NULL) == 0, "pool_size");
    gossh_group_set_result_callback(g, on_result, NULL, NULL);
    gossh_group_set_output_callback(g, on_output, NULL, NULL);
    for (int i = 0; i < N; i++) {
        char name[32], cmd[64];
        kinds[i] = pattern[i % (sizeof pattern / sizeof pattern[0])];
        snprintf(name, sizeof name, "h%03d", i);
        snprintf(cmd, sizeof cmd, "echo hello %s; echo e >&2; exit %d", name, i % 3);
        size_t idx = 999;
        int rc;
        if (kinds[i] == GOOD && i % 2) {
            /* what the good hosts share in one base, each one's address in a list */
            static gossh_options *base;
            if (!base) {
                base = test_options("id_ed25519");
                gossh_options_set(base, "hostname", "", NULL); /* the list must give it */
            }
            const char *names[] = {"hostname", "port"}, *values[] = {host, port};
            rc = gossh_group_add_host_list(g, name, base, names, values, 2, &idx, &e);
        } else {
            gossh_options *o = host_options(kinds[i]);
            rc = gossh_group_add_host(g, name, o, &idx, &e);
            gossh_options_free(o);
        }
        CHECK(rc == 0 && idx == (size_t)i, "add_host %d: %d %s", i, rc, msg(e));
        gossh_error_free(e);
        e = NULL;
        rc = gossh_group_set_host_command(g, idx, cmd, &e);
        CHECK(rc == 0, "set_host_command: %d %s", rc, msg(e));
        gossh_error_free(e);
        e = NULL;
    }
    gossh_session_spec *spec = exec_spec("echo not-overridden");
    for (int round = 0; round < 2; round++) {
        results_seen = 0;
        output_bytes = 0;
        int rc = gossh_group_run(g, spec, &e);
        CHECK(rc == 0, "run: %d %s", rc, msg(e));
        gossh_error_free(e);
        e = NULL;
        gossh_group_result *res[N] = {0};
        int got = collect(g, res, N);
        CHECK(got == N, "round %d: %d results, want %d", round, got, N);
        CHECK(gossh_group_wait(g, 60000, NULL) == 0, "wait");
        CHECK(results_seen == N, "result callback saw %d", results_seen);
        long want_bytes = 0;
        for (int i = 0; i < N; i++) {
            gossh_group_result *r = res[i];
            if (!r) continue;
            const char *name = NULL;
            gossh_group_result_name(r, &name, NULL);
            char want_name[32], want_out[64];
            snprintf(want_name, sizeof want_name, "h%03d", i);
            CHECK(name && strcmp(name, want_name) == 0, "host %d name %s", i, name ? name : "(null)");
            int64_t code = get(r, "code");
            CHECK(code == want_code[kinds[i]], "round %d host %d kind %d: code %lld want %d", round, i,
                  kinds[i], (long long)code, want_code[kinds[i]]);
            check_read(r);
            gossh_error *re = NULL;
            gossh_group_result_error(r, &re, NULL);
            if (kinds[i] == GOOD) {
                const uint8_t *data = NULL;
                size_t len = 0;
                snprintf(want_out, sizeof want_out, "hello %s\n", want_name);
                gossh_group_result_output(r, 0, &data, &len, NULL);
                CHECK(len == strlen(want_out) && data && memcmp(data, want_out, len) == 0,
                      "host %d stdout %.*s", i, (int)len, data ? (const char *)data : "");
                gossh_group_result_output(r, 1, &data, &len, NULL);
                CHECK(len == 2 && memcmp(data, "e\n", 2) == 0, "host %d stderr", i);
                CHECK(get(r, "exit_status") == i % 3, "host %d exit status", i);
                CHECK(get(r, "reused") == round, "round %d host %d reused", round, i);
                CHECK(re == NULL, "host %d has an error object", i);
                want_bytes += (long)strlen(want_out) + 2;
            } else {
                CHECK(re && gossh_error_code(re) == want_code[kinds[i]], "host %d error object", i);
                const char *h = re ? gossh_error_detail(re, "host") : NULL;
                CHECK(h && strcmp(h, want_name) == 0, "host %d error detail host %s", i, h ? h : "(null)");
                CHECK(get(r, "exit_status") == -1, "host %d exit status", i);
            }
            gossh_error_free(re);
            gossh_group_result_free(r);
            gossh_group_result_free(r); /* a second free is a no-op */
        }
        CHECK(output_bytes == want_bytes, "output callback: %ld bytes, want %ld", output_bytes, want_bytes);
    }
    gossh_session_spec_free(spec);
    CHECK(gossh_group_close(g, NULL) == 0, "close");
    gossh_group_free(g);
    gossh_group_free(g);
}

/* stop_on_errors with one worker: the first error stops the run. */
static void test_stop_on_errors(void) {
    for (int rep = 0; rep < 5; rep++) {
        gossh_group *g = new_group();
        gossh_group_set(g, "stop_on_errors", "1", NULL);
        gossh_group_set(g, "pool_size", "1", NULL);
        enum { N = 20 };
        for (int i = 0; i < N; i++) {
            gossh_options *o = host_options(i == 1 ? REFUSED : GOOD);
            gossh_group_add_host(g, i == 1 ? "refused" : "good", o, NULL, NULL);
            gossh_options_free(o);
        }
        gossh_session_spec *spec = exec_spec("true");
        gossh_group_run(g, spec, NULL);
        gossh_group_result *res[N] = {0};
        CHECK(collect(g, res, N) == N, "stop: not all results");
        for (int i = 0; i < N; i++) {
            if (!res[i]) continue;
            int64_t want = i == 0 ? 0 : i == 1 ? GOSSH_E_CONNECT : GOSSH_E_CANCELLED;
            CHECK(get(res[i], "code") == want, "stop host %d: %lld", i, (long long)get(res[i], "code"));
            if (i > 1) {
                gossh_error *re = NULL;
                gossh_group_result_error(res[i], &re, NULL);
                const char *reason = re ? gossh_error_detail(re, "reason") : NULL;
                CHECK(reason && strcmp(reason, "stopped") == 0, "stop host %d reason", i);
                gossh_error_free(re);
            }
            gossh_group_result_free(res[i]);
        }
        gossh_session_spec_free(spec);
        gossh_group_free(g);
    }
}

/* cancel mid-run, repeated: every result arrives, cancelled. */
static void test_cancel(void) {
    for (int rep = 0; rep < 12; rep++) {
        gossh_group *g = new_group();
        gossh_group_set(g, "pool_size", "6", NULL);
        int started = 0;
        gossh_group_set_output_callback(g, on_output, &started, NULL);
        enum { N = 12 };
        for (int i = 0; i < N; i++) {
            gossh_options *o = host_options(i % 4 == 3 ? SILENT : GOOD);
            gossh_options_set(o, "banner_timeout", "3600", NULL);
            gossh_group_add_host(g, "c", o, NULL, NULL);
            gossh_options_free(o);
        }
        gossh_session_spec *spec = exec_spec("echo started; exec sleep 60");
        CHECK(gossh_group_run(g, spec, NULL) == 0, "cancel: run");
        if (rep % 2 == 0)
            for (int i = 0; i < 6000 && !__atomic_load_n(&started, __ATOMIC_SEQ_CST); i++) usleep(10 * 1000);
        CHECK(gossh_group_cancel(g, NULL) == 0, "cancel");
        gossh_group_result *res[N] = {0};
        CHECK(collect(g, res, N) == N, "cancel rep %d: not all results", rep);
        for (int i = 0; i < N; i++) {
            if (!res[i]) continue;
            CHECK(get(res[i], "code") == GOSSH_E_CANCELLED, "cancel rep %d host %d: %lld", rep, i,
                  (long long)get(res[i], "code"));
            gossh_group_result_free(res[i]);
        }
        gossh_session_spec_free(spec);
        gossh_group_free(g);
    }
}

/* an SFTP put to every host, and a get back into one local file per host */
static void test_transfer(void) {
    enum { N = 8, SIZE = 200 * 1024 + 3 };
    char dir[] = "/tmp/gossh-group-XXXXXX", src[600], tmpl[600], remote[128], path[700];
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp");
        return;
    }
    snprintf(src, sizeof src, "%s/src", dir);
    FILE *f = fopen(src, "wb");
    static unsigned char data[SIZE], back[SIZE + 1];
    for (int i = 0; i < SIZE; i++) data[i] = (unsigned char)(i * 7 + 3);
    fwrite(data, 1, SIZE, f);
    fclose(f);
    snprintf(remote, sizeof remote, "gossh-group-test-%d-%%i", (int)getpid());
    gossh_group *g = new_group();
    for (int i = 0; i < N; i++) {
        gossh_options *o = host_options(i == N - 1 ? REFUSED : GOOD);
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        gossh_group_add_host(g, name, o, NULL, NULL);
        gossh_options_free(o);
    }
    gossh_error *e = NULL;
    int rc = gossh_group_run_transfer(g, GOSSH_GROUP_PUT, src, remote, 0, &e);
    CHECK(rc == 0, "run_transfer put: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_group_result *res[N] = {0};
    CHECK(collect(g, res, N) == N, "put: not all results");
    for (int i = 0; i < N; i++) {
        if (!res[i]) continue;
        if (i == N - 1) {
            CHECK(get(res[i], "code") == GOSSH_E_CONNECT, "put refused host");
        } else {
            CHECK(get(res[i], "code") == 0 && get(res[i], "transferred") == SIZE, "put host %d: %lld, %lld bytes",
                  i, (long long)get(res[i], "code"), (long long)get(res[i], "transferred"));
        }
        gossh_group_result_free(res[i]);
        res[i] = NULL;
    }
    snprintf(tmpl, sizeof tmpl, "%s/got-%%h", dir);
    rc = gossh_group_run_transfer(g, GOSSH_GROUP_GET, tmpl, remote, 0, &e);
    CHECK(rc == 0, "run_transfer get: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    CHECK(collect(g, res, N) == N, "get: not all results");
    for (int i = 0; i < N - 1; i++) {
        if (!res[i]) continue;
        CHECK(get(res[i], "code") == 0 && get(res[i], "reused") == 1, "get host %d", i);
        snprintf(path, sizeof path, "%s/got-t%d", dir, i);
        f = fopen(path, "rb");
        size_t n = f ? fread(back, 1, sizeof back, f) : 0;
        if (f) fclose(f);
        CHECK(n == SIZE && memcmp(back, data, SIZE) == 0, "get host %d: %zu bytes, content %s", i, n,
              n == SIZE && memcmp(back, data, SIZE) == 0 ? "same" : "differs");
        remove(path);
    }
    for (int i = 0; i < N; i++) gossh_group_result_free(res[i]);
    CHECK(gossh_group_run_transfer(g, GOSSH_GROUP_GET, src, remote, 0, NULL) == GOSSH_E_INVALID,
          "get into one file for every host");
    CHECK(gossh_group_run_transfer(g, 7, src, remote, 0, NULL) == GOSSH_E_INVALID, "direction 7");
    CHECK(gossh_group_run_transfer(g, GOSSH_GROUP_PUT, NULL, remote, 0, NULL) == GOSSH_E_INVALID, "NULL local");
    /* clean up the remote files with the group itself */
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -f gossh-group-test-%d-*", (int)getpid());
    gossh_session_spec *spec = exec_spec(cmd);
    gossh_group_run(g, spec, NULL);
    memset(res, 0, sizeof res);
    collect(g, res, N);
    for (int i = 0; i < N; i++) gossh_group_result_free(res[i]);
    gossh_session_spec_free(spec);
    gossh_group_free(g);
    remove(src);
    rmdir(dir);
}

/* bad input: NULLs, wrong handles, unknown names, bad timeouts. */
/* gossh_options_set_list: all or none, and the refused option named */
static void test_set_list_bad_input(void) {
    gossh_options *o = NULL;
    gossh_error *e = NULL;
    gossh_group *g = new_group();
    const char *names[] = {"hostname", "port", "username"};
    const char *bad_port[] = {"h", "99999", "u"};
    gossh_options_new(&o, NULL);
    CHECK(gossh_options_set_list(o, NULL, NULL, 0, NULL) == 0, "set_list n 0");
    CHECK(gossh_options_set_list(o, NULL, bad_port, 3, NULL) == GOSSH_E_INVALID, "NULL names");
    CHECK(gossh_options_set_list(o, names, NULL, 3, NULL) == GOSSH_E_INVALID, "NULL values");
    CHECK(gossh_options_set_list(NULL, names, bad_port, 3, NULL) == GOSSH_E_INVALID, "NULL options");
    CHECK(gossh_options_set_list((gossh_options *)g, names, bad_port, 3, NULL) == GOSSH_E_BADHANDLE,
          "wrong handle");
    CHECK(gossh_options_set_list(o, names, bad_port, (size_t)1 << 40, NULL) == GOSSH_E_INVALID,
          "n too large");
    int rc = gossh_options_set_list(o, names, bad_port, 3, &e);
    const char *m = e ? gossh_error_message(e) : NULL;
    CHECK(rc == GOSSH_E_INVALID && m && strstr(m, "port") && !strstr(m, "99999"),
          "a bad port: %d %s", rc, m ? m : "(no message)");
    gossh_error_free(e);
    e = NULL;
    /* none of the three was set: the options still name no host */
    CHECK(gossh_group_add_host(g, "x", o, NULL, NULL) == GOSSH_E_INVALID, "hostname set by a failed list");
    const char *null_name[] = {"hostname", NULL};
    const char *two[] = {"h", "x"};
    CHECK(gossh_options_set_list(o, null_name, two, 2, NULL) == GOSSH_E_INVALID, "NULL names[1]");
    const char *unknown[] = {"hostname", "no_such_option"};
    rc = gossh_options_set_list(o, unknown, two, 2, &e);
    m = e ? gossh_error_message(e) : NULL;
    CHECK(rc == GOSSH_E_INVALID && m && strstr(m, "no_such_option"), "unknown name: %d %s", rc,
          m ? m : "(no message)");
    gossh_error_free(e);
    CHECK(gossh_group_add_host(g, "x", o, NULL, NULL) == GOSSH_E_INVALID, "hostname set by a failed list");
    const char *null_value[] = {"h", NULL};
    const char *host_user[] = {"hostname", "username"};
    CHECK(gossh_options_set_list(o, host_user, null_value, 2, NULL) == 0, "NULL value is \"\"");
    CHECK(gossh_group_add_host(g, "x", o, NULL, NULL) == 0, "the list's hostname");
    gossh_options_free(o);

    /* gossh_group_add_host_list: a refused list adds no host; base is not changed */
    gossh_options *base = NULL;
    gossh_options_new(&base, NULL);
    const char *hp[] = {"hostname", "port"}, *hp_bad[] = {"h", "0"}, *hp_ok[] = {"h", "22"};
    size_t idx = 99;
    rc = gossh_group_add_host_list(g, "y", base, hp, hp_bad, 2, &idx, &e);
    m = e ? gossh_error_message(e) : NULL;
    CHECK(rc == GOSSH_E_INVALID && idx == 99 && m && strstr(m, "port"), "add_host_list bad port: %d %s",
          rc, m ? m : "(no message)");
    gossh_error_free(e);
    e = NULL;
    CHECK(gossh_group_add_host_list(g, "y", base, hp, hp_ok, 2, &idx, NULL) == 0 && idx == 1,
          "add_host_list: index %zu (the refused list added no host)", idx);
    CHECK(gossh_group_add_host(g, "z", base, NULL, NULL) == GOSSH_E_INVALID, "base got the list's hostname");
    CHECK(gossh_group_add_host_list(g, "y", NULL, hp, hp_ok, 2, &idx, NULL) == 0 && idx == 2,
          "add_host_list with no base");
    CHECK(gossh_group_add_host_list(g, "y", NULL, NULL, NULL, 0, NULL, NULL) == GOSSH_E_INVALID,
          "add_host_list with no hostname at all");
    CHECK(gossh_group_add_host_list(g, NULL, base, hp, hp_ok, 2, NULL, NULL) == GOSSH_E_INVALID, "NULL name");
    CHECK(gossh_group_add_host_list(g, "y", base, NULL, hp_ok, 2, NULL, NULL) == GOSSH_E_INVALID, "NULL names");
    CHECK(gossh_group_add_host_list(g, "y", (gossh_options *)g, hp, hp_ok, 2, NULL, NULL) == GOSSH_E_BADHANDLE,
          "wrong base handle");
    CHECK(gossh_group_add_host_list((gossh_group *)base, "y", NULL, hp, hp_ok, 2, NULL, NULL) ==
              GOSSH_E_BADHANDLE,
          "wrong group handle");
    gossh_options_free(base);
    CHECK(gossh_group_add_host_list(g, "y", base, hp, hp_ok, 2, NULL, NULL) == GOSSH_E_BADHANDLE, "freed base");
    gossh_group_close(g, NULL);
    CHECK(gossh_group_add_host_list(g, "y", NULL, hp, hp_ok, 2, NULL, NULL) == GOSSH_E_CLOSED, "closed group");
    gossh_group_free(g);
}

static void test_bad_input(void) {
    gossh_group *g = new_group();
    gossh_error *e = NULL;
    gossh_group_result *r = (gossh_group_result *)1;
    CHECK(gossh_group_new(NULL, NULL) == GOSSH_E_INVALID, "new NULL");
    CHECK(gossh_group_set(g, "nope", "1", &e) == GOSSH_E_INVALID && e, "unknown option");
    gossh_error_free(e);
    CHECK(gossh_group_set(g, "pool_size", "0", NULL) == GOSSH_E_INVALID, "pool_size 0");
    CHECK(gossh_group_set(g, NULL, "1", NULL) == GOSSH_E_INVALID, "NULL name");
    CHECK(gossh_group_set(NULL, "pool_size", "1", NULL) == GOSSH_E_INVALID, "NULL group");
    CHECK(gossh_group_set_policy(g, 99, NULL) == GOSSH_E_INVALID, "policy 99");
    gossh_options *o = test_options(NULL);
    CHECK(gossh_group_set(( gossh_group *)o, "pool_size", "1", NULL) == GOSSH_E_BADHANDLE, "wrong handle");
    CHECK(gossh_group_add_host(g, NULL, o, NULL, NULL) == GOSSH_E_INVALID, "NULL name");
    CHECK(gossh_group_add_host(g, "x", NULL, NULL, NULL) == GOSSH_E_INVALID, "NULL options");
    CHECK(gossh_group_set_host_command(g, 5, "x", NULL) == GOSSH_E_INVALID, "no host 5");
    gossh_session_spec *spec = exec_spec("true");
    CHECK(gossh_group_run(g, spec, NULL) == GOSSH_E_INVALID, "run with no hosts");
    CHECK(gossh_group_next(g, 0, &r, NULL) == 0 && r == NULL, "next before a run");
    CHECK(gossh_group_next(g, -5, &r, NULL) == GOSSH_E_INVALID, "next bad timeout");
    CHECK(gossh_group_next(g, 0, NULL, NULL) == GOSSH_E_INVALID, "next NULL out");
    CHECK(gossh_group_result_get(NULL, "index", NULL, NULL) == GOSSH_E_INVALID, "result NULL");
    CHECK(gossh_group_result_get((gossh_group_result *)g, "index", NULL, NULL) == GOSSH_E_BADHANDLE,
          "result wrong handle");
    /* one real result for the accessors' own checks */
    gossh_group_add_host(g, "one", o, NULL, NULL);
    gossh_group_set_host_command(g, 0, "echo x", NULL);
    CHECK(gossh_group_run(g, spec, NULL) == 0, "run");
    CHECK(gossh_group_next(g, 60000, &r, NULL) == 0 && r, "next");
    int64_t v;
    const uint8_t *d;
    size_t n;
    CHECK(gossh_group_result_get(r, "nope", &v, NULL) == GOSSH_E_INVALID, "unknown field");
    CHECK(gossh_group_result_output(r, 2, &d, &n, NULL) == GOSSH_E_INVALID, "stream 2");
    CHECK(gossh_group_result_name(r, NULL, NULL) == GOSSH_E_INVALID, "name NULL out");
    gossh_group_result_info info = GOSSH_GROUP_RESULT_INFO_INIT;
    CHECK(gossh_group_result_read(r, NULL, NULL) == GOSSH_E_INVALID, "read NULL info");
    CHECK(gossh_group_result_read(NULL, &info, NULL) == GOSSH_E_INVALID, "read NULL result");
    CHECK(gossh_group_result_read((gossh_group_result *)g, &info, NULL) == GOSSH_E_BADHANDLE,
          "read wrong handle");
    info.size = sizeof info - 1;
    info.index = 77;
    CHECK(gossh_group_result_read(r, &info, &e) == GOSSH_E_INVALID && e && info.index == 77,
          "read with a short size: an error, info unchanged");
    gossh_error_free(e);
    e = NULL;
    info.size = 0;
    CHECK(gossh_group_result_read(r, &info, NULL) == GOSSH_E_INVALID, "read with size 0");
    info.size = sizeof info;
    CHECK(gossh_group_result_read(r, &info, NULL) == 0 && info.index == 0 && info.name &&
              strcmp(info.name, "one") == 0,
          "read the one host's result");
    gossh_group_result_free(r);
    CHECK(gossh_group_result_get(r, "index", &v, NULL) == GOSSH_E_BADHANDLE, "freed result");
    CHECK(gossh_group_result_read(r, &info, NULL) == GOSSH_E_BADHANDLE, "read freed result");
    CHECK(gossh_group_next(g, 60000, &r, NULL) == 0 && r == NULL, "done");
    gossh_group_close(g, NULL);
    CHECK(gossh_group_run(g, spec, NULL) == GOSSH_E_CLOSED, "run after close");
    CHECK(gossh_group_add_host(g, "x", o, NULL, NULL) == GOSSH_E_CLOSED, "add after close");
    gossh_group_free(g);
    CHECK(gossh_group_run(g, spec, NULL) == GOSSH_E_BADHANDLE, "freed group");
    gossh_group_free(NULL);
    gossh_group_result_free(NULL);
    gossh_session_spec_free(spec);
    gossh_options_free(o);
    test_set_list_bad_input();
}

/* Results taken by an event loop (gossh_group_watch): next with timeout 0
 * until GOSSH_E_TIMEOUT (which arms), then poll() on the readiness pipe
 * for the group's record; no thread waits in next. 60 hosts (good ones
 * and refused ports), three runs on one group (the watch lasts over runs). */
static void test_watch(void) {
    enum { N = 60 };
    CHECK(gossh_group_watch(NULL, NULL) == GOSSH_E_INVALID, "group_watch(NULL)");
    int efd = -1;
    CHECK(gossh_events_fd(&efd, NULL) == 0 && efd >= 0, "events_fd");
    gossh_group *g = new_group();
    gossh_group_set(g, "pool_size", "20", NULL);
    for (int i = 0; i < N; i++) {
        gossh_options *o = host_options(i % 5 == 4 ? REFUSED : GOOD);
        CHECK(gossh_group_add_host(g, i % 5 == 4 ? "refused" : "good", o, NULL, NULL) == 0, "add_host %d", i);
        gossh_options_free(o);
    }
    CHECK(gossh_group_watch(g, NULL) == 0, "group_watch");
    CHECK(gossh_group_watch(g, NULL) == 0, "group_watch again is a no-op");
    for (int round = 0; round < 3; round++) {
        gossh_session_spec *spec = exec_spec("echo w");
        CHECK(gossh_group_run(g, spec, NULL) == 0, "round %d: run", round);
        gossh_session_spec_free(spec);
        int seen[N] = {0}, got = 0, arms = 0, records = 0, done = 0;
        double deadline = (double)time(NULL) + 60;
        while (!done && (double)time(NULL) < deadline) {
            for (;;) { /* everything that is in, without waiting */
                gossh_group_result *r = NULL;
                int rc = gossh_group_next(g, 0, &r, NULL);
                if (rc == GOSSH_E_TIMEOUT) { arms++; break; }
                CHECK(rc == 0, "round %d: next(0): %d", round, rc);
                if (rc != 0 || !r) { done = 1; break; }
                int64_t i = get(r, "index");
                gossh_error *re = NULL;
                gossh_group_result_error(r, &re, NULL);
                int code = re ? gossh_error_code(re) : 0;
                gossh_error_free(re);
                if (i >= 0 && i < N && !seen[i]) {
                    seen[i] = 1;
                    got++;
                    int want = i % 5 == 4 ? GOSSH_E_CONNECT : 0;
                    CHECK(code == want, "round %d: host %lld: %d, want %d", round, (long long)i, code, want);
                } else {
                    CHECK(0, "round %d: result %lld out of range or twice", round, (long long)i);
                }
                gossh_group_result_free(r);
            }
            if (done) break;
            struct pollfd pf = {efd, POLLIN, 0};
            if (poll(&pf, 1, 1000) <= 0) continue;
            uint64_t recs[64];
            ssize_t n = read(efd, recs, sizeof recs);
            int mine = 0;
            for (ssize_t k = 0; k < n / 8; k++) mine += recs[k] == (uint64_t)(uintptr_t)g;
            CHECK(mine <= arms + 1, "round %d: %d records after %d armings: a flood", round, mine, arms);
            records += mine;
            if (mine) arms = 0;
        }
        CHECK(done && got == N, "round %d: every result through records (%d of %d, %d records)", round, got, N,
              records);
        CHECK(records > 0, "round %d: the loop waited on records (%d)", round, records);
    }
    gossh_group_free(g);
}

int main(void) {
    test_server_from_env();
    int fd = listen_any(&refused_port);
    close(fd); /* nothing listens there now */
    silent_fd = listen_any(&silent_port);
    CHECK(silent_fd >= 0, "silent listener");
    read_wrong_key();
    start_extra_sshd();

    test_bad_input(); /* also warms the runtime up before the counts */
    int efd0 = -1;     /* the readiness pipe (test_watch) is the process's for good: before the counts */
    CHECK(gossh_events_fd(&efd0, NULL) == 0, "events_fd");
    int fds0 = count_dir("/proc/self/fd"), threads0 = count_dir("/proc/self/task");
    for (int i = 0; i < 2; i++) test_mixed();
    test_stop_on_errors();
    test_cancel();
    test_transfer();
    test_watch();
    /* closes finish on the library's threads: let them (bounded, no timing asserted) */
    int fds = 0, threads = 0;
    for (int i = 0; i < 600; i++) {
        fds = count_dir("/proc/self/fd");
        threads = count_dir("/proc/self/task");
        if (fds <= fds0 + 2) break;
        usleep(50 * 1000);
    }
    CHECK(fds <= fds0 + 2, "descriptors: %d before, %d after", fds0, fds);
    /* The Go runtime keeps its threads once made (it never ends them), so
     * the count may grow by what the pool's blocking calls needed, once:
     * bounded, not per host. */
    CHECK(threads <= threads0 + 40, "threads: %d before, %d after", threads0, threads);
    printf("fds %d -> %d, threads %d -> %d\n", fds0, fds, threads0, threads);

    if (extra_pid > 0) {
        kill(extra_pid, SIGTERM);
        waitpid(extra_pid, NULL, 0);
    }
    close(silent_fd);
    return summary("test_group");
}
