/*
 * fanout.c — the fan-out bench's C client (bench/fanout.py runs it): one
 * gossh_group over BENCH_FANOUT_N hosts, pool_size = N (every host at
 * once), "true" on each, results taken with gossh_group_next as the hosts
 * finish. Host keys are checked against BENCH_FANOUT_KNOWN_HOSTS (reject
 * policy); the key is loaded once. The timer runs from creating the group
 * to the last result; closing the kept connections is timed apart. With
 * BENCH_FANOUT_N=0 it loads the library and the key and exits (the
 * driver's baseline). Prints one JSON line.
 */
#include "common.h"

#include <string.h>

#define MAX_KINDS 5

/* The failures, grouped by message (the first MAX_KINDS kinds; the rest
 * count under "other errors"). */
static struct {
    char msg[200];
    long long count;
} kinds[MAX_KINDS + 1];
static int nkinds;

static void tally(const char *msg) {
    for (int i = 0; i < nkinds; i++)
        if (strcmp(kinds[i].msg, msg) == 0) {
            kinds[i].count++;
            return;
        }
    int i = nkinds < MAX_KINDS ? nkinds++ : MAX_KINDS;
    if (i == MAX_KINDS) {
        snprintf(kinds[i].msg, sizeof kinds[i].msg, "other errors");
        if (nkinds == MAX_KINDS) nkinds = MAX_KINDS + 1;
    } else {
        snprintf(kinds[i].msg, sizeof kinds[i].msg, "%s", msg);
    }
    kinds[i].count++;
}

/* s as a JSON string body (quotes, backslashes and controls escaped). */
static void json_str(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

/* This process's peak resident memory (VmHWM, KiB), or -1. (The driver
 * cannot use wait4's ru_maxrss: on Linux a child's starts at its parent's
 * peak RSS, taken over at vfork+exec.) */
static long long vmhwm_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long long kib = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kib = atoll(line + 6);
            break;
        }
    fclose(f);
    return kib;
}

static void set_opt(gossh_options *o, const char *name, const char *value) {
    gossh_error *err = NULL;
    int rc = gossh_options_set(o, name, value, &err);
    if (rc) die(name, rc, err);
}

int main(void) {
    bench_name = "gossh-c fanout";
    long long n = env_ll("BENCH_FANOUT_N", -1);
    const char *ports_env = need("BENCH_FANOUT_PORTS");
    const char *known_hosts = need("BENCH_FANOUT_KNOWN_HOSTS");
    const char *host = need("GOSSH_TEST_HOST");
    const char *user = need("GOSSH_TEST_USER");
    const char *timeout = getenv("BENCH_FANOUT_HOST_TIMEOUT");
    if (!timeout || !*timeout) timeout = "120";
    if (n < 0) {
        fprintf(stderr, "%s: BENCH_FANOUT_N is not set\n", bench_name);
        return 2;
    }
    char ports[64][16];
    int nports = 0;
    for (const char *p = ports_env; *p && nports < 64;) {
        size_t len = strcspn(p, ",");
        snprintf(ports[nports++], sizeof ports[0], "%.*s", (int)len, p);
        p += len + (p[len] == ',');
    }
    const char *version = "?";
    gossh_version(&version);

    char path[4096];
    snprintf(path, sizeof path, "%s/id_ed25519", need("GOSSH_TEST_KEYDIR"));
    gossh_error *err = NULL;
    gossh_key *key = NULL;
    int rc;
    if ((rc = gossh_key_from_file(path, NULL, &key, &err))) die("key_from_file", rc, err);
    if (n == 0) {
        gossh_key_free(key);
        printf("{\"client\":\"gossh-c\",\"version\":\"%s\",\"n\":0,\"vmhwm_kib\":%lld}\n", version,
               vmhwm_kib());
        return 0;
    }

    double t0 = now();
    gossh_group *g = NULL;
    char pool[32];
    snprintf(pool, sizeof pool, "%lld", n);
    if ((rc = gossh_group_new(&g, &err))) die("group_new", rc, err);
    if ((rc = gossh_group_set(g, "pool_size", pool, &err))) die("pool_size", rc, err);
    if ((rc = gossh_group_set(g, "collect_output", "0", &err))) die("collect_output", rc, err);
    if ((rc = gossh_group_set_policy(g, GOSSH_POLICY_REJECT, &err))) die("set_policy", rc, err);
    if ((rc = gossh_group_load_host_keys(g, known_hosts, &err))) die("load_host_keys", rc, err);
    for (long long i = 0; i < n; i++) {
        gossh_options *o = NULL;
        if ((rc = gossh_options_new(&o, &err))) die("options_new", rc, err);
        set_opt(o, "hostname", host);
        set_opt(o, "port", ports[i % nports]);
        set_opt(o, "username", user);
        set_opt(o, "allow_agent", "0");
        set_opt(o, "look_for_keys", "0");
        set_opt(o, "timeout", timeout);
        set_opt(o, "banner_timeout", timeout);
        set_opt(o, "auth_timeout", timeout);
        if ((rc = gossh_options_add_key(o, key, &err))) die("options_add_key", rc, err);
        if ((rc = gossh_group_add_host(g, host, o, NULL, &err))) die("group_add_host", rc, err);
        gossh_options_free(o);
    }
    gossh_session_spec *spec = NULL;
    if ((rc = gossh_session_spec_new(&spec, &err))) die("session_spec_new", rc, err);
    if ((rc = gossh_session_spec_set(spec, "command", "true", &err))) die("spec command", rc, err);
    if ((rc = gossh_group_run(g, spec, &err))) die("group_run", rc, err);
    gossh_session_spec_free(spec);

    long long ok = 0, results = 0;
    for (;;) {
        gossh_group_result *r = NULL;
        if ((rc = gossh_group_next(g, -1, &r, &err))) die("group_next", rc, err);
        if (!r) break;
        results++;
        gossh_error *herr = NULL;
        if ((rc = gossh_group_result_error(r, &herr, &err))) die("result_error", rc, err);
        if (herr) {
            tally(gossh_error_message(herr));
            gossh_error_free(herr);
        } else {
            int64_t status = -1;
            if ((rc = gossh_group_result_get(r, "exit_status", &status, &err))) die("result_get", rc, err);
            if (status == 0) {
                ok++;
            } else {
                char msg[64];
                snprintf(msg, sizeof msg, "exit status %lld", (long long)status);
                tally(msg);
            }
        }
        gossh_group_result_free(r);
    }
    if (results < n) { /* never report a host without a result as done */
        for (long long i = results; i < n; i++) tally("no result");
    }
    double wall = now() - t0;
    double t1 = now();
    gossh_group_close(g, NULL);
    gossh_group_free(g);
    double close_s = now() - t1;
    gossh_key_free(key);

    printf("{\"client\":\"gossh-c\",\"version\":\"%s\",\"host_key_check\":\"known_hosts (reject)\","
           "\"pool\":%lld,\"n\":%lld,\"ok\":%lld,\"errors\":{",
           version, n, n, ok);
    for (int i = 0; i < nkinds; i++) {
        if (i) putchar(',');
        json_str(kinds[i].msg);
        printf(":%lld", kinds[i].count);
    }
    printf("},\"wall_s\":%.6f,\"close_s\":%.6f,\"vmhwm_kib\":%lld}\n", wall, close_s, vmhwm_kib());
    return 0;
}
