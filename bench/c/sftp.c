/*
 * sftp.c — gossh's C API SFTP against the test sshd: one connection, then
 * BENCH_TPUT_RUNS whole-file gets of SFTP_SRC_REMOTE to SFTP_DST_LOCAL and
 * as many puts of SFTP_SRC_LOCAL to SFTP_DST_REMOTE (gossh_sftp_get/put,
 * which verify the size they moved). Host key checked against
 * GOSSH_TEST_KNOWN_HOSTS. Prints one JSON line. Run by bench/sftp.py under
 * testenv/with-sshd.sh (which points GOSSH_TEST_PORT at the delaying proxy
 * for the high-latency run).
 */
#define _POSIX_C_SOURCE 200809L
#include "gossh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Resident set size now, in MiB (from /proc/self/statm). */
static double rss_mib(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
    return (double)resident * 4096.0 / 1048576.0;
}

static void die(const char *what, int rc, gossh_error *err) {
    fprintf(stderr, "gossh-c sftp bench: %s failed (%d): %s\n", what, rc, gossh_error_message(err));
    gossh_error_free(err);
    exit(1);
}

static const char *need(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "gossh-c sftp bench: %s is not set (run by bench/sftp.py)\n", name);
        exit(2);
    }
    return v;
}

int main(void) {
    const char *port = need("GOSSH_TEST_PORT");
    long runs = atol(getenv("BENCH_TPUT_RUNS") ? getenv("BENCH_TPUT_RUNS") : "3");
    if (runs < 1) runs = 1;
    if (runs > 32) runs = 32;
    char key[4096];
    snprintf(key, sizeof key, "%s/id_ed25519", need("GOSSH_TEST_KEYDIR"));

    gossh_error *err = NULL;
    gossh_options *opts = NULL;
    gossh_client *c = NULL;
    gossh_sftp *s = NULL;
    int rc;
    if ((rc = gossh_options_new(&opts, &err))) die("options_new", rc, err);
    const char *set[][2] = {
        {"hostname", need("GOSSH_TEST_HOST")}, {"port", port},
        {"username", need("GOSSH_TEST_USER")}, {"key_filename", key},
        {"allow_agent", "0"}, {"look_for_keys", "0"}, {"timeout", "10"},
    };
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
        if ((rc = gossh_options_set(opts, set[i][0], set[i][1], &err))) die(set[i][0], rc, err);
    if ((rc = gossh_client_new(&c, &err))) die("client_new", rc, err);
    if ((rc = gossh_client_load_host_keys(c, need("GOSSH_TEST_KNOWN_HOSTS"), &err)))
        die("load_host_keys", rc, err);
    if ((rc = gossh_client_connect(c, opts, &err))) die("connect", rc, err);
    if ((rc = gossh_client_open_sftp(c, -1, &s, &err))) die("open_sftp", rc, err);

    const char *names[2] = {"get", "put"};
    double mibs[2][32], cpus[2][32], rss0 = rss_mib(), rss_peak = rss0;
    for (int dir = 0; dir < 2; dir++) {
        for (long i = 0; i < runs; i++) {
            uint64_t size = 0;
            double t0 = now(), c0 = cpu_seconds();
            if (dir == 0)
                rc = gossh_sftp_get(s, need("SFTP_SRC_REMOTE"), need("SFTP_DST_LOCAL"), 0, NULL,
                                    NULL, -1, &size, &err);
            else
                rc = gossh_sftp_put(s, need("SFTP_SRC_LOCAL"), need("SFTP_DST_REMOTE"), 0, NULL,
                                    NULL, -1, &size, &err);
            if (rc) die(names[dir], rc, err);
            double secs = now() - t0;
            cpus[dir][i] = cpu_seconds() - c0;
            mibs[dir][i] = (double)size / 1048576.0 / secs;
            double r = rss_mib();
            if (r > rss_peak) rss_peak = r;
        }
    }
    printf("{\"client\":\"gossh-c\"");
    for (int dir = 0; dir < 2; dir++) {
        printf(",\"%s_mibs\":[", names[dir]);
        for (long i = 0; i < runs; i++) printf("%s%.3f", i ? "," : "", mibs[dir][i]);
        printf("],\"%s_cpu_s\":[", names[dir]);
        for (long i = 0; i < runs; i++) printf("%s%.6f", i ? "," : "", cpus[dir][i]);
        printf("]");
    }
    printf(",\"rss_growth_mib\":%.1f}\n", rss_peak - rss0);
    gossh_sftp_free(s);
    gossh_client_free(c);
    gossh_options_free(opts);
    return 0;
}
