/*
 * bench.c — gossh's C API against the test sshd: BENCH_N fresh
 * connect+auth+exec("true")+EOF+exit-status+close round trips, then the
 * throughput of one exec's stdout (BENCH_BYTES of /dev/zero) read with a
 * 256 KiB buffer. Prints one JSON line. Run under testenv/with-sshd.sh.
 */
#include "common.h"

#include <string.h>

#define BUFSZ (256 * 1024)
static char buf[BUFSZ];

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
    gossh_options *opts = bench_options();

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
