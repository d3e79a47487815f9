/*
 * test_hostkeys.c — tests the known_hosts store of the C API
 * (gossh_hostkeys_*, gossh_client_get_host_keys) against the real sshd that
 * testenv/with-sshd.sh starts, and against ssh-keygen. Prints failures and a
 * closing "N passed, N failed" line; exits non-zero on any failure.
 */
#define _DEFAULT_SOURCE
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static char tmpdir[256];
static char name[128]; /* "[127.0.0.1]:PORT" */


static char *path_in(const char *dir, const char *file) {
    static char buf[4][512];
    static int i;
    char *p = buf[i++ % 4];
    snprintf(p, 512, "%s/%s", dir, file);
    return p;
}

/* the first line of a file whose text contains needle, as "type base64" */
static int key_line(const char *file, const char *needle, char *out, size_t cap) {
    FILE *f = fopen(file, "r");
    char line[8192];
    int found = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, needle)) continue;
        char *t = strchr(line, ' ');
        if (!t) continue;
        t++;
        t[strcspn(t, "\n")] = 0;
        snprintf(out, cap, "%s", t);
        found = 1;
        break;
    }
    fclose(f);
    return found;
}


static void test_store(void) {
    gossh_error *err = NULL;
    gossh_hostkeys *hk = NULL;
    char ed[4096], wrong[4096];
    CHECK(key_line(test_path("known_hosts"), "ssh-ed25519", ed, sizeof ed), "ed25519 line");
    CHECK(key_line(test_path("known_hosts_wrong"), "ssh-ed25519", wrong, sizeof wrong), "wrong line");

    CHECK(gossh_hostkeys_new(&hk, &err) == 0 && hk, "new: %s", msg(err));
    CHECK(gossh_hostkeys_count(hk) == 0, "empty");
    CHECK(gossh_hostkeys_load(hk, test_path("known_hosts"), &err) == 0, "load: %s", msg(err));
    /* other tests (test_keys) may add lines for other servers to the file */
    int n0 = gossh_hostkeys_count(hk);
    CHECK(n0 >= 3, "at least 3 entries, got %d", n0);
    CHECK(gossh_hostkeys_check(hk, name, ed, NULL) == 1, "check known key");
    CHECK(gossh_hostkeys_check(hk, name, wrong, NULL) == 0, "check wrong key");
    CHECK(gossh_hostkeys_check(hk, "other", ed, NULL) == 0, "check other host");
    /* a key that does not parse is an error with a message, not a "no" */
    int rc = gossh_hostkeys_check(hk, name, "garbage", &err);
    CHECK(rc == GOSSH_E_KEY && err && gossh_error_code(err) == GOSSH_E_KEY && *gossh_error_message(err),
          "check garbage key: %d %s", rc, msg(err));
    gossh_error_free(err);
    err = NULL;
    rc = gossh_hostkeys_check(hk, NULL, ed, &err);
    CHECK(rc == GOSSH_E_INVALID && err, "check NULL hostname: %d %s", rc, msg(err));
    gossh_error_free(err);
    err = (gossh_error *)1; /* success clears *err */
    CHECK(gossh_hostkeys_check(hk, name, ed, &err) == 1 && err == NULL, "check sets *err = NULL");
    err = NULL;

    char *out = NULL;
    CHECK(gossh_hostkeys_lookup(hk, name, &out, &err) == 0 && out, "lookup: %s", msg(err));
    int lines = 0;
    for (char *p = out; p && *p; p++) lines += *p == '\n';
    CHECK(lines == 3 && strstr(out, ed), "lookup gives 3 lines with the ed25519 key: %s", out);
    gossh_free(out);
    CHECK(gossh_hostkeys_lookup(hk, "nobody", &out, NULL) == 0 && out && !*out, "lookup of unknown host is empty");
    gossh_free(out);

    /* add replaces the key of the same type */
    CHECK(gossh_hostkeys_add(hk, name, wrong, &err) == 0, "add: %s", msg(err));
    CHECK(gossh_hostkeys_check(hk, name, wrong, NULL) == 1 && gossh_hostkeys_check(hk, name, ed, NULL) == 0,
          "add replaced the ed25519 key");
    CHECK(gossh_hostkeys_count(hk) == n0, "still %d entries", n0);
    CHECK(gossh_hostkeys_add(hk, name, "ssh-ed25519 notbase64!", &err) == GOSSH_E_KEY, "add bad key");
    gossh_error_free(err);
    CHECK(gossh_hostkeys_add(hk, NULL, ed, &err) == GOSSH_E_INVALID, "add NULL host");
    gossh_error_free(err);

    /* hostnames, remove by type, remove, entries */
    CHECK(gossh_hostkeys_hostnames(hk, &out, NULL) == 0 && out && strstr(out, name), "hostnames %s", out);
    gossh_free(out);
    CHECK(gossh_hostkeys_remove(hk, name, "ssh-ed25519", &err) == 1, "remove type: %s", msg(err));
    CHECK(gossh_hostkeys_remove(hk, name, "ssh-ed25519", NULL) == 0, "second remove finds nothing");
    CHECK(gossh_hostkeys_count(hk) == n0 - 1, "one entry fewer");
    CHECK(gossh_hostkeys_remove(hk, name, NULL, NULL) == 1 && gossh_hostkeys_count(hk) == n0 - 3, "remove host");
    gossh_hostkeys_clear(hk, NULL);

    /* markers through add_line; @revoked wins */
    char line[8300];
    snprintf(line, sizeof line, "%s %s", name, ed);
    CHECK(gossh_hostkeys_add_line(hk, line, &err) == 0, "add_line: %s", msg(err));
    CHECK(gossh_hostkeys_check(hk, name, ed, NULL) == 1, "plain line accepts");
    snprintf(line, sizeof line, "@revoked * %s", ed);
    CHECK(gossh_hostkeys_add_line(hk, line, &err) == 0, "add_line revoked: %s", msg(err));
    CHECK(gossh_hostkeys_check(hk, name, ed, NULL) == 0, "revoked key refused");
    CHECK(gossh_hostkeys_add_line(hk, "# comment", &err) == GOSSH_E_INVALID, "comment line");
    gossh_error_free(err);
    CHECK(gossh_hostkeys_add_line(hk, "host ssh-ed25519", &err) == GOSSH_E_KEY, "malformed line");
    gossh_error_free(err);
    CHECK(gossh_hostkeys_entries(hk, &out, NULL) == 0 && out && strstr(out, "@revoked * "), "entries %s", out);
    gossh_free(out);

    /* hashing: ssh-keygen -F finds a hashed entry we saved */
    char *hashed = NULL, *again = NULL;
    CHECK(gossh_hostkeys_hash_host("hashed.example", NULL, &hashed, &err) == 0 && hashed &&
              strncmp(hashed, "|1|", 3) == 0, "hash_host: %s", msg(err));
    CHECK(gossh_hostkeys_hash_host("hashed.example", hashed, &again, NULL) == 0 && again &&
              strcmp(again, hashed) == 0, "hash with the entry's salt is the same");
    gossh_free(again);
    CHECK(gossh_hostkeys_hash_host("x", "not base64!", &again, &err) == GOSSH_E_INVALID, "bad salt");
    gossh_error_free(err);
    gossh_hostkeys_clear(hk, NULL);
    CHECK(gossh_hostkeys_count(hk) == 0, "clear");
    CHECK(gossh_hostkeys_add(hk, hashed, ed, NULL) == 0, "add under a hashed name");
    CHECK(gossh_hostkeys_check(hk, "hashed.example", ed, NULL) == 1, "hashed entry matches");
    char *file = path_in(tmpdir, "saved");
    CHECK(gossh_hostkeys_save(hk, file, &err) == 0, "save: %s", msg(err));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ssh-keygen -F hashed.example -f %s | grep -q 'found: line 1'", file);
    CHECK(system(cmd) == 0, "ssh-keygen -F finds our hashed entry");
    gossh_free(hashed);

    CHECK(gossh_hostkeys_load(hk, path_in(tmpdir, "missing"), &err) == GOSSH_E_IO, "load missing file");
    gossh_error_free(err);
    CHECK(gossh_hostkeys_save(hk, path_in(file, "kh"), &err) == GOSSH_E_IO, "save under a file");
    gossh_error_free(err);

    /* bad handles */
    gossh_hostkeys_free(hk);
    gossh_hostkeys_free(hk);
    gossh_hostkeys_free(NULL);
    CHECK(gossh_hostkeys_count(hk) == GOSSH_E_BADHANDLE, "freed store");
    CHECK(gossh_hostkeys_load(hk, file, &err) == GOSSH_E_BADHANDLE, "load on freed store");
    gossh_error_free(err);
    CHECK(gossh_hostkeys_count(NULL) == GOSSH_E_INVALID, "NULL store");
    gossh_options *o = test_options("id_ed25519");
    CHECK(gossh_hostkeys_count((gossh_hostkeys *)o) == GOSSH_E_BADHANDLE, "options as a store");
    gossh_options_free(o);
}

static void test_client_store(void) {
    gossh_error *err = NULL;
    char ed[4096], wrong[4096];
    key_line(test_path("known_hosts"), "ssh-ed25519", ed, sizeof ed);
    key_line(test_path("known_hosts_wrong"), "ssh-ed25519", wrong, sizeof wrong);

    gossh_client *c = NULL;
    gossh_client_new(&c, NULL);
    gossh_hostkeys *live = NULL, *sys = NULL;
    CHECK(gossh_client_get_host_keys(c, &live, &err) == 0 && live, "get_host_keys: %s", msg(err));
    CHECK(gossh_client_get_system_host_keys(c, &sys, &err) == 0 && sys, "get_system_host_keys");
    gossh_options *o = test_options("id_ed25519");

    /* unknown: rejected; add through the live store: accepted */
    CHECK(gossh_client_connect(c, o, &err) == GOSSH_E_HOSTKEY_UNKNOWN, "unknown host: %s", msg(err));
    gossh_error_free(err);
    CHECK(gossh_hostkeys_load(live, test_path("known_hosts"), NULL) == 0, "load into live store");
    CHECK(gossh_client_connect(c, o, &err) == 0, "connect after adding through the store: %s", msg(err));
    gossh_client_close(c, NULL);

    /* a revoked key is refused even though a line accepts it; reason detail */
    char line[8300];
    snprintf(line, sizeof line, "@revoked %s %s", name, ed);
    gossh_hostkeys_add_line(live, line, NULL);
    gossh_hostkeys_remove(live, name, "ecdsa-sha2-nistp256", NULL);
    gossh_hostkeys_remove(live, name, "ssh-rsa", NULL);
    CHECK(gossh_client_connect(c, o, &err) == GOSSH_E_HOSTKEY_MISMATCH, "revoked: %s", msg(err));
    const char *reason = gossh_error_detail(err, "reason");
    CHECK(reason && strcmp(reason, "revoked") == 0, "reason %s", reason ? reason : "(null)");
    gossh_error_free(err);

    /* a wrong key: mismatch with the expected key */
    gossh_hostkeys_clear(live, NULL);
    gossh_hostkeys_add(live, name, wrong, NULL);
    CHECK(gossh_client_connect(c, o, &err) == GOSSH_E_HOSTKEY_MISMATCH, "mismatch: %s", msg(err));
    reason = gossh_error_detail(err, "reason");
    CHECK(reason && strcmp(reason, "mismatch") == 0, "reason %s", reason ? reason : "(null)");
    const char *exp = gossh_error_detail(err, "expected_key");
    CHECK(exp && strcmp(exp, wrong) == 0, "expected_key %s", exp ? exp : "(null)");
    gossh_error_free(err);

    /* system keys are consulted first; freeing the handles leaves the client working */
    CHECK(gossh_hostkeys_load(sys, test_path("known_hosts"), NULL) == 0, "load system");
    gossh_hostkeys_free(sys);
    gossh_hostkeys_free(live);
    CHECK(gossh_client_connect(c, o, &err) == 0, "system keys first: %s", msg(err));
    gossh_client_close(c, NULL);

    /* share: a new client uses the same stores */
    gossh_client *d = NULL;
    gossh_client_new(&d, NULL);
    CHECK(gossh_client_share_host_keys(d, c, &err) == 0, "share: %s", msg(err));
    CHECK(gossh_client_connect(d, o, &err) == 0, "shared stores: %s", msg(err));
    gossh_client_free(d);
    CHECK(gossh_client_get_host_keys(NULL, &live, &err) == GOSSH_E_INVALID, "get_host_keys(NULL)");
    gossh_error_free(err);
    CHECK(gossh_client_get_host_keys(c, NULL, &err) == GOSSH_E_INVALID, "get_host_keys out NULL");
    gossh_error_free(err);
    gossh_options_free(o);
    gossh_client_free(c);
}

int main(void) {
    test_server_from_env();
    snprintf(name, sizeof name, "[%s]:%s", host, port);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gossh-test-hostkeys.XXXXXX");
    if (!mkdtemp(tmpdir)) return 2;
    test_store();
    test_client_store();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) printf("could not remove %s\n", tmpdir);
    return summary("test_hostkeys");
}
