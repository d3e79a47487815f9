/*
 * test_sshconfig.c — tests the ssh_config resolver of the C API
 * (gossh_sshconfig_*) and the "ssh_config" connect option against the real
 * sshd that testenv/with-sshd.sh starts. Prints failures and a closing
 * "N passed, N failed" line; exits non-zero on any failure.
 */
#define _DEFAULT_SOURCE
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];

/* The values of keyword in lookup output, joined by '|' into out. */
static const char *values(const char *text, const char *keyword, char *out, size_t cap) {
    size_t klen = strlen(keyword), n = 0;
    out[0] = 0;
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > klen && strncmp(p, keyword, klen) == 0 && p[klen] == '\t') {
            n += (size_t)snprintf(out + n, cap - n, "%s%.*s", n ? "|" : "", (int)(len - klen - 1), p + klen + 1);
            if (n >= cap) break;
        }
        p = eol ? eol + 1 : NULL;
    }
    return out;
}

static const char *text =
    "Host web* !web-internal\n"
    "    HostName %h.example.com\n"
    "    User=webuser\n"
    "    IdentityFile \"/keys/one two\"\n"
    "Match host web1.example.com user alice\n"
    "    Port 2201\n"
    "Match final all\n"
    "    IdentityFile /keys/final_%h\n"
    "Host *\n"
    "    Port 2222\n"
    "    IdentityFile /keys/default\n"
    "    ProxyCommand nc %h %p\n"
    "    SomeFutureKeyword kept\n";

static void test_lookup(void) {
    gossh_error *err = NULL;
    gossh_sshconfig *cfg = NULL;
    char *out = NULL, buf[1024];

    CHECK(gossh_sshconfig_from_text(text, &cfg, &err) == 0 && cfg, "from_text: %s", msg(err));
    CHECK(gossh_sshconfig_lookup(cfg, "web1", NULL, 0, &out, &err) == 0 && out, "lookup: %s", msg(err));
    CHECK(strcmp(values(out, "hostname", buf, sizeof buf), "web1.example.com") == 0, "hostname %s", buf);
    CHECK(strcmp(values(out, "user", buf, sizeof buf), "webuser") == 0, "user %s", buf);
    CHECK(strcmp(values(out, "port", buf, sizeof buf), "2222") == 0, "port %s", buf);
    CHECK(strcmp(values(out, "identityfile", buf, sizeof buf),
                 "/keys/one two|/keys/default|/keys/final_web1.example.com") == 0, "identityfile %s", buf);
    CHECK(strcmp(values(out, "proxycommand", buf, sizeof buf), "nc web1.example.com 2222") == 0, "proxycommand %s", buf);
    CHECK(strcmp(values(out, "somefuturekeyword", buf, sizeof buf), "kept") == 0, "unknown keyword %s", buf);
    gossh_free(out);
    out = NULL;

    /* The caller's user and port win, and Match user sees the user. */
    CHECK(gossh_sshconfig_lookup(cfg, "web1", "alice", 0, &out, &err) == 0, "lookup alice: %s", msg(err));
    CHECK(strcmp(values(out, "user", buf, sizeof buf), "alice") == 0, "user %s", buf);
    CHECK(strcmp(values(out, "port", buf, sizeof buf), "2201") == 0, "Match user: port %s", buf);
    gossh_free(out);
    out = NULL;
    CHECK(gossh_sshconfig_lookup(cfg, "web1", "alice", 7, &out, &err) == 0, "lookup -p: %s", msg(err));
    CHECK(strcmp(values(out, "port", buf, sizeof buf), "7") == 0, "port %s", buf);
    gossh_free(out);
    out = NULL;

    /* A negated pattern. */
    CHECK(gossh_sshconfig_lookup(cfg, "web-internal", NULL, 0, &out, &err) == 0, "lookup: %s", msg(err));
    CHECK(strcmp(values(out, "hostname", buf, sizeof buf), "web-internal") == 0, "hostname %s", buf);
    gossh_free(out);
    out = NULL;

    CHECK(gossh_sshconfig_hostnames(cfg, &out, &err) == 0 && out && strcmp(out, "web*\n!web-internal\n*\n") == 0,
          "hostnames %s", out ? out : "(null)");
    gossh_free(out);
    out = NULL;

    /* add_text: a further file, read from its own top. */
    CHECK(gossh_sshconfig_add_text(cfg, "Host extra\n  User extrauser\n", &err) == 0, "add_text: %s", msg(err));
    CHECK(gossh_sshconfig_lookup(cfg, "extra", NULL, 0, &out, &err) == 0, "lookup: %s", msg(err));
    CHECK(strcmp(values(out, "user", buf, sizeof buf), "extrauser") == 0, "user %s", buf);
    gossh_free(out);
    out = NULL;

    CHECK(gossh_sshconfig_multi_keywords(&out, &err) == 0 && out && strstr(out, "identityfile\n") &&
              strstr(out, "localforward\n"), "multi_keywords %s", out ? out : "(null)");
    gossh_free(out);
    out = NULL;

    /* Bad input. */
    CHECK(gossh_sshconfig_lookup(cfg, NULL, NULL, 0, &out, &err) == GOSSH_E_INVALID && out == NULL, "NULL host");
    gossh_error_free(err);
    err = NULL;
    CHECK(gossh_sshconfig_lookup(cfg, "x", NULL, 70000, &out, &err) == GOSSH_E_INVALID, "bad port");
    gossh_error_free(err);
    err = NULL;
    CHECK(gossh_sshconfig_lookup(cfg, "x", NULL, 0, NULL, &err) == GOSSH_E_INVALID, "NULL out");
    gossh_error_free(err);
    err = NULL;
    gossh_sshconfig_free(cfg);
    gossh_sshconfig_free(cfg);
    CHECK(gossh_sshconfig_lookup(cfg, "x", NULL, 0, &out, &err) == GOSSH_E_BADHANDLE, "freed handle");
    gossh_error_free(err);
    err = NULL;
    CHECK(gossh_sshconfig_lookup((gossh_sshconfig *)(uintptr_t)0x7777777, "x", NULL, 0, &out, &err) == GOSSH_E_BADHANDLE,
          "garbage handle");
    gossh_error_free(err);
    err = NULL;
    gossh_sshconfig_free(NULL);

    cfg = NULL;
    CHECK(gossh_sshconfig_from_text("Host a\n  User \"unterminated\n", &cfg, &err) == GOSSH_E_INVALID && cfg == NULL,
          "bad quotes");
    CHECK(err && strcmp(gossh_error_detail(err, "line") ? gossh_error_detail(err, "line") : "", "2") == 0,
          "detail line: %s", msg(err));
    gossh_error_free(err);
    err = NULL;
    CHECK(gossh_sshconfig_from_text("Match nosuch x\n", &cfg, &err) == GOSSH_E_INVALID, "bad Match");
    gossh_error_free(err);
    err = NULL;
    CHECK(gossh_sshconfig_from_path("/nonexistent/gossh/config", &cfg, &err) == GOSSH_E_IO, "missing file");
    gossh_error_free(err);
    err = NULL;
    CHECK(gossh_sshconfig_from_text(NULL, &cfg, &err) == GOSSH_E_INVALID, "NULL text");
    gossh_error_free(err);
    err = NULL;
}

/* Writes an ssh_config for the test sshd under the alias "gossh-alias". */
static const char *write_config(const char *extra) {
    static char path[512];
    snprintf(path, sizeof path, "%s/config", tmpdir);
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    fprintf(f,
            "Host gossh-alias\n"
            "    HostName %s\n    Port %s\n    User %s\n"
            "    IdentityFile %s\n    UserKnownHostsFile %s\n"
            "    IdentitiesOnly yes\n%s",
            host, port, user, test_path("id_ed25519"), test_path("known_hosts"), extra);
    fclose(f);
    return path;
}

static void test_connect(void) {
    gossh_error *err = NULL;
    gossh_client *c = NULL;
    gossh_options *o = NULL;
    const char *path = write_config("    Ciphers aes256-ctr\n");
    CHECK(path != NULL, "write config");

    /* Only the alias and the option: everything else comes from the file. */
    gossh_client_new(&c, NULL);
    gossh_options_new(&o, NULL);
    gossh_options_set(o, "hostname", "gossh-alias", NULL);
    CHECK(gossh_options_set(o, "ssh_config", path, &err) == 0, "set ssh_config: %s", msg(err));
    CHECK(gossh_client_connect(c, o, &err) == 0, "connect through ssh_config: %s", msg(err));
    gossh_error_free(err);
    err = NULL;
    char *cipher = NULL;
    CHECK(gossh_client_info(c, "cipher_out", &cipher, &err) == 0 && cipher && strcmp(cipher, "aes256-ctr") == 0,
          "cipher %s: %s", cipher ? cipher : "(null)", msg(err));
    gossh_free(cipher);
    gossh_client_free(c);
    gossh_options_free(o);

    /* An explicit port wins over the file's. */
    gossh_client_new(&c, NULL);
    gossh_options_new(&o, NULL);
    gossh_options_set(o, "hostname", "gossh-alias", NULL);
    gossh_options_set(o, "ssh_config", path, NULL);
    gossh_options_set(o, "port", "1", NULL);
    CHECK(gossh_client_connect(c, o, &err) == GOSSH_E_CONNECT, "explicit port: %s", msg(err));
    gossh_error_free(err);
    err = NULL;
    gossh_client_free(c);
    gossh_options_free(o);

    /* A ProxyJump named in the file: the target through a jump host (the
     * test sshd serves as both), each resolved in the file. */
    {
        char extra[2048];
        snprintf(extra, sizeof extra,
                 "    ProxyJump gossh-jump\n"
                 "Host gossh-jump\n    HostName %s\n    Port %s\n    User %s\n"
                 "    IdentityFile %s\n    UserKnownHostsFile %s\n",
                 host, port, user, test_path("id_ed25519"), test_path("known_hosts"));
        path = write_config(extra);
        gossh_client_new(&c, NULL);
        gossh_options_new(&o, NULL);
        gossh_options_set(o, "hostname", "gossh-alias", NULL);
        gossh_options_set(o, "ssh_config", path, NULL);
        CHECK(gossh_client_connect(c, o, &err) == 0, "connect through a ProxyJump from the file: %s", msg(err));
        gossh_error_free(err);
        err = NULL;
        gossh_client_free(c);
        gossh_options_free(o);
    }

    /* A file that does not parse fails the connect, naming its line. */
    path = write_config("Match nosuch x\n");
    gossh_client_new(&c, NULL);
    gossh_options_new(&o, NULL);
    gossh_options_set(o, "hostname", "gossh-alias", NULL);
    gossh_options_set(o, "ssh_config", path, NULL);
    CHECK(gossh_client_connect(c, o, &err) == GOSSH_E_INVALID && strstr(msg(err), "line 8"), "bad file: %s", msg(err));
    gossh_error_free(err);
    err = NULL;
    gossh_client_free(c);
    gossh_options_free(o);
}

int main(void) {
    test_server_from_env();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gossh-sshconfig-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    test_lookup();
    test_connect();
    char cfgpath[512];
    snprintf(cfgpath, sizeof cfgpath, "%s/config", tmpdir);
    unlink(cfgpath);
    rmdir(tmpdir);
    return summary("test_sshconfig");
}
