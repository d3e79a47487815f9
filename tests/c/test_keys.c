/*
 * test_keys.c — tests the key functions of the C API (gossh_key_*) against
 * ssh-keygen and the real sshd that testenv/with-sshd.sh starts; the
 * certificate test starts a second sshd with TrustedUserCAKeys through
 * testenv/extra-sshd.sh (run from the repository root). Prints failures and
 * a closing "N passed, N failed" line; exits non-zero on any failure.
 */
#define _DEFAULT_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


static char tmpdir[256];


/* runs a shell command and returns its first output line (static buffer) */
static const char *run(const char *cmd) {
    static char line[8192];
    line[0] = 0;
    FILE *f = popen(cmd, "r");
    if (!f) return line;
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    pclose(f);
    line[strcspn(line, "\n")] = 0;
    return line;
}

/* the first two fields ("type base64") of a line, in place */
static char *two_fields(char *s) {
    char *sp = strchr(s, ' ');
    if (sp && (sp = strchr(sp + 1, ' '))) *sp = 0;
    return s;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* the body of a PEM text: its base64 characters, without lines or headers */
static size_t pem_body(const char *pem, char *out, size_t cap) {
    const char *p = strchr(pem, '\n'), *end = strstr(pem, "-----END");
    size_t n = 0;
    for (p = p ? p + 1 : pem; p && p < end && n + 1 < cap; p++)
        if (*p && strchr(b64, *p)) out[n++] = *p;
    out[n] = 0;
    return n;
}

/* decodes base64 (no padding expected beyond '='); returns the length */
static size_t b64_decode(const char *in, unsigned char *out) {
    size_t n = 0;
    unsigned v = 0;
    int bits = 0;
    for (; *in && *in != '='; in++) {
        v = (v << 6) | (unsigned)(strchr(b64, *in) - b64);
        bits += 6;
        if (bits >= 8) { bits -= 8; out[n++] = (unsigned char)(v >> bits); }
    }
    return n;
}

/* writes data as an "OPENSSH PRIVATE KEY" PEM text into out */
static void openssh_pem(const unsigned char *data, size_t len, char *out) {
    char *o = out + sprintf(out, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    size_t col = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0) |
                     (i + 2 < len ? data[i + 2] : 0);
        char q[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63], i + 1 < len ? b64[v >> 6 & 63] : '=',
                     i + 2 < len ? b64[v & 63] : '='};
        for (int j = 0; j < 4; j++) {
            *o++ = q[j];
            if (++col == 70) { *o++ = '\n'; col = 0; }
        }
    }
    if (col) *o++ = '\n';
    strcpy(o, "-----END OPENSSH PRIVATE KEY-----\n");
}

/* reads a whole (small) file into a NUL-terminated static buffer */
static char *slurp(const char *path) {
    static char buf[16384];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    return buf;
}

/*
 * A corrupted Ed25519 key (one base64 character of its seed changed) is a key
 * error, never a key that signs for another one: in memory and from a file.
 * In an unencrypted OpenSSH key the seed is bytes 161..192 of the body
 * whatever the comment; base64 character 233 holds bits of bytes 174-175.
 */
static void test_corrupted_key(void) {
    char path[512], cmd[1024];
    snprintf(path, sizeof path, "%s/corrupt", tmpdir);
    snprintf(cmd, sizeof cmd, "ssh-keygen -q -t ed25519 -N '' -C c -f %s && echo ok", path);
    CHECK(strcmp(run(cmd), "ok") == 0, "ssh-keygen made a key");
    char *text = slurp(path);
    gossh_key *k = NULL;
    gossh_error *err = NULL;
    CHECK(gossh_key_from_data(text, strlen(text), NULL, &k, &err) == 0, "intact key loads: %s", msg(err));
    gossh_key_free(k);
    /* find base64 character 233 of the body and change it */
    size_t seen = 0;
    char *p = strchr(text, '\n') + 1;
    for (; *p; p++) {
        if (*p != '\n' && seen++ == 233) break;
    }
    *p = *p == 'A' ? 'B' : 'A';
    k = NULL;
    int rc = gossh_key_from_data(text, strlen(text), NULL, &k, &err);
    CHECK(rc == GOSSH_E_KEY && k == NULL, "corrupted seed: %d (%s)", rc, msg(err));
    CHECK(err && gossh_error_code(err) == GOSSH_E_KEY, "error object for the corrupted key");
    gossh_error_free(err);
    err = NULL;
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    rc = gossh_key_from_file(path, NULL, &k, &err);
    CHECK(rc == GOSSH_E_KEY && k == NULL, "corrupted seed from a file: %d (%s)", rc, msg(err));
    gossh_error_free(err);
}

/*
 * Key files that ask for too much work fail fast: an encrypted OpenSSH key
 * whose bcrypt rounds are raised over the limit (512) is a key error naming
 * it, with or without a passphrase; RSA generation over 8192 bits is
 * GOSSH_E_INVALID.
 */
static void test_limits(void) {
    gossh_key *k = NULL;
    gossh_error *err = NULL;
    gossh_key_generate("ed25519", 0, &k, NULL);
    char *text = NULL;
    CHECK(gossh_key_write_private(k, "pw", &text, NULL) == 0 && text, "write an encrypted key");
    gossh_key_free(k);
    if (!text) return;
    static char body[16384], pem[16384];
    static unsigned char raw[12288];
    pem_body(text, body, sizeof body);
    gossh_free(text);
    size_t n = b64_decode(body, raw);
    /* magic(15) "aes256-ctr"(4+10) "bcrypt"(4+6) kdfopts len(4) salt(4+16) rounds(4) */
    CHECK(n > 67 && memcmp(raw + 15 + 4, "aes256-ctr", 10) == 0 && memcmp(raw + 33, "bcrypt", 6) == 0,
          "layout of the encrypted key");
    unsigned char *r = raw + 63;
    CHECK(r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 16, "16 rounds as written");
    r[0] = 0, r[1] = 1, r[2] = 0x86, r[3] = 0xa0; /* 100000 rounds: hours of bcrypt */
    openssh_pem(raw, n, pem);
    for (int pass = 0; pass < 2; pass++) {
        k = NULL;
        int rc = gossh_key_from_data(pem, strlen(pem), pass ? "pw" : NULL, &k, &err);
        CHECK(rc == GOSSH_E_KEY && k == NULL, "100000 bcrypt rounds: %d", rc);
        CHECK(strstr(msg(err), "512") != NULL, "the error names the limit: %s", msg(err));
        gossh_error_free(err);
        err = NULL;
    }
    CHECK(gossh_key_generate("rsa", 8193, &k, &err) == GOSSH_E_INVALID, "RSA 8193 bits");
    CHECK(strstr(msg(err), "8192") != NULL, "the error names the limit: %s", msg(err));
    gossh_error_free(err);
}

/*
 * Lengths are size_t and are never narrowed: 2^31+1 and 2^32+16 (which an
 * int cast turns into a negative number and into 16) are GOSSH_E_INVALID,
 * for key data, public key blobs, data to sign or verify and signatures,
 * checked before the memory is read. Each buffer ends at a page that may not
 * be read, so a read past it would crash this test.
 */
static void test_huge_lengths(void) {
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(map != MAP_FAILED, "mmap");
    if (map == MAP_FAILED) return;
    CHECK(mprotect(map + page, (size_t)page, PROT_NONE) == 0, "guard page");
    gossh_key *k = NULL;
    gossh_key_generate("ed25519", 0, &k, NULL);
    char *text = NULL;
    gossh_key_write_private(k, NULL, &text, NULL);
    size_t tlen = text ? strlen(text) : 0;
    char *keybuf = (char *)map + page - tlen;
    if (text) memcpy(keybuf, text, tlen);
    gossh_free(text);
    gossh_key *back = NULL;
    gossh_error *err = NULL;
    CHECK(gossh_key_from_data(keybuf, tlen, NULL, &back, &err) == 0, "key at the end of the page: %s", msg(err));
    gossh_key_free(back);

    void *sig = NULL;
    size_t siglen = 0;
    char *data = (char *)map + page - 5;
    memcpy(data, "hello", 5);
    CHECK(gossh_key_sign(k, data, 5, NULL, &sig, &siglen, NULL) == 0, "sign");

    const uint64_t lens[] = {(1ull << 31) + 1, (1ull << 32) + 16};
    for (size_t i = 0; i < 2; i++) {
        if (lens[i] > SIZE_MAX) continue;
        size_t len = (size_t)lens[i];
        back = NULL;
        int rc = gossh_key_from_data(keybuf, len, NULL, &back, &err);
        CHECK(rc == GOSSH_E_INVALID && back == NULL, "key_from_data len %zu: %d %s", len, rc, msg(err));
        CHECK(strstr(msg(err), "1048576") != NULL, "the error names the limit: %s", msg(err));
        gossh_error_free(err);
        err = NULL;
        rc = gossh_key_from_public(NULL, data, len, &back, NULL);
        CHECK(rc == GOSSH_E_INVALID && back == NULL, "key_from_public blob len %zu: %d", len, rc);
        void *s2 = NULL;
        size_t s2len = 0;
        rc = gossh_key_sign(k, data, len, NULL, &s2, &s2len, NULL);
        CHECK(rc == GOSSH_E_INVALID && s2 == NULL, "sign len %zu: %d", len, rc);
        CHECK(gossh_key_verify(k, data, len, sig, siglen, NULL) == GOSSH_E_INVALID, "verify data len %zu", len);
        memcpy(map + page - siglen, sig, siglen);
        CHECK(gossh_key_verify(k, "hello", 5, map + page - siglen, len, NULL) == GOSSH_E_INVALID,
              "verify signature len %zu", len);
    }
    gossh_free(sig);
    gossh_key_free(k);
    munmap(map, 2 * (size_t)page);
}

static void test_generate_write_sign(void) {
    static const struct { const char *type; int bits; const char *want; int want_bits; } cases[] = {
        {"rsa", 2048, "ssh-rsa", 2048},
        {"ecdsa", 384, "ecdsa-sha2-nistp384", 384},
        {"ed25519", 0, "ssh-ed25519", 256},
        {"dsa", 0, "ssh-dss", 1024},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gossh_error *err = NULL;
        gossh_key *k = NULL;
        int rc = gossh_key_generate(cases[i].type, cases[i].bits, &k, &err);
        CHECK(rc == 0, "generate %s: %s", cases[i].type, msg(err));
        if (rc != 0) { gossh_error_free(err); continue; }
        char *type = NULL, *pub = NULL, *md5 = NULL;
        int bits = 0;
        gossh_key_type(k, &type, NULL);
        gossh_key_public_text(k, &pub, NULL);
        gossh_key_bits(k, &bits, NULL);
        CHECK(type && strcmp(type, cases[i].want) == 0, "type %s", type ? type : "(null)");
        CHECK(bits == cases[i].want_bits, "%s bits %d", cases[i].type, bits);
        CHECK(gossh_key_can_sign(k) == 1, "generated key can sign");
        CHECK(gossh_key_fingerprint_md5(k, &md5, NULL) == 0 && md5 && strlen(md5) == 32, "md5 hex");

        /* the blob makes a public-only key equal to it */
        void *blob = NULL;
        size_t blen = 0;
        CHECK(gossh_key_blob(k, &blob, &blen, NULL) == 0 && blen > 20, "blob");
        gossh_key *pk = NULL;
        CHECK(gossh_key_from_public(NULL, blob, blen, &pk, &err) == 0, "from blob: %s", msg(err));
        char *pub2 = NULL;
        gossh_key_public_text(pk, &pub2, NULL);
        CHECK(pub && pub2 && strcmp(pub, pub2) == 0, "public key from blob");
        CHECK(gossh_key_can_sign(pk) == 0, "public-only key cannot sign");

        /* sign with the private key, verify with the public one */
        void *sig = NULL;
        size_t siglen = 0;
        rc = gossh_key_sign(k, "hello", 5, NULL, &sig, &siglen, &err);
        CHECK(rc == 0 && siglen > 0, "sign %s: %s", cases[i].type, msg(err));
        CHECK(gossh_key_verify(pk, "hello", 5, sig, siglen, NULL) == 0, "verify");
        CHECK(gossh_key_verify(pk, "hellO", 5, sig, siglen, NULL) == GOSSH_E_KEY, "verify other data");
        void *sig2 = (void *)1;
        size_t siglen2 = 1;
        CHECK(gossh_key_sign(pk, "hello", 5, NULL, &sig2, &siglen2, NULL) == GOSSH_E_KEY && sig2 == NULL,
              "public-only key does not sign");
        gossh_free(sig);

        /* written out (plain and encrypted), ssh-keygen -y reads it back */
        for (int enc = 0; enc < 2; enc++) {
            char path[512], cmd[1024];
            snprintf(path, sizeof path, "%s/%s-%d", tmpdir, cases[i].type, enc);
            rc = gossh_key_write_private_file(k, path, enc ? "pass phrase" : NULL, &err);
            CHECK(rc == 0, "write %s: %s", path, msg(err));
            struct stat st;
            CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
            snprintf(cmd, sizeof cmd, "ssh-keygen -y -f %s %s 2>&1", path, enc ? "-P 'pass phrase'" : "");
            char out[8192];
            snprintf(out, sizeof out, "%s", run(cmd));
            CHECK(pub && strcmp(two_fields(out), pub) == 0, "ssh-keygen -y %s: %s", path, out);
            gossh_key *back = NULL;
            rc = gossh_key_from_file(path, NULL, &back, NULL);
            CHECK(rc == (enc ? GOSSH_E_PASSWORD_REQUIRED : 0), "read back without passphrase: %d", rc);
            gossh_key_free(back);
        }
        char *text = NULL;
        CHECK(gossh_key_write_private(k, NULL, &text, NULL) == 0 && text &&
                  strncmp(text, "-----BEGIN OPENSSH PRIVATE KEY-----", 35) == 0, "write to memory");
        char *none = (char *)1;
        CHECK(gossh_key_write_private(pk, NULL, &none, NULL) == GOSSH_E_KEY && none == NULL,
              "a public-only key cannot be written as private");
        gossh_free(text);
        gossh_free(type);
        gossh_free(pub);
        gossh_free(pub2);
        gossh_free(md5);
        gossh_free(blob);
        gossh_key_free(pk);
        gossh_key_free(k);
    }
}

static void test_bad_input(void) {
    gossh_key *k = NULL;
    gossh_error *err = NULL;
    CHECK(gossh_key_generate("rsa", 512, &k, NULL) == GOSSH_E_INVALID, "rsa 512");
    CHECK(gossh_key_generate("nope", 0, &k, NULL) == GOSSH_E_INVALID, "unknown type");
    CHECK(gossh_key_generate(NULL, 0, &k, NULL) == GOSSH_E_INVALID, "NULL type");
    CHECK(gossh_key_from_public(NULL, NULL, 0, &k, NULL) == GOSSH_E_INVALID, "no text nor blob");
    CHECK(gossh_key_from_public("ssh-rsa AAAA", NULL, 0, &k, &err) == GOSSH_E_KEY, "bad public text");
    CHECK(gossh_error_code(err) == GOSSH_E_KEY, "error object");
    gossh_error_free(err);
    CHECK(gossh_key_from_public(NULL, "\0\0\0\1x", 5, &k, NULL) == GOSSH_E_KEY, "bad blob");
    int bits = 0;
    CHECK(gossh_key_bits(NULL, &bits, NULL) == GOSSH_E_INVALID, "NULL key");
    CHECK(gossh_key_bits((gossh_key *)(uintptr_t)0x7fffffff, &bits, NULL) == GOSSH_E_BADHANDLE, "bad handle");
    gossh_options *o = NULL;
    gossh_options_new(&o, NULL);
    CHECK(gossh_key_bits((gossh_key *)o, &bits, NULL) == GOSSH_E_BADHANDLE, "wrong-type handle");
    gossh_options_free(o);
    CHECK(gossh_key_can_sign(NULL) == 0, "can_sign NULL");
    gossh_key_generate("ed25519", 0, &k, NULL);
    CHECK(gossh_key_bits(k, NULL, NULL) == GOSSH_E_INVALID, "NULL bits");
    void *sig = NULL;
    size_t siglen = 0;
    CHECK(gossh_key_sign(k, NULL, 3, NULL, &sig, &siglen, NULL) == GOSSH_E_INVALID, "NULL data with len");
    CHECK(gossh_key_sign(k, NULL, 0, NULL, &sig, &siglen, NULL) == 0, "sign empty data");
    CHECK(gossh_key_verify(k, NULL, 0, sig, siglen, NULL) == 0, "verify empty data");
    CHECK(gossh_key_sign(k, "x", 1, "rsa-sha2-256", &sig, &siglen, NULL) == GOSSH_E_KEY, "wrong algorithm");
    CHECK(gossh_key_verify(k, "x", 1, "junk", 4, NULL) == GOSSH_E_KEY, "junk signature");
    CHECK(gossh_key_load_certificate(k, "/nonexistent-cert.pub", NULL) == GOSSH_E_IO, "missing cert file");
    char *cert = (char *)1;
    CHECK(gossh_key_certificate(k, &cert, NULL) == 0 && cert == NULL, "no certificate");
    CHECK(gossh_key_write_private_file(k, "/nonexistent-dir/key", NULL, NULL) == GOSSH_E_IO, "unwritable");
    gossh_free(sig);
    gossh_key_free(k);
    gossh_key_free(k); /* a second free is a no-op */
    CHECK(gossh_key_can_sign(k) == 0, "freed key");
}

/* starts testenv/extra-sshd.sh on a free port; returns its pid (0 on failure) */
static pid_t extra_sshd(const char *known_hosts, char **args, int nargs, int *port_out) {
    for (int attempt = 0; attempt < 5; attempt++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t al = sizeof a;
        bind(s, (struct sockaddr *)&a, sizeof a);
        getsockname(s, (struct sockaddr *)&a, &al);
        int p = ntohs(a.sin_port);
        close(s);
        char ps[16];
        snprintf(ps, sizeof ps, "%d", p);
        char *argv[16] = {"testenv/extra-sshd.sh", ps, (char *)known_hosts};
        for (int i = 0; i < nargs && i < 12; i++) argv[3 + i] = args[i];
        pid_t pid = fork();
        if (pid == 0) {
            execv(argv[0], argv);
            _exit(127);
        }
        /* up to 60 s for it to listen (a hang guard: it usually takes
           milliseconds, more on a loaded machine); an sshd that exits
           (port taken) ends the wait at once */
        for (int i = 0; i < 1200; i++) {
            if (waitpid(pid, NULL, WNOHANG) == pid) { pid = 0; break; }
            int c = socket(AF_INET, SOCK_STREAM, 0);
            a.sin_port = htons(p);
            int ok = connect(c, (struct sockaddr *)&a, sizeof a) == 0;
            close(c);
            if (ok) { *port_out = p; return pid; }
            usleep(50000);
        }
        if (pid) { kill(pid, SIGKILL); waitpid(pid, NULL, 0); }
    }
    return 0;
}

static void test_certificate_auth(void) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "ssh-keygen -q -t ed25519 -N '' -f %1$s/ca && ssh-keygen -q -t ed25519 -N '' -f %1$s/user && "
             "ssh-keygen -q -s %1$s/ca -I gossh-c -n %2$s %1$s/user.pub && echo ok", tmpdir, user);
    CHECK(strcmp(run(cmd), "ok") == 0, "ssh-keygen made a CA and a certificate");
    char ca_opt[512], kh[512], keyf[512], certf[512];
    snprintf(ca_opt, sizeof ca_opt, "TrustedUserCAKeys=%s/ca.pub", tmpdir);
    snprintf(kh, sizeof kh, "%s/known_hosts", tmpdir);
    snprintf(keyf, sizeof keyf, "%s/user", tmpdir);
    snprintf(certf, sizeof certf, "%s/user-cert.pub", tmpdir);
    char *args[] = {"-o", ca_opt};
    int p = 0;
    pid_t pid = extra_sshd(kh, args, 2, &p);
    CHECK(pid > 0, "second sshd started");
    if (pid <= 0) return;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", p);

    for (int with_cert = 0; with_cert < 2; with_cert++) {
        gossh_key *k = NULL;
        gossh_error *err = NULL;
        gossh_key_from_file(keyf, NULL, &k, NULL);
        if (with_cert) {
            CHECK(gossh_key_load_certificate(k, certf, &err) == 0, "load certificate: %s", msg(err));
            char *cert = NULL;
            gossh_key_certificate(k, &cert, NULL);
            CHECK(cert && strncmp(cert, "ssh-ed25519-cert-v01@openssh.com ", 33) == 0, "certificate text");
            gossh_free(cert);
        }
        gossh_options *o = test_options(NULL);
        gossh_options_set(o, "port", ps, NULL); /* the extra sshd's */
        gossh_options_add_key(o, k, NULL);
        gossh_key_free(k);
        gossh_client *c = NULL;
        gossh_client_new(&c, NULL);
        gossh_client_load_host_keys(c, kh, NULL);
        int rc = gossh_client_connect(c, o, &err);
        if (with_cert)
            CHECK(rc == 0, "auth with the certificate: %s", msg(err));
        else
            CHECK(rc == GOSSH_E_AUTH, "the key alone is refused: %d %s", rc, msg(err));
        gossh_error_free(err);
        gossh_client_free(c);
        gossh_options_free(o);
    }
    /* a certificate for another key is refused */
    gossh_key *other = NULL;
    gossh_key_generate("ed25519", 0, &other, NULL);
    CHECK(gossh_key_load_certificate(other, certf, NULL) == GOSSH_E_KEY, "certificate for another key");
    gossh_key_free(other);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

int main(void) {
    test_server_from_env();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gossh-keys-XXXXXX");
    if (!mkdtemp(tmpdir)) return 2;
    test_generate_write_sign();
    test_bad_input();
    test_corrupted_key();
    test_limits();
    test_huge_lengths();
    test_certificate_auth();
    char rm[300];
    snprintf(rm, sizeof rm, "rm -rf %s", tmpdir);
    if (system(rm) != 0) printf("could not remove %s\n", tmpdir);
    return summary("test_keys");
}
