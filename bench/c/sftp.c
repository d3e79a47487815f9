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

/* Resident set size now, in MiB (from /proc/self/statm). */
static double rss_mib(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
    return (double)resident * 4096.0 / 1048576.0;
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
