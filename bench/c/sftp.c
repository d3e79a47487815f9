/*
 * sftp.c — gossh's C API SFTP against the test sshd: one connection, then
 * BENCH_TPUT_RUNS whole-file gets of SFTP_SRC_REMOTE to SFTP_DST_LOCAL and
 * as many puts of SFTP_SRC_LOCAL to SFTP_DST_REMOTE (gossh_sftp_get/put,
 * which verify the size they moved). Host key checked against
 * GOSSH_TEST_KNOWN_HOSTS. Prints one JSON line. Run by bench/sftp.py under
 * testenv/with-sshd.sh (which points GOSSH_TEST_PORT at the delaying proxy
 * for the high-latency run).
 */
#include "common.h"

#include <string.h>

/* A field of /proc/self/status ("VmRSS", "VmHWM") in MiB, 0 if missing. */
static double status_mib(const char *field) {
    char line[256];
    double kib = 0;
    size_t n = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') kib = strtod(line + n + 1, NULL);
    fclose(f);
    return kib / 1024.0;
}

/* Resets the kernel's peak RSS of this process (VmHWM; clear_refs 5, Linux
 * >= 4.0) and returns the RSS now in MiB: VmHWM minus it, after a
 * direction's transfers, is that direction's peak growth. Where the reset
 * is refused the peak is the process's lifetime one (an over-estimate). */
static double peak_reset(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
    return status_mib("VmRSS");
}

int main(void) {
    bench_name = "gossh-c sftp bench";
    long runs = (long)env_ll("BENCH_TPUT_RUNS", 3);
    if (runs < 1) runs = 1;
    if (runs > 32) runs = 32;

    gossh_error *err = NULL;
    gossh_options *opts = bench_options();
    gossh_client *c = connect_client(opts, need("GOSSH_TEST_KNOWN_HOSTS"));
    gossh_sftp *s = NULL;
    int rc;
    if ((rc = gossh_client_open_sftp(c, -1, &s, &err))) die("open_sftp", rc, err);

    const char *names[2] = {"get", "put"};
    double mibs[2][32], cpus[2][32], peak[2];
    /* BENCH_SFTP_ORDER=put,get: puts first, so that their peak RSS growth
     * is that of a fresh process, not of one a get has grown already. */
    const char *order = getenv("BENCH_SFTP_ORDER");
    int put_first = order && strncmp(order, "put", 3) == 0;
    for (int step = 0; step < 2; step++) {
        int dir = put_first ? 1 - step : step;
        double rss0 = peak_reset();
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
        }
        peak[dir] = status_mib("VmHWM") - rss0;
    }
    printf("{\"client\":\"gossh-c\"");
    for (int dir = 0; dir < 2; dir++) {
        printf(",\"%s_mibs\":[", names[dir]);
        for (long i = 0; i < runs; i++) printf("%s%.3f", i ? "," : "", mibs[dir][i]);
        printf("],\"%s_cpu_s\":[", names[dir]);
        for (long i = 0; i < runs; i++) printf("%s%.6f", i ? "," : "", cpus[dir][i]);
        printf("],\"%s_rss_peak_mib\":%.1f", names[dir], peak[dir]);
    }
    printf("}\n");
    gossh_sftp_free(s);
    gossh_client_free(c);
    gossh_options_free(opts);
    return 0;
}
