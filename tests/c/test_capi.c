/*
 * test_capi.c — tests the C API of libgossh against the real sshd that
 * testenv/with-sshd.sh starts. Prints one line per check and a closing
 * "N passed, N failed" line; exits non-zero on any failure.
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include "check.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>



/* How long a wait for something that must happen may last before the test
   calls it a hang. No timing assertion: it happens at once when all is well. */
#define HANG_GUARD_S 60

/* a client that knows the server, connected with o (*rc_out: the result) */
static gossh_client *connect_with(gossh_options *o, int *rc_out, gossh_error **err) {
    gossh_client *c = test_client();
    int rc = gossh_client_connect(c, o, err);
    if (rc_out) *rc_out = rc;
    return c;
}

/* reads a whole stream into a malloc'd buffer */
static size_t read_all(gossh_channel *ch, int stream, char **out) {
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (cap - len < 65536) buf = realloc(buf, cap *= 2);
        size_t n = 0;
        gossh_error *err = NULL;
        int rc = gossh_channel_read(ch, stream, buf + len, cap - len, 30000, &n, &err);
        if (rc != 0) {
            printf("read error %d: %s\n", rc, gossh_error_message(err));
            gossh_error_free(err);
            break;
        }
        if (n == 0) break;
        len += n;
    }
    *out = buf;
    return len;
}

static void test_version_and_bad_input(void) {
    const char *vs = NULL;
    int v = gossh_version(&vs);
    CHECK(v == GOSSH_VERSION_NUMBER, "library version %d, header %d", v, GOSSH_VERSION_NUMBER);
    CHECK(vs && strlen(vs) > 0, "version string");

    gossh_error *err = NULL;
    CHECK(gossh_client_new(NULL, &err) == GOSSH_E_INVALID, "client_new(NULL)");
    CHECK(gossh_error_code(err) == GOSSH_E_INVALID, "error object code");
    CHECK(strlen(gossh_error_message(err)) > 0, "error message");
    gossh_error_free(err);
    gossh_error_free(err); /* second free: no-op */
    CHECK(gossh_error_code(err) == GOSSH_E_BADHANDLE, "freed error is a bad handle");
    CHECK(gossh_error_message(NULL) != NULL, "message of NULL error is a static string");

    CHECK(gossh_client_connect(NULL, NULL, NULL) == GOSSH_E_INVALID, "connect(NULL)");
    CHECK(gossh_client_connect((gossh_client *)(uintptr_t)0xdeadbeef, NULL, &err) == GOSSH_E_BADHANDLE,
          "garbage client handle");
    gossh_error_free(err);

    gossh_client *c = NULL;
    gossh_options *o = NULL;
    gossh_client_new(&c, NULL);
    gossh_options_new(&o, NULL);
    CHECK(gossh_client_connect((gossh_client *)o, o, &err) == GOSSH_E_BADHANDLE, "options passed as client");
    CHECK(strstr(gossh_error_message(err), "gossh_client") != NULL, "wrong-type message names the type: %s",
          gossh_error_message(err));
    gossh_error_free(err);
    CHECK(gossh_client_connect(c, o, &err) == GOSSH_E_INVALID, "connect without hostname");
    gossh_error_free(err);
    CHECK(gossh_options_set(o, "no_such_option", "1", &err) == GOSSH_E_INVALID, "unknown option");
    CHECK(err && strstr(gossh_error_message(err), "no_such_option"), "message names the option");
    gossh_error_free(err);
    CHECK(gossh_options_set(o, "port", "99999", NULL) == GOSSH_E_INVALID, "bad port");
    gossh_client_free(c);
    gossh_client_free(c); /* second free: no-op */
    CHECK(gossh_client_exec(c, "true", -1, &(gossh_channel *){NULL}, NULL) == GOSSH_E_BADHANDLE, "freed client");
    gossh_channel *ch = NULL;
    size_t n = 0;
    char buf[4];
    CHECK(gossh_channel_read(ch, 0, buf, sizeof buf, 0, &n, NULL) == GOSSH_E_INVALID, "read on NULL channel");
    gossh_options_free(o);
    gossh_options_free(NULL);
    gossh_free(NULL);

    gossh_key *k = NULL;
    CHECK(gossh_key_from_data("garbage", 7, NULL, &k, &err) == GOSSH_E_KEY, "garbage key");
    gossh_error_free(err);
    CHECK(gossh_key_from_file(test_path("id_ed25519_enc"), NULL, &k, NULL) == GOSSH_E_PASSWORD_REQUIRED,
          "encrypted key without passphrase");
    CHECK(gossh_key_from_file(test_path("no_such_file"), NULL, &k, NULL) == GOSSH_E_IO, "missing key file");
}

static void test_keys_and_auth(void) {
    const char *names[] = {"id_ed25519", "id_ecdsa", "id_rsa", "id_rsa_pem"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        gossh_options *o = test_options(names[i]);
        gossh_error *err = NULL;
        int rc;
        gossh_client *c = connect_with(o, &rc, &err);
        CHECK(rc == 0, "key auth with %s: %s", names[i], err ? gossh_error_message(err) : "");
        CHECK(gossh_client_is_authenticated(c) == 1, "authenticated with %s", names[i]);
        gossh_error_free(err);
        gossh_client_free(c);
        gossh_options_free(o);
    }
    /* a loaded key (pkey) with its passphrase, and its fingerprint */
    gossh_key *k = NULL;
    int rc = gossh_key_from_file(test_path("id_ed25519_enc"), passphrase, &k, NULL);
    CHECK(rc == 0, "encrypted key with passphrase");
    char *fp = NULL, *type = NULL, *pub = NULL;
    gossh_key_fingerprint(k, &fp, NULL);
    gossh_key_type(k, &type, NULL);
    gossh_key_public_text(k, &pub, NULL);
    CHECK(fp && strncmp(fp, "SHA256:", 7) == 0, "fingerprint %s", fp ? fp : "(null)");
    CHECK(type && strcmp(type, "ssh-ed25519") == 0, "type %s", type ? type : "(null)");
    CHECK(pub && strncmp(pub, "ssh-ed25519 AAAA", 16) == 0, "public text");
    gossh_free(fp);
    gossh_free(type);
    gossh_free(pub);
    gossh_options *o = test_options(NULL);
    gossh_options_add_key(o, k, NULL);
    gossh_key_free(k); /* the options keep their own reference */
    gossh_error *err = NULL;
    gossh_client *c = connect_with(o, &rc, &err);
    CHECK(rc == 0, "auth with a loaded key: %s", err ? gossh_error_message(err) : "");
    gossh_error_free(err);
    gossh_client_free(c);
    gossh_options_free(o);

    o = test_options("id_wrong");
    c = connect_with(o, &rc, &err);
    CHECK(rc == GOSSH_E_AUTH, "wrong key gives GOSSH_E_AUTH, got %d", rc);
    const char *allowed = gossh_error_detail(err, "allowed_types");
    CHECK(allowed && strstr(allowed, "publickey"), "allowed_types detail: %s", allowed ? allowed : "(null)");
    CHECK(gossh_error_detail(err, "no_such_detail") == NULL, "absent detail is NULL");
    gossh_error_free(err);
    gossh_client_free(c);
    gossh_options_free(o);

    o = test_options("id_ed25519_enc");
    c = connect_with(o, &rc, NULL);
    CHECK(rc == GOSSH_E_PASSWORD_REQUIRED, "encrypted key file without passphrase: %d", rc);
    gossh_client_free(c);
    gossh_options_free(o);

    if (password && *password) {
        o = test_options(NULL);
        gossh_options_set(o, "password", password, NULL);
        c = connect_with(o, &rc, &err);
        CHECK(rc == 0, "password auth: %s", err ? gossh_error_message(err) : "");
        gossh_error_free(err);
        gossh_client_free(c);
        gossh_options_set(o, "password", "wrong-password", NULL);
        c = connect_with(o, &rc, NULL);
        CHECK(rc == GOSSH_E_AUTH, "wrong password: %d", rc);
        gossh_client_free(c);
        gossh_options_free(o);
    } else {
        printf("skip: password auth (no test password)\n");
    }
}

static int cb_calls;
static int policy_cb(const char *hostname, const char *key_type, const char *key_base64,
                     const char *fingerprint, void *userdata) {
    cb_calls++;
    (void)hostname;
    (void)key_base64;
    (void)fingerprint;
    return key_type && *(int *)userdata;
}

static void test_host_keys(void) {
    gossh_options *o = test_options("id_ed25519");
    gossh_client *c = NULL;
    gossh_error *err = NULL;
    gossh_client_new(&c, NULL);
    int rc = gossh_client_connect(c, o, &err);
    CHECK(rc == GOSSH_E_HOSTKEY_UNKNOWN, "unknown host rejected by default: %d", rc);
    CHECK(gossh_error_detail(err, "hostname") && gossh_error_detail(err, "key"), "unknown host details");
    CHECK(gossh_client_is_active(c) == 0, "rejected client not active");
    gossh_error_free(err);

    int answer = 0;
    gossh_client_set_policy_callback(c, policy_cb, &answer, NULL);
    rc = gossh_client_connect(c, o, NULL);
    CHECK(rc == GOSSH_E_HOSTKEY_UNKNOWN && cb_calls == 1, "callback rejecting: rc %d, calls %d", rc, cb_calls);
    answer = 1;
    rc = gossh_client_connect(c, o, NULL);
    CHECK(rc == 0 && cb_calls == 2, "callback accepting: rc %d, calls %d", rc, cb_calls);
    gossh_client_free(c);

    char path[600];
    snprintf(path, sizeof path, "%s/autoadd_known_hosts", keydir);
    unlink(path);
    gossh_client_new(&c, NULL);
    gossh_client_load_host_keys(c, path, NULL);
    gossh_client_set_policy(c, GOSSH_POLICY_AUTOADD, NULL);
    rc = gossh_client_connect(c, o, NULL);
    CHECK(rc == 0, "auto-add connects");
    CHECK(access(path, R_OK) == 0, "auto-add saved the known_hosts file");
    CHECK(gossh_client_set_policy(c, 42, NULL) == GOSSH_E_INVALID, "unknown policy");
    gossh_client_free(c);

    gossh_client_new(&c, NULL);
    gossh_client_load_host_keys(c, test_path("known_hosts_wrong"), NULL);
    rc = gossh_client_connect(c, o, &err);
    CHECK(rc == GOSSH_E_HOSTKEY_MISMATCH, "mismatch: %d", rc);
    const char *k = gossh_error_detail(err, "key"), *e = gossh_error_detail(err, "expected_key");
    CHECK(k && e && strcmp(k, e) != 0, "mismatch details key/expected_key");
    gossh_error_free(err);
    gossh_client_free(c);
    gossh_options_free(o);
}

struct big_args {
    gossh_channel *ch;
    size_t out, err;
    int status;
};

/*
 * The policy callback accepts only with GOSSH_HOSTKEY_ACCEPT (1) or
 * GOSSH_HOSTKEY_ACCEPT_ADD (2): any other answer rejects, as 0 does. (Before
 * issue 8 every positive answer accepted, so 7 and 3 let the host in.)
 */
static int answer_cb(const char *hostname, const char *key_type, const char *key_base64,
                     const char *fingerprint, void *userdata) {
    (void)hostname;
    (void)key_type;
    (void)key_base64;
    (void)fingerprint;
    return *(int *)userdata;
}

static void test_policy_answers(void) {
    gossh_options *o = test_options("id_ed25519");
    const int rejects[] = {GOSSH_HOSTKEY_REJECT, 7, 3, -1, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof rejects / sizeof rejects[0]; i++) {
        int answer = rejects[i];
        gossh_client *c = NULL;
        gossh_error *err = NULL;
        gossh_client_new(&c, NULL);
        gossh_client_set_policy_callback(c, answer_cb, &answer, NULL);
        int rc = gossh_client_connect(c, o, &err);
        CHECK(rc == GOSSH_E_HOSTKEY_UNKNOWN, "callback answering %d rejects: rc %d (%s)", answer, rc, msg(err));
        CHECK(gossh_client_is_active(c) == 0, "callback answering %d: not active", answer);
        gossh_error_free(err);
        gossh_client_free(c);
    }
    const int accepts[] = {GOSSH_HOSTKEY_ACCEPT, GOSSH_HOSTKEY_ACCEPT_ADD};
    for (size_t i = 0; i < sizeof accepts / sizeof accepts[0]; i++) {
        int answer = accepts[i];
        gossh_client *c = NULL;
        gossh_error *err = NULL;
        gossh_hostkeys *hk = NULL;
        gossh_client_new(&c, NULL);
        gossh_client_set_policy_callback(c, answer_cb, &answer, NULL);
        int rc = gossh_client_connect(c, o, &err);
        CHECK(rc == 0, "callback answering %d accepts: rc %d (%s)", answer, rc, msg(err));
        gossh_client_get_host_keys(c, &hk, NULL);
        int want = answer == GOSSH_HOSTKEY_ACCEPT_ADD ? 1 : 0;
        CHECK(gossh_hostkeys_count(hk) == want, "callback answering %d: %d host keys, want %d", answer,
              gossh_hostkeys_count(hk), want);
        gossh_hostkeys_free(hk);
        gossh_error_free(err);
        gossh_client_free(c);
    }
    gossh_options_free(o);
}

/* Every GOSSH_* code by its macro name: gossh_code_name must agree. */
#define CODE(x) {x, #x}
static const struct {
    int code;
    const char *name;
} all_codes[] = {
    CODE(GOSSH_OK), CODE(GOSSH_E_INVALID), CODE(GOSSH_E_BADHANDLE), CODE(GOSSH_E_INTERNAL),
    CODE(GOSSH_E_CONNECT), CODE(GOSSH_E_TIMEOUT), CODE(GOSSH_E_AUTH), CODE(GOSSH_E_BADAUTHTYPE),
    CODE(GOSSH_E_PASSWORD_REQUIRED), CODE(GOSSH_E_HOSTKEY_UNKNOWN), CODE(GOSSH_E_HOSTKEY_MISMATCH),
    CODE(GOSSH_E_PROTOCOL), CODE(GOSSH_E_CLOSED), CODE(GOSSH_E_CHANNEL), CODE(GOSSH_E_KEY),
    CODE(GOSSH_E_NOT_CONNECTED), CODE(GOSSH_E_IO), CODE(GOSSH_E_SFTP), CODE(GOSSH_E_CANCELLED),
};

static void test_code_names(void) {
    size_t n = sizeof all_codes / sizeof all_codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *got = gossh_code_name(all_codes[i].code);
        CHECK(got && strcmp(got, all_codes[i].name) == 0, "gossh_code_name(%d) = %s, want %s",
              all_codes[i].code, got ? got : "(null)", all_codes[i].name);
        /* consecutive, as the header promises */
        CHECK(all_codes[i].code == -(int)i, "%s is %d, want %d", all_codes[i].name, all_codes[i].code, -(int)i);
    }
    const int unknown[] = {-(int)n, 1, 7, -1000, INT_MIN, INT_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *got = gossh_code_name(unknown[i]);
        CHECK(got && strcmp(got, "GOSSH_E_UNKNOWN") == 0, "gossh_code_name(%d) = %s", unknown[i],
              got ? got : "(null)");
    }
    CHECK(gossh_code_name(GOSSH_E_AUTH) == gossh_code_name(GOSSH_E_AUTH), "a static string");
}

/* gossh_channel_read_ready takes err: a bad stream number says why. */
static void test_read_ready_err(void) {
    gossh_options *o = test_options("id_ed25519");
    gossh_error *err = NULL;
    int rc;
    gossh_client *c = connect_with(o, &rc, &err);
    CHECK(rc == 0, "connect: %s", msg(err));
    gossh_error_free(err);
    err = NULL;
    gossh_channel *ch = NULL;
    rc = gossh_client_exec(c, "echo hi", -1, &ch, &err);
    CHECK(rc == 0, "exec: %s", msg(err));
    gossh_error_free(err);
    err = NULL;
    int st = -1;
    gossh_channel_exit_status(ch, 10000, &st, NULL);
    int64_t n = gossh_channel_read_ready(ch, 5, &err);
    CHECK(n == GOSSH_E_INVALID && err && strstr(gossh_error_message(err), "stream"),
          "read_ready of stream 5: %lld %s", (long long)n, msg(err));
    gossh_error_free(err);
    /* The exit status may come before the output (OpenSSH sends it when the
     * command exits): wait for "hi\n" to be buffered (a hang guard, not a
     * timing: at most 30 s). */
    for (int i = 0; i < 3000 && gossh_channel_read_ready(ch, GOSSH_STREAM_STDOUT, NULL) == 0; i++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    err = (gossh_error *)1;
    n = gossh_channel_read_ready(ch, GOSSH_STREAM_STDOUT, &err);
    CHECK(n == 3 && err == NULL, "read_ready of stdout after echo hi: %lld, err cleared", (long long)n);
    gossh_channel_free(ch);
    err = NULL;
    n = gossh_channel_read_ready(ch, GOSSH_STREAM_STDOUT, &err);
    CHECK(n == GOSSH_E_BADHANDLE && err && gossh_error_code(err) == GOSSH_E_BADHANDLE,
          "read_ready of a freed channel: %lld %s", (long long)n, msg(err));
    gossh_error_free(err);
    gossh_client_free(c);
    gossh_options_free(o);
}

static void *big_reader(void *p) {
    struct big_args *a = p;
    char *buf;
    a->out = read_all(a->ch, GOSSH_STREAM_STDOUT, &buf);
    free(buf);
    a->err = read_all(a->ch, GOSSH_STREAM_STDERR, &buf);
    free(buf);
    gossh_channel_exit_status(a->ch, 30000, &a->status, NULL);
    return NULL;
}

static void test_exec(void) {
    gossh_options *o = test_options("id_ed25519");
    int rc;
    gossh_client *c = connect_with(o, &rc, NULL);
    CHECK(rc == 0, "connect for exec");

    gossh_channel *ch = NULL;
    gossh_error *err = NULL;
    rc = gossh_client_exec(c, "echo out; echo err >&2; exit 7", 10000, &ch, &err);
    CHECK(rc == 0, "exec: %s", err ? gossh_error_message(err) : "");
    char *out, *errs;
    size_t n1 = read_all(ch, GOSSH_STREAM_STDOUT, &out), n2 = read_all(ch, GOSSH_STREAM_STDERR, &errs);
    CHECK(n1 == 4 && memcmp(out, "out\n", 4) == 0, "stdout");
    CHECK(n2 == 4 && memcmp(errs, "err\n", 4) == 0, "stderr");
    free(out);
    free(errs);
    int status = 0;
    CHECK(gossh_channel_exit_status(ch, 10000, &status, NULL) == 0 && status == 7, "exit status %d", status);
    CHECK(gossh_channel_exit_status_ready(ch) == 1, "exit status ready");
    gossh_channel_free(ch);
    gossh_channel_free(ch);

    /* stdin round trip */
    gossh_client_exec(c, "cat", 10000, &ch, NULL);
    const char msg[] = "hello through stdin\n";
    CHECK(gossh_channel_write(ch, msg, strlen(msg), 5000, NULL, NULL) == 0, "write");
    CHECK(gossh_channel_send_eof(ch, NULL) == 0, "send eof");
    CHECK(gossh_channel_write(ch, msg, 1, 5000, NULL, NULL) == GOSSH_E_CLOSED, "write after eof");
    n1 = read_all(ch, GOSSH_STREAM_STDOUT, &out);
    CHECK(n1 == strlen(msg) && memcmp(out, msg, n1) == 0, "stdin echoed back");
    free(out);
    gossh_channel_free(ch);

    /* read_any */
    gossh_client_exec(c, "printf a; printf b >&2", 10000, &ch, NULL);
    char buf[16];
    size_t got_out = 0, got_err = 0;
    for (;;) {
        int stream = 9;
        size_t n = 0;
        rc = gossh_channel_read_any(ch, buf, sizeof buf, 10000, &stream, &n, NULL);
        if (rc != 0 || n == 0) {
            CHECK(rc == 0 && stream == -1, "read_any ends with stream -1");
            break;
        }
        if (stream == GOSSH_STREAM_STDOUT) got_out += n;
        if (stream == GOSSH_STREAM_STDERR) got_err += n;
    }
    CHECK(got_out == 1 && got_err == 1, "read_any saw both streams");
    gossh_channel_free(ch);

    /* read timeout, then close from another thread */
    gossh_client_exec(c, "sleep 20", 10000, &ch, NULL);
    size_t n = 0;
    /* ends by its own 200 ms timeout: a timeout, not data or the end */
    rc = gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, sizeof buf, 200, &n, &err);
    CHECK(rc == GOSSH_E_TIMEOUT, "read timeout: %d", rc);
    CHECK(gossh_error_detail(err, "stage") && strcmp(gossh_error_detail(err, "stage"), "read") == 0, "stage");
    gossh_error_free(err);
    CHECK(gossh_channel_read(ch, 5, buf, sizeof buf, 0, &n, NULL) == GOSSH_E_INVALID, "bad stream");
    gossh_channel_free(ch);

    /* 10 MB on each stream, stdout read first: no deadlock */
    gossh_client_exec(c, "head -c 10485760 /dev/zero >&2; head -c 10485760 /dev/zero", 10000, &ch, NULL);
    struct big_args a = {ch, 0, 0, -2};
    pthread_t th;
    pthread_create(&th, NULL, big_reader, &a);
    pthread_join(th, NULL);
    CHECK(a.out == 10485760 && a.err == 10485760 && a.status == 0, "10 MB each: %zu/%zu status %d", a.out,
          a.err, a.status);
    gossh_channel_free(ch);

    CHECK(gossh_client_close(c, NULL) == 0 && gossh_client_close(c, NULL) == 0, "close twice");
    rc = gossh_client_exec(c, "true", 1000, &ch, NULL);
    CHECK(rc == GOSSH_E_CLOSED, "exec after close: %d", rc);
    gossh_client_free(c);
    gossh_options_free(o);
}

static void test_network_errors(void) {
    /* a closed port */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    bind(s, (struct sockaddr *)&sa, sizeof sa);
    getsockname(s, (struct sockaddr *)&sa, &len);
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", ntohs(sa.sin_port));
    close(s);
    gossh_options *o = NULL;
    gossh_options_new(&o, NULL);
    gossh_options_set(o, "hostname", "127.0.0.1", NULL);
    gossh_options_set(o, "port", portbuf, NULL);
    gossh_client *c = NULL;
    gossh_client_new(&c, NULL);
    gossh_error *err = NULL;
    int rc = gossh_client_connect(c, o, &err);
    CHECK(rc == GOSSH_E_CONNECT, "closed port: %d", rc);
    CHECK(gossh_error_detail(err, "address") != NULL, "address detail");
    gossh_error_free(err);

    /* a listener that never speaks: the kernel completes the handshake */
    s = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_port = 0;
    bind(s, (struct sockaddr *)&sa, sizeof sa);
    listen(s, 8);
    len = sizeof sa;
    getsockname(s, (struct sockaddr *)&sa, &len);
    snprintf(portbuf, sizeof portbuf, "%d", ntohs(sa.sin_port));
    gossh_options_set(o, "port", portbuf, NULL);
    gossh_options_set(o, "banner_timeout", "0.5", NULL);
    /* the listener never speaks: only the banner timeout ends the connect */
    rc = gossh_client_connect(c, o, &err);
    CHECK(rc == GOSSH_E_TIMEOUT, "silent server: rc %d", rc);
    CHECK(gossh_error_detail(err, "stage") && strcmp(gossh_error_detail(err, "stage"), "banner") == 0,
          "banner stage");
    gossh_error_free(err);
    close(s);
    gossh_client_free(c);
    gossh_options_free(o);
}


static int log_records;
static char log_names[256];
static void log_cb(int level, const char *name, const char *message, void *userdata) {
    (void)message;
    (void)userdata;
    if (level >= GOSSH_LOG_DEBUG) __atomic_add_fetch(&log_records, 1, __ATOMIC_SEQ_CST);
    if (strstr(name, "ctest.transport")) snprintf(log_names, sizeof log_names, "%s", name);
}

/* a one-shot echo server for direct-tcpip */
static void *echo_server(void *p) {
    int s = *(int *)p;
    int c = accept(s, NULL, NULL);
    char buf[256];
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0)
        if (write(c, buf, n) != n) break;
    close(c);
    return NULL;
}

static void test_channels_and_transport(void) {
    CHECK(gossh_set_log_callback(log_cb, GOSSH_LOG_DEBUG, NULL, NULL) == 0, "log callback");
    gossh_options *o = test_options("id_ed25519");
    gossh_client *c = NULL;
    gossh_client_new(&c, NULL);
    gossh_client_set_log_channel(c, "ctest", NULL);
    gossh_client_load_host_keys(c, test_path("known_hosts"), NULL);
    int rc = gossh_client_connect(c, o, NULL);
    CHECK(rc == 0, "connect");
    CHECK(log_records > 0 && strcmp(log_names, "ctest.transport") == 0, "log records (%d) named %s", log_records,
          log_names);
    gossh_set_log_callback(NULL, 0, NULL, NULL);

    char *v = NULL;
    CHECK(gossh_client_info(c, "server_version", &v, NULL) == 0 && strncmp(v, "SSH-2.0-OpenSSH", 15) == 0,
          "server_version %s", v ? v : "");
    gossh_free(v);
    CHECK(gossh_client_info(c, "peer_port", &v, NULL) == 0 && strcmp(v, port) == 0, "peer_port");
    gossh_free(v);
    CHECK(gossh_client_info(c, "kex", &v, NULL) == 0 && strlen(v) > 0, "kex %s", v);
    gossh_free(v);
    CHECK(gossh_client_info(c, "bogus", &v, NULL) == GOSSH_E_INVALID, "unknown info name");
    CHECK(gossh_client_send_ignore(c, NULL) == 0, "send_ignore");
    CHECK(gossh_client_set_keepalive(c, 1000, NULL) == 0, "set_keepalive");

    /* a session step by step: pty, env, exec */
    gossh_channel *ch = NULL;
    CHECK(gossh_client_open_session(c, 5000, &ch, NULL) == 0, "open_session");
    CHECK(gossh_channel_id(ch) > 0, "channel id");
    CHECK(gossh_channel_request_pty(ch, "xterm", 132, 43, 0, 0, 5000, NULL) == 0, "request_pty");
    CHECK(gossh_channel_set_env(ch, "GOSSH_C_VAR", "c-env-ok", 5000, NULL) == 0, "set_env");
    CHECK(gossh_channel_exec(ch, "echo $TERM $GOSSH_C_VAR; stty size", 5000, NULL) == 0, "channel exec");
    char *out;
    size_t n = read_all(ch, GOSSH_STREAM_STDOUT, &out);
    out[n < 1000 ? n : 999] = 0;
    CHECK(strstr(out, "xterm c-env-ok") && strstr(out, "43 132"), "pty/env output: %s", out);
    free(out);
    CHECK(gossh_channel_info(ch, "type", &v, NULL) == 0 && strcmp(v, "session") == 0, "channel type");
    gossh_free(v);
    gossh_channel_free(ch);

    /* a shell, resized */
    gossh_client_open_session(c, 5000, &ch, NULL);
    gossh_channel_request_pty(ch, NULL, 80, 24, 0, 0, 5000, NULL);
    CHECK(gossh_channel_shell(ch, 5000, NULL) == 0, "shell");
    CHECK(gossh_channel_resize_pty(ch, 100, 50, 0, 0, NULL) == 0, "resize");
    usleep(100000);
    const char *cmd = "stty size; exit 3\n";
    gossh_channel_write(ch, cmd, strlen(cmd), 5000, NULL, NULL);
    n = read_all(ch, GOSSH_STREAM_STDOUT, &out);
    out[n < 1000 ? n : 999] = 0;
    CHECK(strstr(out, "50 100") != NULL, "resized shell: %s", out);
    free(out);
    int status = 0;
    gossh_channel_exit_status(ch, 5000, &status, NULL);
    CHECK(status == 3, "shell exit status %d", status);
    gossh_channel_free(ch);

    /* subsystem, combine stderr, fileno, signal */
    gossh_client_open_session(c, 5000, &ch, NULL);
    CHECK(gossh_channel_subsystem(ch, "no-such-subsystem", 5000, NULL) == GOSSH_E_CHANNEL, "refused subsystem");
    gossh_channel_free(ch);
    gossh_client_open_session(c, 5000, &ch, NULL);
    int prev = 7;
    CHECK(gossh_channel_set_combine_stderr(ch, 1, &prev, NULL) == 0 && prev == 0, "combine stderr");
    int fd = -1;
    CHECK(gossh_channel_fileno(ch, &fd, NULL) == 0 && fd >= 0, "fileno");
    gossh_channel_exec(ch, "sleep 0.2; echo e >&2", 5000, NULL);
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fd, &set);
    struct timeval tv = {HANG_GUARD_S, 0}; /* a hang guard: select returns once readable */
    CHECK(select(fd + 1, &set, NULL, NULL, &tv) == 1, "fileno became readable");
    n = read_all(ch, GOSSH_STREAM_STDOUT, &out);
    CHECK(n == 2 && memcmp(out, "e\n", 2) == 0, "stderr arrived on stdout");
    free(out);
    gossh_channel_free(ch);
    /* signal only once the command runs: sshd drops a signal sent before it forks */
    gossh_client_exec(c, "echo started; exec sleep 30", 5000, &ch, NULL);
    char started[64];
    n = 0;
    gossh_channel_read(ch, GOSSH_STREAM_STDOUT, started, sizeof started, 10000, &n, NULL);
    CHECK(n > 0, "command started");
    CHECK(gossh_channel_signal(ch, "KILL", NULL) == 0, "signal");
    gossh_channel_exit_status(ch, 10000, &status, NULL);
    CHECK(gossh_channel_info(ch, "exit_signal", &v, NULL) == 0, "exit_signal info");
    CHECK(status == -1 && strcmp(v, "KILL") == 0, "killed: status %d signal %s", status, v);
    gossh_free(v);
    gossh_channel_free(ch);

    /* direct-tcpip to a local echo server */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    bind(s, (struct sockaddr *)&sa, sizeof sa);
    listen(s, 1);
    getsockname(s, (struct sockaddr *)&sa, &len);
    pthread_t th;
    pthread_create(&th, NULL, echo_server, &s);
    rc = gossh_client_open_direct_tcpip(c, "127.0.0.1", ntohs(sa.sin_port), NULL, 0, 5000, &ch, NULL);
    CHECK(rc == 0, "direct-tcpip: %d", rc);
    gossh_channel_write(ch, "ping", 4, 5000, NULL, NULL);
    gossh_channel_send_eof(ch, NULL);
    n = read_all(ch, GOSSH_STREAM_STDOUT, &out);
    CHECK(n == 4 && memcmp(out, "ping", 4) == 0, "echo through direct-tcpip");
    free(out);
    gossh_channel_free(ch);
    pthread_join(th, NULL);
    close(s);

    /* remote forwarding */
    int bound = 0;
    rc = gossh_client_request_port_forward(c, "127.0.0.1", 0, &bound, NULL);
    CHECK(rc == 0 && bound > 0, "request_port_forward: rc %d port %d", rc, bound);
    int cs = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in fa = {.sin_family = AF_INET, .sin_port = htons(bound),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(connect(cs, (struct sockaddr *)&fa, sizeof fa) == 0, "connect to forwarded port");
    CHECK(write(cs, "fwd", 3) == 3, "write to forwarded port");
    shutdown(cs, SHUT_WR);
    rc = gossh_client_accept_forward(c, 5000, &ch, NULL);
    CHECK(rc == 0, "accept_forward: %d", rc);
    n = read_all(ch, GOSSH_STREAM_STDOUT, &out);
    CHECK(n == 3 && memcmp(out, "fwd", 3) == 0, "data through the forwarding");
    free(out);
    gossh_channel_free(ch);
    close(cs);
    CHECK(gossh_client_cancel_port_forward(c, "127.0.0.1", bound, NULL) == 0, "cancel forward");
    CHECK(gossh_client_accept_forward(c, 0, &ch, NULL) == GOSSH_E_TIMEOUT, "nothing left to accept");

    gossh_client_free(c);
    CHECK(gossh_client_info(c, "kex", &v, NULL) == GOSSH_E_BADHANDLE, "info on freed client");
    gossh_options_free(o);
}

struct blocked_write {
    gossh_channel *ch;
    int rc;
    atomic_int ended;
};

static void *write_forever(void *p) {
    struct blocked_write *w = p;
    size_t len = 64u << 20;
    char *big = calloc(1, len);
    w->rc = gossh_channel_write(w->ch, big, len, -1, NULL, NULL);
    atomic_store(&w->ended, 1);
    free(big);
    return NULL;
}

/* close() from another thread ends a write blocked on the window */
static void test_close_ends_blocked_write(void) {
    gossh_options *o = test_options("id_ed25519");
    int rc;
    gossh_client *c = connect_with(o, &rc, NULL);
    for (int which = 0; which < 2; which++) {
        gossh_channel *ch = NULL;
        /* never reads stdin and never ends by itself, so only the close can
           end the write; it dies of SIGPIPE once its connection is gone */
        gossh_client_exec(c, "while sleep 1; do echo .; done", 5000, &ch, NULL);
        struct blocked_write w = {ch, 1, 0};
        pthread_t th;
        pthread_create(&th, NULL, write_forever, &w);
        usleep(500000);
        CHECK(!atomic_load(&w.ended), "the 64 MiB write is blocked");
        if (which == 0) gossh_channel_close(ch, NULL);
        else gossh_client_close(c, NULL);
        /* a hang guard, no timing check: the write ends at once, or never */
        struct timespec guard;
        clock_gettime(CLOCK_REALTIME, &guard);
        guard.tv_sec += HANG_GUARD_S;
        int joined = pthread_timedjoin_np(th, NULL, &guard) == 0;
        CHECK(joined && w.rc == GOSSH_E_CLOSED, "%s close ended the write: %s, rc %d",
              which ? "client" : "channel", joined ? "ended" : "still blocked (a hang)", w.rc);
        if (!joined) pthread_detach(th);
        gossh_channel_free(ch);
    }
    gossh_client_free(c);
    gossh_options_free(o);
}

/* Runs "wc -c", writes len bytes of buf with the given timeout (retrying the
 * rest after each GOSSH_E_TIMEOUT), sends EOF and returns what wc counted,
 * or -1. *timeouts counts the timed-out writes. */
static long long write_counted(gossh_client *c, const char *cmd, const char *buf, size_t len,
                               int timeout_ms, int *timeouts) {
    gossh_channel *ch = NULL;
    if (gossh_client_exec(c, cmd, 10000, &ch, NULL) != 0) return -1;
    size_t off = 0;
    *timeouts = 0;
    while (off < len) {
        size_t w = (size_t)-1;
        int rc = gossh_channel_write(ch, buf + off, len - off, timeout_ms, &w, NULL);
        if (w > len - off) { gossh_channel_free(ch); return -2; } /* over-reported */
        off += w;
        if (rc == GOSSH_E_TIMEOUT) { (*timeouts)++; continue; }
        if (rc != 0) { gossh_channel_free(ch); return -3; }
    }
    gossh_channel_send_eof(ch, NULL);
    char *out = NULL;
    read_all(ch, GOSSH_STREAM_STDOUT, &out);
    long long count = atoll(out);
    free(out);
    gossh_channel_free(ch);
    return count;
}

/* Issue 7: lengths are never truncated, a read never mistakes "no room" for
 * the end, a timed-out write says how much it sent, one timeout rule. */
static void test_lengths_and_timeouts(void) {
    int rc;
    gossh_options *o = test_options("id_ed25519");
    gossh_client *c = connect_with(o, &rc, NULL);
    CHECK(rc == 0, "connect for the length tests");

    /* 2^32 + 16 bytes: the length used to be cast to a C int (16 bytes sent,
     * success); 2^31..2^32-1 gave GOSSH_E_INTERNAL. */
    size_t big = ((size_t)1 << 32) + 16;
    char *huge = calloc(big, 1);
    if (huge) {
        int timeouts;
        long long got = write_counted(c, "wc -c", huge, big, -1, &timeouts);
        CHECK(got == (long long)big, "a 2^32+16 byte write arrives whole: wc counted %lld", got);
        free(huge);
    }

    /* A timed-out write leaves the rest unsent: retrying the rest never
     * duplicates (it used to report TIMEOUT for bytes sent later). */
    size_t mid = 4u << 20;
    char *data = malloc(mid);
    memset(data, 'x', mid);
    for (int rep = 0; rep < 5; rep++) {
        int timeouts;
        long long got = write_counted(c, "sleep 0.3; wc -c", data, mid, 20, &timeouts);
        CHECK(got == (long long)mid, "rep %d: %zu bytes written with retries after %d timeouts; wc counted %lld",
              rep, mid, timeouts, got);
    }
    free(data);

    gossh_channel *ch = NULL;
    CHECK(gossh_client_exec(c, "cat", 10000, &ch, NULL) == 0, "exec cat");
    size_t w = 0;
    CHECK(gossh_channel_write(ch, "zero\n", 5, 0, &w, NULL) == 0 && w == 5,
          "a small write with timeout 0 is accepted (%zu)", w);
    CHECK(gossh_channel_write(ch, "x", 1, -2, &w, NULL) == GOSSH_E_INVALID && w == 0, "write timeout -2 is INVALID");
    gossh_channel_send_eof(ch, NULL);
    CHECK(gossh_channel_exit_status(ch, 10000, &rc, NULL) == 0, "cat exits");
    char buf[64];
    size_t n = 99;
    /* cap 0 while data is buffered: INVALID, not the end-of-stream signal */
    CHECK(gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, 0, -1, &n, NULL) == GOSSH_E_INVALID && n == 0,
          "read with cap 0 is INVALID");
    CHECK(gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, sizeof buf, -2, &n, NULL) == GOSSH_E_INVALID,
          "read timeout -2 is INVALID");
    /* cap SIZE_MAX on a buffer that holds the data: no INTERNAL error */
    gossh_error *err = NULL;
    rc = gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, SIZE_MAX, -1, &n, &err);
    CHECK(rc == 0 && n == 5 && memcmp(buf, "zero\n", 5) == 0, "read with cap SIZE_MAX: rc %d n %zu %s", rc, n, msg(err));
    gossh_error_free(err);
    int status;
    CHECK(gossh_channel_exit_status(ch, -2, &status, NULL) == GOSSH_E_INVALID, "exit_status timeout -2 is INVALID");
    gossh_channel_free(ch);

    gossh_channel *none = NULL;
    CHECK(gossh_client_exec(c, "true", -5, &none, NULL) == GOSSH_E_INVALID && none == NULL, "exec timeout -5 is INVALID");
    CHECK(gossh_client_exec(c, "true", 0, &none, NULL) == GOSSH_E_TIMEOUT, "exec with timeout 0 does not wait");
    gossh_channel_free(none);
    gossh_client_free(c);
    gossh_options_free(o);
}

int main(void) {
    test_server_from_env();
    test_version_and_bad_input();
    test_keys_and_auth();
    test_host_keys();
    test_policy_answers();
    test_code_names();
    test_read_ready_err();
    test_exec();
    test_network_errors();
    test_channels_and_transport();
    test_close_ends_blocked_write();
    test_lengths_and_timeouts();
    return summary("test_capi");
}
