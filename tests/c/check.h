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

/* The message of an error object, "" for none. */
static inline const char *msg(gossh_error *e) { return e ? gossh_error_message(e) : ""; }

/* Prints the closing line and returns the exit status. */
static inline int summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, passed, failed);
    return failed ? 1 : 0;
}

#endif
