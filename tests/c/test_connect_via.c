/*
 * test_connect_via.c — connecting over something other than the client's
 * own TCP connection: a descriptor (gossh_client_connect_fd), another client
 * (gossh_client_connect_via), a channel (gossh_client_connect_channel), the
 * proxy_jump and proxy_command options; against the test sshd.
 */
#define _DEFAULT_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Runs command on c and checks that its output is want. */
static void check_exec(gossh_client *c, const char *command, const char *want, const char *what) {
    gossh_channel *ch = NULL;
    gossh_error *e = NULL;
    int rc = gossh_client_exec(c, command, 10000, &ch, &e);
    CHECK(rc == 0, "%s: exec: %d %s", what, rc, msg(e));
    gossh_error_free(e);
    if (rc != 0) return;
    char buf[256];
    size_t total = 0, n = 0;
    while ((rc = gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf + total, sizeof buf - 1 - total, 10000, &n,
                                    NULL)) == 0 &&
           n > 0)
        total += n;
    buf[total] = 0;
    CHECK(rc == 0 && strcmp(buf, want) == 0, "%s: output '%s' rc %d, want '%s'", what, buf, rc, want);
    gossh_channel_free(ch);
}

/* A TCP socket connected to the test sshd. */
static int dial_sshd(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)atoi(port));
    inet_pton(AF_INET, host, &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int count_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

static void test_fd(void) {
    gossh_options *o = test_options("id_ed25519");
    gossh_client *c = test_client();
    gossh_error *e = NULL;
    int fd = dial_sshd();
    CHECK(fd >= 0, "dial the sshd");
    int rc = gossh_client_connect_fd(c, fd, o, &e);
    close(fd); /* the library holds its own duplicate */
    CHECK(rc == 0, "connect_fd: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    check_exec(c, "echo fd", "fd\n", "connect_fd");
    gossh_client_free(c);

    c = test_client();
    rc = gossh_client_connect_fd(c, -1, o, &e);
    CHECK(rc == GOSSH_E_INVALID, "negative fd: %d", rc);
    gossh_error_free(e);
    e = NULL;
    rc = gossh_client_connect_fd(c, 1 << 20, o, &e);
    CHECK(rc == GOSSH_E_IO, "fd not open: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    rc = gossh_client_connect_fd(NULL, 0, o, &e);
    CHECK(rc == GOSSH_E_INVALID, "NULL client: %d", rc);
    gossh_error_free(e);
    gossh_client_free(c);
    gossh_options_free(o);

    /* The fd-for-a-stream plumbing a binding uses. */
    int fds[2] = {-1, -1};
    CHECK(gossh_socketpair(fds, NULL) == 0 && fds[0] >= 0 && fds[1] >= 0, "socketpair");
    CHECK(write(fds[0], "x", 1) == 1, "socketpair write");
    char b = 0;
    CHECK(read(fds[1], &b, 1) == 1 && b == 'x', "socketpair read");
    close(fds[0]);
    close(fds[1]);
    CHECK(gossh_socketpair(NULL, NULL) == GOSSH_E_INVALID, "socketpair NULL");
}

static void test_via(void) {
    gossh_options *o = test_options("id_ed25519");
    gossh_client *gw = test_client();
    gossh_error *e = NULL;
    int rc = gossh_client_connect(gw, o, &e);
    CHECK(rc == 0, "gateway connect: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;

    /* Through the gateway, to the same server (the gateway's own sshd). */
    gossh_client *c = test_client();
    rc = gossh_client_connect_via(c, gw, o, &e);
    CHECK(rc == 0, "connect_via: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    check_exec(c, "echo via", "via\n", "connect_via");
    gossh_client_free(c);

    /* A target the gateway cannot reach. */
    gossh_options *bad = test_options("id_ed25519");
    gossh_options_set(bad, "port", "1", NULL);
    c = test_client();
    rc = gossh_client_connect_via(c, gw, bad, &e);
    CHECK(rc == GOSSH_E_CONNECT && strcmp(gossh_error_detail(e, "reason") ? gossh_error_detail(e, "reason") : "", "jump") == 0,
          "unreachable through the gateway: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_options_free(bad);
    rc = gossh_client_connect_via(c, c, o, &e);
    CHECK(rc == GOSSH_E_INVALID, "via itself: %d", rc);
    gossh_error_free(e);
    e = NULL;
    rc = gossh_client_connect_via(c, NULL, o, &e);
    CHECK(rc == GOSSH_E_INVALID, "via NULL: %d", rc);
    gossh_error_free(e);
    e = NULL;
    gossh_client_free(c);

    /* Fabric's gateway: a direct-tcpip channel opened by the caller. */
    gossh_channel *ch = NULL;
    rc = gossh_client_open_direct_tcpip(gw, host, atoi(port), "", 0, 10000, &ch, &e);
    CHECK(rc == 0, "open direct-tcpip: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    c = test_client();
    rc = gossh_client_connect_channel(c, ch, o, &e);
    CHECK(rc == 0, "connect_channel: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    check_exec(c, "echo chan", "chan\n", "connect_channel");
    gossh_client_free(c);
    gossh_channel_free(ch);

    /* Closing the gateway ends the connection through it. */
    c = test_client();
    rc = gossh_client_connect_via(c, gw, o, &e);
    CHECK(rc == 0, "connect_via again: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_client_close(gw, NULL);
    ch = NULL;
    rc = gossh_client_exec(c, "true", 10000, &ch, &e);
    CHECK(rc == GOSSH_E_CLOSED, "exec after the gateway closed: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_channel_free(ch);
    gossh_client_free(c);
    gossh_client_free(gw);
    c = test_client();
    rc = gossh_client_connect_via(c, gw, o, &e);
    CHECK(rc == GOSSH_E_BADHANDLE, "via a freed client: %d", rc);
    gossh_error_free(e);
    gossh_client_free(c);
    gossh_options_free(o);
}

/* Over a jump channel the banner timeout holds: the gateway reaches a
 * listener that never speaks (the kernel completes the connection; nobody
 * accepts it). Ten times. */
static void test_via_timeout(void) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    socklen_t len = sizeof sa;
    CHECK(bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(l, 64) == 0 &&
              getsockname(l, (struct sockaddr *)&sa, &len) == 0,
          "silent listener");
    char silent_port[16];
    snprintf(silent_port, sizeof silent_port, "%d", ntohs(sa.sin_port));
    gossh_options *o = test_options("id_ed25519");
    gossh_client *gw = test_client();
    gossh_error *e = NULL;
    int rc = gossh_client_connect(gw, o, &e);
    CHECK(rc == 0, "gateway connect: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_options *t = test_options("id_ed25519");
    gossh_options_set(t, "hostname", "127.0.0.1", NULL);
    gossh_options_set(t, "port", silent_port, NULL);
    gossh_options_set(t, "banner_timeout", "0.2", NULL);
    for (int i = 0; i < 10; i++) {
        gossh_client *c = test_client();
        rc = gossh_client_connect_via(c, gw, t, &e);
        const char *stage = e ? gossh_error_detail(e, "stage") : NULL;
        CHECK(rc == GOSSH_E_TIMEOUT && stage && strcmp(stage, "banner") == 0, "banner timeout via %d: %d %s", i, rc,
              msg(e));
        gossh_error_free(e);
        e = NULL;
        gossh_client_free(c);
    }
    check_exec(gw, "echo alive", "alive\n", "gateway after the timeouts");
    gossh_client_free(gw);
    gossh_options_free(t);
    gossh_options_free(o);
    close(l);
}

static void test_proxy_jump(void) {
    char jump[512];
    gossh_error *e = NULL;
    /* Two hops, both the test sshd, then the target: three connections. */
    snprintf(jump, sizeof jump, "%s@%s:%s,%s@%s:%s", user, host, port, user, host, port);
    gossh_options *o = test_options("id_ed25519");
    int rc = gossh_options_set(o, "proxy_jump", jump, &e);
    CHECK(rc == 0, "set proxy_jump: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_client *c = test_client();
    rc = gossh_client_connect(c, o, &e);
    CHECK(rc == 0, "proxy_jump connect: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    check_exec(c, "echo jumped", "jumped\n", "proxy_jump");
    gossh_client_free(c);

    /* The middle hop, named "localhost", is recorded with another key. */
    char kh[256], line[1024];
    snprintf(kh, sizeof kh, "%s/known_hosts_wrong", keydir);
    FILE *f = fopen(kh, "r");
    CHECK(f && fgets(line, sizeof line, f), "read known_hosts_wrong");
    if (f) fclose(f);
    char *key = strchr(line, ' ');
    char tmp[] = "/tmp/gossh-kh-XXXXXX";
    int tfd = mkstemp(tmp);
    FILE *out = fdopen(tfd, "w");
    fprintf(out, "[localhost]:%s%s", port, key ? key : "\n");
    fclose(out);
    snprintf(jump, sizeof jump, "%s@%s:%s,%s@localhost:%s", user, host, port, user, port);
    gossh_options_set(o, "proxy_jump", jump, NULL);
    c = test_client();
    gossh_client_load_host_keys(c, tmp, NULL);
    rc = gossh_client_connect(c, o, &e);
    const char *jh = e ? gossh_error_detail(e, "jump_host") : NULL;
    CHECK(rc == GOSSH_E_HOSTKEY_MISMATCH && jh && strstr(jh, "localhost"), "wrong key on the middle hop: %d %s",
          rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_client_free(c);
    unlink(tmp);

    rc = gossh_options_set(o, "proxy_jump", "host:99999", &e);
    CHECK(rc == GOSSH_E_INVALID, "bad proxy_jump: %d", rc);
    gossh_error_free(e);
    e = NULL;
    gossh_options_set(o, "proxy_jump", "none", NULL);
    gossh_options_free(o);
}

static void test_proxy_command(void) {
    gossh_error *e = NULL;
    gossh_options *o = test_options("id_ed25519");
    int rc = gossh_options_set(o, "proxy_command", "nc %h %p", &e);
    CHECK(rc == 0, "set proxy_command: %d", rc);
    gossh_error_free(e);
    e = NULL;
    /* Repeated connects leave no descriptor behind (nor a process: each is
     * reaped before close returns). */
    int before = -1;
    for (int i = 0; i < 10; i++) {
        gossh_client *c = test_client();
        rc = gossh_client_connect(c, o, &e);
        CHECK(rc == 0, "proxy_command connect %d: %d %s", i, rc, msg(e));
        gossh_error_free(e);
        e = NULL;
        if (i == 0) check_exec(c, "echo piped", "piped\n", "proxy_command");
        gossh_client_free(c);
        if (i == 0) before = count_fds();
    }
    int after = count_fds();
    for (int i = 0; i < 200 && after > before; i++) { /* closes finish on the library's threads */
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
        after = count_fds();
    }
    CHECK(after <= before, "descriptors: %d after, %d before", after, before);

    gossh_options_set(o, "proxy_command", "sh -c 'echo no route to %h >&2; exit 3'", NULL);
    gossh_client *c = test_client();
    rc = gossh_client_connect(c, o, &e);
    CHECK(rc == GOSSH_E_CONNECT && strstr(msg(e), "no route to") != NULL, "failing proxy command: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_options_set(o, "proxy_jump", "somewhere", NULL);
    rc = gossh_client_connect(c, o, &e);
    CHECK(rc == GOSSH_E_INVALID, "proxy_command and proxy_jump: %d", rc);
    gossh_error_free(e);
    gossh_client_free(c);
    gossh_options_free(o);
}

/* paramiko's hand-built Transport: step_auth, then one attempt per call. */
static void test_step_auth(void) {
    gossh_error *e = NULL;
    gossh_options *o = test_options(NULL);
    gossh_options_set(o, "step_auth", "1", NULL);
    gossh_client *c = test_client();
    int rc = gossh_client_connect(c, o, &e);
    CHECK(rc == 0, "step_auth connect: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    char *key_text = NULL;
    rc = gossh_client_info(c, "server_key", &key_text, &e);
    CHECK(rc == 0 && key_text && strchr(key_text, ' '), "server_key before auth: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    char *remaining = NULL;
    rc = gossh_client_auth_none(c, user, &remaining, &e);
    const char *allowed = e ? gossh_error_detail(e, "allowed_types") : NULL;
    CHECK(rc == GOSSH_E_BADAUTHTYPE && allowed && strstr(allowed, "publickey"), "auth_none: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_key *wrong = NULL, *good = NULL;
    gossh_key_from_file(test_path("id_wrong"), NULL, &wrong, NULL);
    gossh_key_from_file(test_path("id_ed25519"), NULL, &good, NULL);
    rc = gossh_client_auth_publickey(c, user, wrong, &remaining, &e);
    CHECK(rc == GOSSH_E_AUTH, "wrong key: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    rc = gossh_client_auth_password(c, user, NULL, &remaining, &e);
    CHECK(rc == GOSSH_E_INVALID, "NULL password: %d", rc);
    gossh_error_free(e);
    e = NULL;
    rc = gossh_client_auth_publickey(c, user, good, &remaining, &e);
    CHECK(rc == 0 && remaining == NULL, "good key: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    check_exec(c, "echo stepped", "stepped\n", "step_auth");
    rc = gossh_client_auth_publickey(c, user, good, NULL, &e);
    CHECK(rc == GOSSH_E_INVALID, "auth again: %d", rc);
    gossh_error_free(e);
    e = NULL;
    gossh_client_free(c);

    /* host_key: the given key, whatever known_hosts says. */
    gossh_options_set(o, "host_key", key_text, NULL);
    c = NULL;
    gossh_client_new(&c, NULL); /* no known_hosts, reject policy */
    rc = gossh_client_connect(c, o, &e);
    CHECK(rc == 0, "host_key given: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    rc = gossh_client_auth_publickey(c, user, good, NULL, &e);
    CHECK(rc == 0, "auth after host_key: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_client_free(c);
    gossh_free(key_text);
    rc = gossh_client_auth_none(NULL, user, NULL, &e);
    CHECK(rc == GOSSH_E_INVALID, "NULL client: %d", rc);
    gossh_error_free(e);
    gossh_key_free(wrong);
    gossh_key_free(good);
    gossh_options_free(o);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_server_from_env();
    signal(SIGPIPE, SIG_IGN);
    test_fd();
    test_via();
    test_via_timeout();
    test_proxy_jump();
    test_proxy_command();
    test_step_auth();
    return summary("test_connect_via");
}
