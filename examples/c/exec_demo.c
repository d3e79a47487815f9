/*
 * exec_demo.c — connect with a key, check the host against known_hosts, run
 * a command and print its output and exit status.
 *
 *   GOSSH_DEMO_HOST, GOSSH_DEMO_PORT, GOSSH_DEMO_USER, GOSSH_DEMO_KEY and
 *   GOSSH_DEMO_KNOWN_HOSTS describe the server (make demo sets them).
 */
#include "gossh.h"

#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what, int rc, gossh_error *err) {
    fprintf(stderr, "%s failed (%d): %s\n", what, rc, gossh_error_message(err));
    gossh_error_free(err);
    return 1;
}

int main(int argc, char **argv) {
    const char *command = argc > 1 ? argv[1] : "echo hello from gossh; uname -sr";
    const char *env[] = {"GOSSH_DEMO_HOST", "GOSSH_DEMO_PORT", "GOSSH_DEMO_USER", "GOSSH_DEMO_KEY",
                         "GOSSH_DEMO_KNOWN_HOSTS"};
    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++) {
        if (!getenv(env[i])) {
            fprintf(stderr, "%s is not set: run `make demo`\n", env[i]);
            return 2;
        }
    }
    gossh_error *err = NULL;
    gossh_options *opts = NULL;
    gossh_client *client = NULL;
    gossh_channel *ch = NULL;
    int rc;
    if ((rc = gossh_options_new(&opts, &err))) return fail("options", rc, err);
    gossh_options_set(opts, "hostname", getenv("GOSSH_DEMO_HOST"), NULL);
    gossh_options_set(opts, "port", getenv("GOSSH_DEMO_PORT"), NULL);
    gossh_options_set(opts, "username", getenv("GOSSH_DEMO_USER"), NULL);
    gossh_options_set(opts, "key_filename", getenv("GOSSH_DEMO_KEY"), NULL);
    gossh_options_set(opts, "timeout", "5", NULL);

    if ((rc = gossh_client_new(&client, &err))) return fail("client", rc, err);
    if ((rc = gossh_client_load_host_keys(client, getenv("GOSSH_DEMO_KNOWN_HOSTS"), &err)))
        return fail("load_host_keys", rc, err);
    if ((rc = gossh_client_connect(client, opts, &err))) return fail("connect", rc, err);
    if ((rc = gossh_client_exec(client, command, 10000, &ch, &err))) return fail("exec", rc, err);

    char buf[65536];
    for (int stream = GOSSH_STREAM_STDOUT; stream <= GOSSH_STREAM_STDERR; stream++) {
        size_t n;
        while ((rc = gossh_channel_read(ch, stream, buf, sizeof buf, 10000, &n, &err)) == 0 && n > 0)
            fwrite(buf, 1, n, stream == GOSSH_STREAM_STDOUT ? stdout : stderr);
        if (rc) return fail("read", rc, err);
    }
    int status = -1;
    if ((rc = gossh_channel_exit_status(ch, 10000, &status, &err))) return fail("exit status", rc, err);
    printf("[C] exit status: %d\n", status);

    gossh_channel_free(ch);
    gossh_client_free(client);
    gossh_options_free(opts);
    return 0;
}
