/*
 * check.h — the small harness the C API test programs share: CHECK counts
 * and reports, the test sshd's settings from testenv/with-sshd.sh, and the
 * closing "NAME: N passed, N failed" line.
 */
#ifndef GOSSH_TESTS_CHECK_H
#define GOSSH_TESTS_CHECK_H

#include "gossh.h"

#include <stdio.h>
#include <stdlib.h>

static int passed, failed;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (cond) {                                                            \
            passed++;                                                          \
        } else {                                                               \
            failed++;                                                          \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                      \
            printf(__VA_ARGS__);                                               \
            printf("\n");                                                      \
        }                                                                      \
    } while (0)

/* The test sshd: GOSSH_TEST_HOST, _PORT, _USER, _KEYDIR, _PASSWORD, _PASSPHRASE. */
static const char *host, *port, *user, *keydir, *password, *passphrase;

/* Reads the test sshd's settings; exits with 2 and a hint when there is none. */
static inline void test_server_from_env(void) {
    host = getenv("GOSSH_TEST_HOST");
    port = getenv("GOSSH_TEST_PORT");
    user = getenv("GOSSH_TEST_USER");
    keydir = getenv("GOSSH_TEST_KEYDIR");
    password = getenv("GOSSH_TEST_PASSWORD");
    passphrase = getenv("GOSSH_TEST_PASSPHRASE");
    if (!host || !port || !user || !keydir) {
        fprintf(stderr, "no test sshd: run through `make test` or testenv/with-sshd.sh\n");
        exit(2);
    }
}

/* keydir/name, in one of 8 rotating static buffers. */
static inline char *test_path(const char *name) {
    static char buf[8][512];
    static int i;
    char *p = buf[i++ % 8];
    snprintf(p, 512, "%s/%s", keydir, name);
    return p;
}

/* Options for the test sshd: host, port, user, no agent, no ~/.ssh keys,
 * and the key file keydir/key unless key is NULL. Caller frees. */
static inline gossh_options *test_options(const char *key) {
    gossh_options *o = NULL;
    if (gossh_options_new(&o, NULL) != 0) return NULL;
    gossh_options_set(o, "hostname", host, NULL);
    gossh_options_set(o, "port", port, NULL);
    gossh_options_set(o, "username", user, NULL);
    gossh_options_set(o, "allow_agent", "0", NULL);
    gossh_options_set(o, "look_for_keys", "0", NULL);
    if (key) gossh_options_set(o, "key_filename", test_path(key), NULL);
    return o;
}

/* A new client that knows the test sshd's host key (keydir/known_hosts). */
static inline gossh_client *test_client(void) {
    gossh_client *c = NULL;
    gossh_client_new(&c, NULL);
    gossh_client_load_host_keys(c, test_path("known_hosts"), NULL);
    return c;
}

/* The message of an error object, "" for none. */
static inline const char *msg(gossh_error *e) { return e ? gossh_error_message(e) : ""; }

/* Prints the closing line and returns the exit status. */
static inline int summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, passed, failed);
    return failed ? 1 : 0;
}

#endif
