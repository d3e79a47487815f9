/*
 * test_agent_algos.c — the SSH agent (gossh_agent_list, gossh_agent_sign,
 * the forward_agent option and session field,
 * gossh_channel_request_forward_agent) against a real ssh-agent, and the
 * algorithm options (ciphers, kex, macs, host_key_algorithms,
 * disabled_algorithms, compress, identities_only) against the test sshd.
 */
#define _DEFAULT_SOURCE
#include "check.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char agent_sock[256];
static long agent_pid;

/* Starts ssh-agent on its own socket with keydir/id_ecdsa in it. */
static int start_agent(void) {
    char dir[] = "/tmp/gossh-c-agent.XXXXXX";
    if (!mkdtemp(dir)) return -1;
    snprintf(agent_sock, sizeof agent_sock, "%s/agent.sock", dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ssh-agent -s -a '%s'", agent_sock);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    char line[512];
    while (fgets(line, sizeof line, p)) {
        char *s = strstr(line, "SSH_AGENT_PID=");
        if (s) agent_pid = strtol(s + strlen("SSH_AGENT_PID="), NULL, 10);
    }
    pclose(p);
    if (agent_pid <= 0) return -1;
    snprintf(cmd, sizeof cmd, "SSH_AUTH_SOCK='%s' ssh-add '%s' 2>/dev/null", agent_sock, test_path("id_ecdsa"));
    return system(cmd) == 0 ? 0 : -1;
}

/* Runs command on a session started from spec (NULL: plain exec) and returns
 * its output (static) and exit status. */
static const char *run(gossh_client *c, const char *command, int forward, int *status) {
    static char buf[4096];
    gossh_session_spec *spec = NULL;
    gossh_channel *ch = NULL;
    gossh_error *e = NULL;
    buf[0] = 0;
    *status = -1;
    gossh_session_spec_new(&spec, NULL);
    gossh_session_spec_set(spec, "command", command, NULL);
    if (forward) gossh_session_spec_set(spec, "forward_agent", "1", NULL);
    int rc = gossh_client_start(c, spec, &ch, &e);
    gossh_session_spec_free(spec);
    CHECK(rc == 0, "start %s: %d %s", command, rc, msg(e));
    gossh_error_free(e);
    if (rc != 0) return buf;
    size_t total = 0, n = 0;
    while (gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf + total, sizeof buf - 1 - total, 10000, &n, NULL) == 0 &&
           n > 0)
        total += n;
    buf[total] = 0;
    gossh_channel_exit_status(ch, 10000, status, NULL);
    gossh_channel_free(ch);
    return buf;
}

static void test_list_and_sign(void) {
    char *list = NULL;
    gossh_error *e = NULL;
    int rc = gossh_agent_list(agent_sock, &list, &e);
    CHECK(rc == 0, "agent_list: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    if (rc != 0) return;
    CHECK(strncmp(list, "ecdsa-sha2-nistp256 ", 20) == 0 && strstr(list, " gossh-test\n") != NULL &&
              strchr(list, '\n') == list + strlen(list) - 1,
          "one ECDSA key with its comment: '%s'", list);
    char *nl = strchr(list, '\n');
    if (nl) *nl = 0;
    gossh_key *key = NULL;
    rc = gossh_key_from_public(list, NULL, 0, &key, &e);
    CHECK(rc == 0, "key_from_public(agent line): %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_free(list);
    void *blob = NULL, *sig = NULL;
    size_t bloblen = 0, siglen = 0;
    gossh_key_blob(key, &blob, &bloblen, NULL);
    const char data[] = "data to sign";
    rc = gossh_agent_sign(agent_sock, blob, bloblen, data, sizeof data, NULL, &sig, &siglen, &e);
    CHECK(rc == 0 && siglen > 0, "agent_sign: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    rc = gossh_key_verify(key, data, sizeof data, sig, siglen, &e);
    CHECK(rc == 0, "the agent's signature verifies: %d %s", rc, msg(e));
    gossh_error_free(e);
    gossh_free(sig);
    sig = NULL;
    rc = gossh_agent_sign(agent_sock, blob, bloblen, data, sizeof data, "rsa-sha2-512", &sig, &siglen, NULL);
    CHECK(rc == GOSSH_E_INVALID && sig == NULL, "rsa-sha2-512 with an ECDSA key: %d", rc);
    rc = gossh_agent_sign(agent_sock, "junk", 4, data, sizeof data, NULL, &sig, &siglen, NULL);
    CHECK(rc == GOSSH_E_KEY, "junk blob: %d", rc);
    rc = gossh_agent_sign(agent_sock, blob, bloblen, data, sizeof data, NULL, NULL, &siglen, NULL);
    CHECK(rc == GOSSH_E_INVALID, "NULL sig: %d", rc);
    rc = gossh_agent_sign("/nonexistent/agent.sock", blob, bloblen, data, sizeof data, NULL, &sig, &siglen, &e);
    CHECK(rc == GOSSH_E_CONNECT && strcmp(gossh_error_detail(e, "reason"), "agent") == 0, "no agent there: %d", rc);
    gossh_error_free(e);
    rc = gossh_agent_list(agent_sock, NULL, NULL);
    CHECK(rc == GOSSH_E_INVALID, "NULL out: %d", rc);
    /* A key whose private half is the agent's: signs, and logs in. */
    gossh_key *ak = NULL;
    rc = gossh_agent_key(agent_sock, blob, bloblen, &ak, &e);
    CHECK(rc == 0 && gossh_key_can_sign(ak) == 1, "agent_key: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    rc = gossh_key_sign(ak, data, sizeof data, NULL, &sig, &siglen, &e);
    CHECK(rc == 0 && gossh_key_verify(key, data, sizeof data, sig, siglen, NULL) == 0, "agent key signs: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_free(sig);
    gossh_options *o = test_options(NULL);
    gossh_options_add_key(o, ak, NULL);
    gossh_client *c = test_client();
    rc = gossh_client_connect(c, o, &e);
    CHECK(rc == 0, "connect with an agent key: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_client_free(c);
    gossh_options_free(o);
    char *priv = NULL;
    rc = gossh_key_write_private(ak, NULL, &priv, NULL);
    CHECK(rc == GOSSH_E_KEY && priv == NULL, "an agent key cannot be written out: %d", rc);
    gossh_key_free(ak);
    rc = gossh_agent_key(agent_sock, "junk", 4, &ak, NULL);
    CHECK(rc == GOSSH_E_KEY, "agent_key junk: %d", rc);
    rc = gossh_agent_key(agent_sock, blob, bloblen, NULL, NULL);
    CHECK(rc == GOSSH_E_INVALID, "agent_key NULL out: %d", rc);
    gossh_free(blob);
    gossh_key_free(key);
}

static void test_forwarding(void) {
    int status = 0;
    gossh_error *e = NULL;
    /* Per session (paramiko's AgentRequestHandler), on a connection without the option. */
    gossh_options *o = test_options("id_ed25519");
    gossh_options_set(o, "agent_socket", agent_sock, NULL);
    gossh_client *c = test_client();
    int rc = gossh_client_connect(c, o, &e);
    CHECK(rc == 0, "connect: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    const char *out = run(c, "ssh-add -l", 0, &status);
    CHECK(status == 2, "no forwarding asked: ssh-add -l exits %d: %s", status, out);
    out = run(c, "ssh-add -l", 1, &status);
    CHECK(status == 0 && strstr(out, "gossh-test (ECDSA)") != NULL, "session forward_agent: %d '%s'", status, out);
    gossh_client_free(c);

    /* On a channel, step by step. */
    c = test_client();
    gossh_client_connect(c, o, NULL);
    gossh_channel *ch = NULL;
    rc = gossh_client_open_session(c, 10000, &ch, &e);
    CHECK(rc == 0, "open_session: %d %s", rc, msg(e));
    gossh_error_free(e);
    e = NULL;
    int accepted = -1;
    rc = gossh_channel_request_forward_agent(ch, 10000, &accepted, &e);
    CHECK(rc == 0 && accepted == 1, "request_forward_agent: %d accepted %d %s", rc, accepted, msg(e));
    gossh_error_free(e);
    e = NULL;
    rc = gossh_channel_exec(ch, "ssh-add -l", 10000, NULL);
    char buf[1024];
    size_t total = 0, n = 0;
    while (gossh_channel_read(ch, GOSSH_STREAM_STDOUT, buf + total, sizeof buf - 1 - total, 10000, &n, NULL) == 0 && n > 0)
        total += n;
    buf[total] = 0;
    CHECK(rc == 0 && strstr(buf, "(ECDSA)") != NULL, "forwarded on the channel: '%s'", buf);
    gossh_channel_free(ch);
    /* A second request on the connection: OpenSSH refuses, not an error. */
    gossh_client_open_session(c, 10000, &ch, NULL);
    accepted = -1;
    rc = gossh_channel_request_forward_agent(ch, 10000, &accepted, &e);
    CHECK(rc == 0 && accepted == 0, "second request refused quietly: %d accepted %d %s", rc, accepted, msg(e));
    gossh_error_free(e);
    e = NULL;
    gossh_channel_free(ch);
    rc = gossh_channel_request_forward_agent(ch, 10000, NULL, NULL);
    CHECK(rc == GOSSH_E_BADHANDLE, "freed channel: %d", rc);
    gossh_client_free(c);

    /* The connection option: every session. */
    gossh_options_set(o, "forward_agent", "1", NULL);
    c = test_client();
    rc = gossh_client_connect(c, o, &e);
    CHECK(rc == 0, "connect forward_agent: %d %s", rc, msg(e));
    gossh_error_free(e);
    out = run(c, "ssh-add -l", 0, &status);
    CHECK(status == 0 && strstr(out, "(ECDSA)") != NULL, "option forward_agent: %d '%s'", status, out);
    gossh_client_free(c);
    gossh_options_free(o);

    /* identities_only: the agent's key is not one of those given. */
    o = test_options("id_wrong");
    gossh_options_set(o, "allow_agent", "1", NULL);
    gossh_options_set(o, "agent_socket", agent_sock, NULL);
    c = test_client();
    rc = gossh_client_connect(c, o, NULL);
    CHECK(rc == 0, "agent key after a wrong key: %d", rc);
    gossh_client_free(c);
    gossh_options_set(o, "identities_only", "1", NULL);
    c = test_client();
    rc = gossh_client_connect(c, o, NULL);
    CHECK(rc == GOSSH_E_AUTH, "identities_only: %d", rc);
    gossh_client_free(c);
    gossh_options_free(o);
}

/* Connects with option name=value (NULL: none) and returns info item what. */
static char *connect_info(const char *name, const char *value, const char *what, int known, int *rc) {
    gossh_options *o = test_options("id_ed25519");
    gossh_error *e = NULL;
    if (name) gossh_options_set(o, name, value, NULL);
    /* A MAC is negotiated only with a cipher that is not AEAD. */
    if (name && strcmp(name, "macs") == 0) gossh_options_set(o, "ciphers", "aes128-ctr", NULL);
    gossh_options_set(o, "compress", "1", NULL);
    gossh_client *c = NULL;
    if (known) {
        c = test_client();
    } else {
        gossh_client_new(&c, NULL);
        gossh_client_set_policy(c, GOSSH_POLICY_WARNING, NULL);
    }
    char *out = NULL;
    *rc = gossh_client_connect(c, o, &e);
    if (*rc == 0) gossh_client_info(c, what, &out, NULL);
    gossh_error_free(e);
    gossh_client_free(c);
    gossh_options_free(o);
    return out;
}

static void test_algorithms(void) {
    int rc;
    char *s = connect_info(NULL, NULL, "host_key_algorithm", 0, &rc);
    CHECK(rc == 0 && s && strcmp(s, "ssh-ed25519") == 0, "unknown host: %s, want ssh-ed25519", s ? s : "?");
    gossh_free(s);
    s = connect_info("ciphers", "aes256-ctr,aes128-ctr", "cipher_out", 1, &rc);
    CHECK(rc == 0 && s && strcmp(s, "aes256-ctr") == 0, "ciphers: %s", s ? s : "?");
    gossh_free(s);
    s = connect_info("kex", "ecdh-sha2-nistp384", "kex", 1, &rc);
    CHECK(rc == 0 && s && strcmp(s, "ecdh-sha2-nistp384") == 0, "kex: %s", s ? s : "?");
    gossh_free(s);
    s = connect_info("macs", "hmac-sha2-512", "mac_in", 1, &rc);
    CHECK(rc == 0 && s && strcmp(s, "hmac-sha2-512") == 0, "macs: %s", s ? s : "?");
    gossh_free(s);
    s = connect_info("disabled_algorithms", "keys=ssh-ed25519,ecdsa-sha2-nistp256", "host_key_algorithm", 0, &rc);
    CHECK(rc == 0 && s && strncmp(s, "rsa-sha2-", 9) == 0, "disabled host keys: %s", s ? s : "?");
    gossh_free(s);
    s = connect_info("host_key_algorithms", "ecdsa-sha2-nistp256", "host_key_algorithm", 0, &rc);
    CHECK(rc == 0 && s && strcmp(s, "ecdsa-sha2-nistp256") == 0, "host_key_algorithms: %s", s ? s : "?");
    gossh_free(s);
    s = connect_info("disabled_algorithms", "ciphers=aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr",
                     "cipher_out", 1, &rc);
    CHECK(rc == GOSSH_E_INVALID && s == NULL, "every cipher disabled: %d", rc);

    gossh_options *o = NULL;
    gossh_error *e = NULL;
    gossh_options_new(&o, NULL);
    rc = gossh_options_set(o, "ciphers", "aes128-ctr,rot13", &e);
    CHECK(rc == GOSSH_E_INVALID && strstr(msg(e), "name 2 of the ciphers list") && strstr(msg(e), "aes256-ctr") &&
              !strstr(msg(e), "rot13"),
          "unknown cipher placed (not repeated: it may be a password), known ones listed: %s", msg(e));
    gossh_error_free(e);
    e = NULL;
    rc = gossh_options_set(o, "disabled_algorithms", "cipher=aes128-ctr", &e);
    CHECK(rc == GOSSH_E_INVALID, "unknown category: %d", rc);
    gossh_error_free(e);
    CHECK(gossh_options_set(o, "disabled_algorithms", "ciphers=blowfish-cbc;keys=ssh-dss", NULL) == 0,
          "names only paramiko implements may be disabled");
    CHECK(gossh_options_set(o, "pubkey_algorithms", "ssh-rsa,rsa-sha2-512", NULL) == 0, "pubkey_algorithms");
    CHECK(gossh_options_set(o, "compress", "maybe", NULL) == GOSSH_E_INVALID, "compress maybe");
    gossh_options_free(o);
}

int main(void) {
    test_server_from_env();
    test_algorithms();
    if (start_agent() != 0) {
        CHECK(0, "could not start ssh-agent with id_ecdsa");
        return summary("test_agent_algos");
    }
    test_list_and_sign();
    test_forwarding();
    kill((pid_t)agent_pid, SIGTERM);
    return summary("test_agent_algos");
}
