/*
 * bench.c — gossh's C API against the test sshd: BENCH_N fresh
 * connect+auth+exec("true")+EOF+exit-status+close round trips, then the
 * throughput of one exec's stdout (BENCH_BYTES of /dev/zero) read with a
 * 256 KiB buffer. Prints one JSON line. Run under testenv/with-sshd.sh.
 */
#define _POSIX_C_SOURCE 200809L
#include "gossh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BUFSZ (256 * 1024)
static char buf[BUFSZ];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The process's user+system CPU seconds so far (every thread). */
static double cpu_seconds(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void die(const char *what, int rc, gossh_error *err) {
    fprintf(stderr, "gossh-c bench: %s failed (%d): %s\n", what, rc, gossh_error_message(err));
    gossh_error_free(err);
    exit(1);
}

static const char *need(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "gossh-c bench: %s is not set (run under testenv/with-sshd.sh)\n", name);
        exit(2);
    }
    return v;
}

static long long env_ll(const char *name, long long def) {
    const char *v = getenv(name);
    return v && *v ? atoll(v) : def;
}

static gossh_client *connect_client(const gossh_options *opts, const char *known_hosts) {
    gossh_error *err = NULL;
    gossh_client *c = NULL;
    int rc;
    if ((rc = gossh_client_new(&c, &err))) die("client_new", rc, err);
    if ((rc = gossh_client_load_host_keys(c, known_hosts, &err))) die("load_host_keys", rc, err);
    if ((rc = gossh_client_connect(c, opts, &err))) die("connect", rc, err);
    return c;
}

/* Runs cmd, reads stdout to EOF, checks exit status 0; returns bytes read. */
static long long run(gossh_client *c, const char *cmd) {
    gossh_error *err = NULL;
    gossh_channel *ch = NULL;
    int rc;
    if ((rc = gossh_client_exec(c, cmd, -1, &ch, &err))) die("exec", rc, err);
    long long total = 0;
    for (;;) {
        size_t n = 0;
        if ((rc = gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf, sizeof buf, -1, &n, &err)))
            die("read", rc, err);
        if (n == 0) break;
        total += (long long)n;
    }
    int status = -1;
    if ((rc = gossh_channel_exit_status(ch, -1, &status, &err))) die("exit_status", rc, err);
    if (status != 0) {
        fprintf(stderr, "gossh-c bench: %s exited %d\n", cmd, status);
        exit(1);
    }
    gossh_channel_free(ch);
    return total;
}

int main(void) {
    long long n = env_ll("BENCH_N", 20);
    long long size = env_ll("BENCH_BYTES", 268435456LL);
    const char *known_hosts = need("GOSSH_TEST_KNOWN_HOSTS");
    char key[4096];
    snprintf(key, sizeof key, "%s/id_ed25519", need("GOSSH_TEST_KEYDIR"));

    gossh_error *err = NULL;
    gossh_options *opts = NULL;
    int rc;
    if ((rc = gossh_options_new(&opts, &err))) die("options_new", rc, err);
    const char *set[][2] = {
        {"hostname", need("GOSSH_TEST_HOST")},
        {"port", need("GOSSH_TEST_PORT")},
        {"username", need("GOSSH_TEST_USER")},
        {"key_filename", key},
        {"allow_agent", "0"},
        {"look_for_keys", "0"},
        {"timeout", "10"},
    };
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
        if ((rc = gossh_options_set(opts, set[i][0], set[i][1], &err))) die(set[i][0], rc, err);

    printf("{\"client\":\"gossh-c\",\"host_key_check\":\"known_hosts\",\"latency_ms\":[");
    for (long long i = 0; i < n; i++) {
        double t0 = now();
        gossh_client *c = connect_client(opts, known_hosts);
        run(c, "true");
        gossh_client_free(c);
        printf("%s%.3f", i ? "," : "", (now() - t0) * 1000.0);
    }

    char cmd[128];
    snprintf(cmd, sizeof cmd, "head -c %lld /dev/zero", size);
    printf("],\"throughput_runs_mibs\":[");
    long long runs = env_ll("BENCH_TPUT_RUNS", 3);
    double cpus[64];
    if (runs > 64) runs = 64;
    for (long long i = 0; i < runs; i++) { /* a fresh connection (not timed) per run */
        gossh_client *c = connect_client(opts, known_hosts);
        double t0 = now(), c0 = cpu_seconds();
        long long got = run(c, cmd);
        double secs = now() - t0;
        cpus[i] = cpu_seconds() - c0;
        if (got != size) {
            fprintf(stderr, "gossh-c bench: read %lld bytes, want %lld\n", got, size);
            return 1;
        }
        printf("%s%.3f", i ? "," : "", (double)size / 1048576.0 / secs);
        gossh_client_free(c);
    }
    printf("],\"throughput_cpu_s\":[");
    for (long long i = 0; i < runs; i++) printf("%s%.6f", i ? "," : "", cpus[i]);
    printf("]}\n");
    gossh_options_free(opts);
    return 0;
}
