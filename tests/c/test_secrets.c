/*
 * test_secrets.c — issue 7 through the C API, against the real sshd of
 * testenv/with-sshd.sh:
 *   A. no key text, password or passphrase in any error message, error
 *      detail or log record (key text as key_filename, to
 *      gossh_key_load_certificate, as a known_hosts path; a password as an
 *      option's value; a wrong password with the log at DEBUG);
 *   B. out-of-range ports, pty sizes and keepalive intervals are
 *      GOSSH_E_INVALID.
 */
#define _DEFAULT_SOURCE
#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEAK_PASSWORD "pw-Xq7zLr2v-never-shown"
#define LEAK_PASSPHRASE "pp-Mn4wTk9s-never-shown"

/* The strings that must never appear: the key text, each line of its
 * base64 body, the password and the passphrase. */
static char *key_text;
static char *secrets[64];
static int nsecrets;

static void make_secrets(void) {
    gossh_key *k = NULL;
    gossh_error *e = NULL;
    if (gossh_key_generate("ed25519", 0, &k, &e) != 0 ||
        gossh_key_write_private(k, NULL, &key_text, &e) != 0) {
        fprintf(stderr, "cannot make a key: %s\n", msg(e));
        exit(2);
    }
    gossh_key_free(k);
    secrets[nsecrets++] = strdup(key_text);
    secrets[nsecrets++] = strdup(LEAK_PASSWORD);
    secrets[nsecrets++] = strdup(LEAK_PASSPHRASE);
    char *copy = strdup(key_text), *save = NULL;
    for (char *l = strtok_r(copy, "\n", &save); l && nsecrets < 64; l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, "-----", 5) != 0) secrets[nsecrets++] = strdup(l);
    }
    free(copy);
}

/* Returns the first secret (or armour) that text holds, or NULL. */
static const char *leak_in(const char *text) {
    if (!text) return NULL;
    for (int i = 0; i < nsecrets; i++)
        if (strstr(text, secrets[i])) return secrets[i];
    if (strstr(text, "PRIVATE KEY")) return "PRIVATE KEY";
    if (strstr(text, "-----BEGIN")) return "-----BEGIN";
    return NULL;
}

static const char *const detail_names[] = {"allowed_types", "hostname", "key", "expected_key",
                                           "address", "stage", "reason"};

/* Checks an error's message and every detail, then frees it. */
static void check_error(const char *what, gossh_error *e) {
    CHECK(e != NULL, "%s: no error object", what);
    if (!e) return;
    const char *leak = leak_in(gossh_error_message(e));
    CHECK(!leak, "%s: message repeats a secret (%.20s...): %.200s", what, leak, gossh_error_message(e));
    for (size_t i = 0; i < sizeof detail_names / sizeof *detail_names; i++) {
        const char *d = gossh_error_detail(e, detail_names[i]);
        leak = leak_in(d);
        CHECK(!leak, "%s: detail %s repeats a secret: %.200s", what, detail_names[i], d);
    }
    gossh_error_free(e);
}

/* Log records, captured at DEBUG (the callback runs on any thread). */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_count, log_leaks;
static char log_leak_example[300];

static void log_cb(int level, const char *name, const char *message, void *userdata) {
    (void)level, (void)name, (void)userdata;
    pthread_mutex_lock(&log_mu);
    log_count++;
    if (leak_in(message) || leak_in(name)) {
        if (!log_leaks++) snprintf(log_leak_example, sizeof log_leak_example, "%s", message);
    }
    pthread_mutex_unlock(&log_mu);
}

static void test_key_text_as_key_filename(void) {
    for (int with_password = 0; with_password <= 1; with_password++) {
        gossh_options *o = test_options(NULL);
        if (with_password) {
            /* a wrong password, a wrong passphrase for an encrypted key, a key
             * the server does not know */
            gossh_options_set(o, "key_filename", test_path("id_ed25519_enc"), NULL);
            gossh_options_set(o, "key_filename", test_path("id_wrong"), NULL);
            gossh_options_set(o, "password", LEAK_PASSWORD, NULL);
        }
        gossh_options_set(o, "passphrase", LEAK_PASSPHRASE, NULL);
        CHECK(gossh_options_set(o, "key_filename", key_text, NULL) == 0, "key text accepted as a name");
        gossh_client *c = test_client();
        gossh_error *e = NULL;
        int rc = gossh_client_connect(c, o, &e);
        CHECK(rc == (with_password ? GOSSH_E_AUTH : GOSSH_E_IO), "connect with key text as key_filename: %d %s",
              rc, msg(e));
        check_error(with_password ? "connect (wrong password)" : "connect (key text as key_filename)", e);
        gossh_client_free(c);
        gossh_options_free(o);
    }

    gossh_key *k = NULL;
    gossh_error *e = NULL;
    CHECK(gossh_key_from_file(key_text, LEAK_PASSPHRASE, &k, &e) == GOSSH_E_IO, "key_from_file(key text)");
    check_error("gossh_key_from_file(key text)", e);
}

static void test_key_text_to_load_certificate(void) {
    gossh_key *k = NULL;
    gossh_error *e = NULL;
    gossh_key_generate("ed25519", 0, &k, NULL);
    int rc = gossh_key_load_certificate(k, key_text, &e);
    CHECK(rc < 0, "load_certificate(key text) succeeded");
    check_error("gossh_key_load_certificate(key text)", e);
    gossh_key_free(k);
}

static void test_key_text_as_known_hosts(void) {
    gossh_client *c = NULL;
    gossh_client_new(&c, NULL);
    gossh_error *e = NULL;
    if (gossh_client_load_host_keys(c, key_text, &e) != 0) check_error("load_host_keys(key text)", e);
    gossh_client_free(c);
    gossh_hostkeys *hk = NULL;
    gossh_hostkeys_new(&hk, NULL);
    e = NULL;
    CHECK(gossh_hostkeys_load(hk, key_text, &e) < 0, "hostkeys_load(key text) succeeded");
    check_error("gossh_hostkeys_load(key text)", e);
    gossh_hostkeys_free(hk);
}

static void test_password_as_option_value(void) {
    static const char *const names[] = {"port", "timeout", "banner_timeout", "auth_timeout", "allow_agent",
                                        "look_for_keys"};
    gossh_options *o = NULL;
    gossh_options_new(&o, NULL);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        gossh_error *e = NULL;
        int rc = gossh_options_set(o, names[i], LEAK_PASSWORD, &e);
        CHECK(rc == GOSSH_E_INVALID, "options_set(%s, password) = %d", names[i], rc);
        CHECK(e && strstr(gossh_error_message(e), names[i]), "the message names %s: %s", names[i], msg(e));
        char what[64];
        snprintf(what, sizeof what, "options_set(%s, password)", names[i]);
        check_error(what, e);
    }
    gossh_error *e = NULL;
    CHECK(gossh_options_set(o, LEAK_PASSWORD, "password", &e) == GOSSH_E_INVALID, "password as an option name");
    check_error("options_set(password as the name)", e);
    e = NULL;
    CHECK(gossh_options_set(o, "port", "70000", &e) == GOSSH_E_INVALID, "port 70000");
    CHECK(e && !strstr(gossh_error_message(e), "70000"), "the value is echoed: %s", msg(e));
    gossh_error_free(e);
    gossh_options_free(o);
}

static void test_out_of_range_numbers(void) {
    gossh_options *o = test_options(NULL);
    gossh_options_set(o, "key_filename", test_path("id_ed25519"), NULL);
    gossh_client *c = test_client();
    gossh_error *e = NULL;
    int rc = gossh_client_connect(c, o, &e);
    gossh_options_free(o);
    CHECK(rc == 0, "connect: %s", msg(e));
    gossh_error_free(e);
    if (rc != 0) {
        gossh_client_free(c);
        return;
    }
    const int bad_forward[] = {65536, -1};
    for (int i = 0; i < 2; i++) {
        int bound = 12345;
        e = NULL;
        rc = gossh_client_request_port_forward(c, "127.0.0.1", bad_forward[i], &bound, &e);
        CHECK(rc == GOSSH_E_INVALID, "request_port_forward(%d) = %d, bound %d", bad_forward[i], rc, bound);
        CHECK(bound == 12345, "request_port_forward(%d) set bound to %d", bad_forward[i], bound);
        gossh_error_free(e);
    }
    gossh_channel *ch = NULL;
    rc = gossh_client_open_direct_tcpip(c, "127.0.0.1", 70000, NULL, 0, 5000, &ch, NULL);
    CHECK(rc == GOSSH_E_INVALID && ch == NULL, "direct-tcpip to port 70000 = %d", rc);
    rc = gossh_client_open_direct_tcpip(c, "127.0.0.1", -1, NULL, 0, 5000, &ch, NULL);
    CHECK(rc == GOSSH_E_INVALID && ch == NULL, "direct-tcpip to port -1 = %d", rc);
    rc = gossh_client_set_keepalive(c, -1, NULL);
    CHECK(rc == GOSSH_E_INVALID, "set_keepalive(-1) = %d", rc);

    rc = gossh_client_open_session(c, 5000, &ch, NULL);
    CHECK(rc == 0, "open_session");
    if (rc == 0) {
        rc = gossh_channel_request_pty(ch, "xterm", 70000, 24, 0, 0, 5000, NULL);
        CHECK(rc == GOSSH_E_INVALID, "pty with 70000 columns = %d", rc);
        rc = gossh_channel_request_pty(ch, "xterm", 80, -1, 0, 0, 5000, NULL);
        CHECK(rc == GOSSH_E_INVALID, "pty with -1 rows = %d", rc);
        rc = gossh_channel_request_pty(ch, "xterm", 80, 24, 0, 0, 5000, NULL);
        CHECK(rc == 0, "a good pty after the bad ones = %d", rc);
        rc = gossh_channel_resize_pty(ch, -1, 24, 0, 0, NULL);
        CHECK(rc == GOSSH_E_INVALID, "resize to -1 columns = %d", rc);
        rc = gossh_channel_resize_pty(ch, 100, 40, 0, 0, NULL);
        CHECK(rc == 0, "a good resize = %d", rc);
        gossh_channel_free(ch);
    }
    gossh_client_free(c);
}

int main(void) {
    test_server_from_env();
    make_secrets();
    CHECK(gossh_set_log_callback(log_cb, GOSSH_LOG_DEBUG, NULL, NULL) == 0, "log callback");

    test_key_text_as_key_filename();
    test_key_text_to_load_certificate();
    test_key_text_as_known_hosts();
    test_password_as_option_value();
    test_out_of_range_numbers();

    gossh_set_log_callback(NULL, 0, NULL, NULL);
    pthread_mutex_lock(&log_mu);
    CHECK(log_count > 0, "no log record at all: the capture does not work");
    CHECK(log_leaks == 0, "%d log records repeat a secret, e.g. %.200s", log_leaks, log_leak_example);
    pthread_mutex_unlock(&log_mu);
    gossh_free(key_text);
    for (int i = 0; i < nsecrets; i++) free(secrets[i]);
    return summary("test_secrets");
}
