/*
 * common.h — what the C bench programs share: timing, CPU time, the test
 * sshd's settings from the environment, and the connect options. The
 * functions are static inline so that a program may use only some of them.
 */
#ifndef GOSSH_BENCH_COMMON_H
#define GOSSH_BENCH_COMMON_H

#define _POSIX_C_SOURCE 200809L
#include "gossh.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static const char *bench_name = "gossh-c bench";

static inline double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The process's user+system CPU seconds so far (every thread). */
static inline double cpu_seconds(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static inline void die(const char *what, int rc, gossh_error *err) {
    fprintf(stderr, "%s: %s failed (%d): %s\n", bench_name, what, rc, gossh_error_message(err));
    gossh_error_free(err);
    exit(1);
}

static inline const char *need(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "%s: %s is not set (run under testenv/with-sshd.sh)\n", bench_name, name);
        exit(2);
    }
    return v;
}

static inline long long env_ll(const char *name, long long def) {
    const char *v = getenv(name);
    return v && *v ? atoll(v) : def;
}

/* Connect options for the test sshd: its host, port and user, the
 * harness's ed25519 key, no agent and no key discovery. */
static inline gossh_options *bench_options(void) {
    static char key[4096];
    gossh_error *err = NULL;
    gossh_options *opts = NULL;
    int rc;
    snprintf(key, sizeof key, "%s/id_ed25519", need("GOSSH_TEST_KEYDIR"));
    if ((rc = gossh_options_new(&opts, &err))) die("options_new", rc, err);
    const char *set[][2] = {
        {"hostname", need("GOSSH_TEST_HOST")}, {"port", need("GOSSH_TEST_PORT")},
        {"username", need("GOSSH_TEST_USER")}, {"key_filename", key},
        {"allow_agent", "0"}, {"look_for_keys", "0"}, {"timeout", "10"},
    };
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
        if ((rc = gossh_options_set(opts, set[i][0], set[i][1], &err))) die(set[i][0], rc, err);
    return opts;
}

/* A client connected with opts, its host key checked against known_hosts. */
static inline gossh_client *connect_client(const gossh_options *opts, const char *known_hosts) {
    gossh_error *err = NULL;
    gossh_client *c = NULL;
    int rc;
    if ((rc = gossh_client_new(&c, &err))) die("client_new", rc, err);
    if ((rc = gossh_client_load_host_keys(c, known_hosts, &err))) die("load_host_keys", rc, err);
    if ((rc = gossh_client_connect(c, opts, &err))) die("connect", rc, err);
    return c;
}

#endif
