/*
 * test_session.c — tests gossh_session_spec and gossh_client_start (one call
 * that opens a session and starts it) against the real sshd that
 * testenv/with-sshd.sh starts, and the channel_timeout option.
 */
#define _DEFAULT_SOURCE
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a client connected to the test server with the ed25519 key; NULL on failure */
static gossh_client *connected(const char *channel_timeout) {
    gossh_options *o = test_options("id_ed25519");
    gossh_client *c = NULL;
    gossh_error *e = NULL;
    if (channel_timeout) {
        int rc = gossh_options_set(o, "channel_timeout", channel_timeout, &e);
        CHECK(rc == 0, "channel_timeout %s: %d %s", channel_timeout, rc, msg(e));
        gossh_error_free(e);
        e = NULL;
    }
    c = test_client();
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

/* reads a whole stream into buf (NUL-terminated); returns its length or -1 */
static long read_all(gossh_channel *ch, int stream, char *buf, size_t cap) {
    size_t len = 0;
    for (;;) {
        size_t n = 0;
        gossh_error *e = NULL;
        int rc = gossh_channel_read(ch, stream, buf + len, cap - len - 1, 20000, &n, &e);
        if (rc != 0) {
            printf("read: %d %s\n", rc, msg(e));
            gossh_error_free(e);
            buf[len] = 0;
            return -1;
        }
        if (n == 0) break;
        len += n;
        if (len + 1 >= cap) break;
    }
    buf[len] = 0;
    return (long)len;
}

/* a spec from name/value pairs ending with NULL */
static gossh_session_spec *spec_of(const char *first, ...) {
    gossh_session_spec *s = NULL;
    if (gossh_session_spec_new(&s, NULL) != 0) return NULL;
    va_list ap;
    va_start(ap, first);
    for (const char *name = first; name; name = va_arg(ap, const char *)) {
        const char *value = va_arg(ap, const char *);
        gossh_error *e = NULL;
        int rc = gossh_session_spec_set(s, name, value, &e);
        CHECK(rc == 0, "spec_set(%s): %d %s", name, rc, msg(e));
        gossh_error_free(e);
    }
    va_end(ap);
    return s;
}

static void test_exec_with_pty_and_env(gossh_client *c) {
    gossh_session_spec *s = spec_of("command", "tty; echo $TERM $GOSSH_A$GOSSH_B; stty size", "term", "xterm",
                                    "cols", "100", "rows", "30", "timeout", "10000", NULL);
    CHECK(gossh_session_spec_set_env(s, "GOSSH_B", "2", NULL) == 0, "set_env B");
    CHECK(gossh_session_spec_set_env(s, "GOSSH_A", "1", NULL) == 0, "set_env A");
    gossh_channel *ch = NULL;
    gossh_error *e = NULL;
    int rc = gossh_client_start(c, s, &ch, &e);
    CHECK(rc == 0 && ch != NULL, "start exec: %d %s", rc, msg(e));
    gossh_error_free(e);
    if (ch) {
        char out[4096];
        read_all(ch, GOSSH_STREAM_STDOUT, out, sizeof out);
        CHECK(strstr(out, "/dev/pts/") != NULL, "exec with pty: no tty in %s", out);
        CHECK(strstr(out, "xterm 12") != NULL, "exec with pty: TERM and env in %s", out);
        CHECK(strstr(out, "30 100") != NULL, "exec with pty: size in %s", out);
        gossh_channel_free(ch);
    }
    /* The same spec starts another session: it is only read. */
    ch = NULL;
    rc = gossh_client_start(c, s, &ch, NULL);
    CHECK(rc == 0 && ch != NULL, "a spec is reusable: %d", rc);
    gossh_channel_free(ch);
    gossh_session_spec_free(s);
}

static void test_shell(gossh_client *c) {
    gossh_session_spec *s = spec_of("shell", "1", "pty", "1", NULL);
    gossh_session_spec_set_env(s, "GOSSH_SHELL_VAR", "shell-ok", NULL);
    gossh_channel *ch = NULL;
    gossh_error *e = NULL;
    int rc = gossh_client_start(c, s, &ch, &e);
    CHECK(rc == 0, "start shell: %d %s", rc, msg(e));
    gossh_error_free(e);
    gossh_session_spec_free(s);
    if (!ch) return;
    const char *line = "echo VAR=$GOSSH_SHELL_VAR; exit 3\n";
    size_t w = 0;
    CHECK(gossh_channel_write(ch, line, strlen(line), 5000, &w, NULL) == 0 && w == strlen(line), "shell write");
    char out[8192];
    read_all(ch, GOSSH_STREAM_STDOUT, out, sizeof out);
    CHECK(strstr(out, "VAR=shell-ok") != NULL, "shell output: %s", out);
    int st = -2;
    CHECK(gossh_channel_exit_status(ch, 10000, &st, NULL) == 0 && st == 3, "shell exit status %d", st);
    gossh_channel_free(ch);
}

static void test_subsystem_and_none(gossh_client *c) {
    gossh_session_spec *s = spec_of("subsystem", "sftp", NULL);
    gossh_channel *ch = NULL;
    int rc = gossh_client_start(c, s, &ch, NULL);
    CHECK(rc == 0 && ch, "start sftp subsystem: %d", rc);
    gossh_channel_free(ch);
    gossh_session_spec_set(s, "subsystem", "no-such-subsystem", NULL);
    ch = (gossh_channel *)1;
    gossh_error *e = NULL;
    rc = gossh_client_start(c, s, &ch, &e);
    CHECK(rc == GOSSH_E_CHANNEL && gossh_error_code(e) == GOSSH_E_CHANNEL, "unknown subsystem: %d", rc);
    CHECK(ch == NULL, "a failed start leaves *out NULL");
    gossh_error_free(e);

    /* Nothing to start: the session is opened (and its env set) only. */
    gossh_session_spec_set(s, "shell", "0", NULL);
    gossh_session_spec_set_env(s, "GOSSH_LATER", "later", NULL);
    rc = gossh_client_start(c, s, &ch, NULL);
    CHECK(rc == 0 && ch, "start nothing: %d", rc);
    if (ch) {
        CHECK(gossh_channel_exec(ch, "echo $GOSSH_LATER", -1, NULL) == 0, "exec after an empty start");
        char out[256];
        read_all(ch, GOSSH_STREAM_STDOUT, out, sizeof out);
        CHECK(strcmp(out, "later\n") == 0, "env then exec: %s", out);
        gossh_channel_free(ch);
    }
    gossh_session_spec_free(s);
}

static void test_combine_stderr(gossh_client *c) {
    gossh_session_spec *s = spec_of("command", "echo a; echo b >&2", "combine_stderr", "yes", NULL);
    gossh_channel *ch = NULL;
    int rc = gossh_client_start(c, s, &ch, NULL);
    CHECK(rc == 0 && ch, "start combined: %d", rc);
    gossh_session_spec_free(s);
    if (!ch) return;
    char out[256], err[256];
    read_all(ch, GOSSH_STREAM_STDOUT, out, sizeof out);
    read_all(ch, GOSSH_STREAM_STDERR, err, sizeof err);
    CHECK(strstr(out, "a\n") && strstr(out, "b\n"), "combined stdout: %s", out);
    CHECK(err[0] == 0, "stderr should be empty: %s", err);
    gossh_channel_free(ch);
}

static void test_timeouts_and_bad_input(gossh_client *c) {
    gossh_session_spec *s = NULL;
    gossh_error *e = NULL;
    gossh_session_spec_new(&s, NULL);
    /* The one timeout rule: below -1 is invalid, 0 does not wait. */
    CHECK(gossh_session_spec_set(s, "timeout", "-2", &e) == GOSSH_E_INVALID, "timeout -2");
    gossh_error_free(e);
    CHECK(gossh_session_spec_set(s, "timeout", "soon", NULL) == GOSSH_E_INVALID, "timeout soon");
    CHECK(gossh_session_spec_set(s, "command", "true", NULL) == 0, "command");
    CHECK(gossh_session_spec_set(s, "timeout", "0", NULL) == 0, "timeout 0");
    gossh_channel *ch = NULL;
    e = NULL;
    int rc = gossh_client_start(c, s, &ch, &e);
    CHECK(rc == GOSSH_E_TIMEOUT && ch == NULL, "timeout 0 fails at once: %d", rc);
    gossh_error_free(e);
    CHECK(gossh_session_spec_set(s, "timeout", "-1", NULL) == 0, "timeout -1");

    /* A pty size out of range: refused before anything is sent. */
    CHECK(gossh_session_spec_set(s, "cols", "70000", NULL) == 0, "cols parse");
    rc = gossh_client_start(c, s, &ch, NULL);
    CHECK(rc == GOSSH_E_INVALID, "cols 70000: %d", rc);
    CHECK(gossh_session_spec_set(s, "pty", "0", NULL) == 0, "pty off");
    rc = gossh_client_start(c, s, &ch, NULL);
    CHECK(rc == 0, "without the pty it runs: %d", rc);
    gossh_channel_free(ch);

    /* Names, values and handles. */
    e = NULL;
    rc = gossh_session_spec_set(s, "no_such_field", "hunter2", &e);
    CHECK(rc == GOSSH_E_INVALID && !strstr(msg(e), "hunter2"), "unknown field: %d %s", rc, msg(e));
    gossh_error_free(e);
    CHECK(gossh_session_spec_set(s, "cols", "hunter2", &e) == GOSSH_E_INVALID && !strstr(msg(e), "hunter2"),
          "bad cols: %s", msg(e));
    gossh_error_free(e);
    CHECK(gossh_session_spec_set(s, NULL, "x", NULL) == GOSSH_E_INVALID, "NULL name");
    CHECK(gossh_session_spec_set(s, "subsystem", "", NULL) == GOSSH_E_INVALID, "empty subsystem");
    CHECK(gossh_session_spec_set_env(s, NULL, "x", NULL) == GOSSH_E_INVALID, "set_env NULL name");
    CHECK(gossh_session_spec_set_env(s, "", "x", NULL) == GOSSH_E_INVALID, "set_env empty name");
    CHECK(gossh_session_spec_set_env(s, "GOSSH_NULL_VALUE", NULL, NULL) == 0, "set_env NULL value");
    CHECK(gossh_client_start(c, s, NULL, NULL) == GOSSH_E_INVALID, "NULL out");
    CHECK(gossh_client_start(c, NULL, &ch, NULL) == GOSSH_E_INVALID, "NULL spec");
    CHECK(gossh_client_start(c, (gossh_session_spec *)c, &ch, NULL) == GOSSH_E_BADHANDLE, "client as spec");
    CHECK(gossh_session_spec_set((gossh_session_spec *)c, "shell", "1", NULL) == GOSSH_E_BADHANDLE,
          "client as spec in set");
    CHECK(gossh_session_spec_new(NULL, NULL) == GOSSH_E_INVALID, "spec_new NULL");
    gossh_session_spec_free(s);
    gossh_session_spec_free(s);
    gossh_session_spec_free(NULL);
    CHECK(gossh_session_spec_set(s, "shell", "1", NULL) == GOSSH_E_BADHANDLE, "freed spec");
    CHECK(gossh_client_start(c, s, &ch, NULL) == GOSSH_E_BADHANDLE, "start with a freed spec");

    /* Not connected. */
    gossh_client *idle = NULL;
    gossh_client_new(&idle, NULL);
    s = spec_of("command", "true", NULL);
    CHECK(gossh_client_start(idle, s, &ch, NULL) == GOSSH_E_NOT_CONNECTED, "start on an unconnected client");
    gossh_client_close(c, NULL);
    CHECK(gossh_client_start(c, s, &ch, NULL) == GOSSH_E_CLOSED, "start on a closed client");
    gossh_session_spec_free(s);
    gossh_client_free(idle);
}

static void test_channel_timeout_option(void) {
    gossh_options *o = NULL;
    gossh_error *e = NULL;
    gossh_options_new(&o, NULL);
    CHECK(gossh_options_set(o, "channel_timeout", "-1", &e) == GOSSH_E_INVALID, "channel_timeout -1");
    gossh_error_free(e);
    CHECK(gossh_options_set(o, "channel_timeout", "2.5", NULL) == 0, "channel_timeout 2.5");
    gossh_options_free(o);
    /* With a channel_timeout, -1 calls still work (the server answers). */
    gossh_client *c = connected("10");
    if (!c) return;
    gossh_session_spec *s = spec_of("command", "echo ok", NULL);
    gossh_channel *ch = NULL;
    int rc = gossh_client_start(c, s, &ch, NULL);
    CHECK(rc == 0, "start under channel_timeout: %d", rc);
    if (ch) {
        char out[64];
        read_all(ch, GOSSH_STREAM_STDOUT, out, sizeof out);
        CHECK(strcmp(out, "ok\n") == 0, "output %s", out);
        gossh_channel_free(ch);
    }
    gossh_session_spec_free(s);
    gossh_client_free(c);
}

/* Key text in the options is unlocked at connect: passphrase, else password. */
static void test_key_data(void) {
    FILE *f = fopen(test_path("id_ed25519_enc"), "rb");
    CHECK(f != NULL, "open id_ed25519_enc");
    if (!f) return;
    static char data[16384];
    size_t n = fread(data, 1, sizeof data, f);
    fclose(f);
    const char *secrets[][2] = {{"passphrase", passphrase}, {"password", passphrase}, {NULL, NULL}};
    for (int i = 0; i < 3; i++) {
        gossh_options *o = NULL;
        gossh_options_new(&o, NULL);
        gossh_options_set(o, "hostname", host, NULL);
        gossh_options_set(o, "port", port, NULL);
        gossh_options_set(o, "username", user, NULL);
        gossh_options_set(o, "allow_agent", "0", NULL);
        gossh_options_set(o, "look_for_keys", "0", NULL);
        CHECK(gossh_options_add_key_data(o, data, n, NULL) == 0, "add_key_data");
        if (secrets[i][0]) gossh_options_set(o, secrets[i][0], secrets[i][1], NULL);
        gossh_client *c = NULL;
        gossh_client_new(&c, NULL);
        gossh_client_load_host_keys(c, test_path("known_hosts"), NULL);
        gossh_error *e = NULL;
        int rc = gossh_client_connect(c, o, &e);
        int want = secrets[i][0] ? 0 : GOSSH_E_PASSWORD_REQUIRED;
        CHECK(rc == want, "key data unlocked by %s: %d %s", secrets[i][0] ? secrets[i][0] : "nothing", rc, msg(e));
        gossh_error_free(e);
        gossh_client_free(c);
        if (i == 0) {
            CHECK(gossh_options_add_key_data(o, NULL, 10, NULL) == GOSSH_E_INVALID, "add_key_data NULL");
            CHECK(gossh_options_add_key_data(o, data, 0, NULL) == GOSSH_E_INVALID, "add_key_data empty");
            CHECK(gossh_options_add_key_data(o, data, (size_t)2 << 20, NULL) == GOSSH_E_INVALID, "add_key_data 2 MiB");
        }
        gossh_options_free(o);
    }
}

int main(void) {
    test_server_from_env();
    gossh_client *c = connected(NULL);
    if (c) {
        test_exec_with_pty_and_env(c);
        test_shell(c);
        test_subsystem_and_none(c);
        test_combine_stderr(c);
        test_timeouts_and_bad_input(c);
        gossh_client_free(c);
    }
    test_channel_timeout_option();
    test_key_data();
    return summary("test_session");
}
