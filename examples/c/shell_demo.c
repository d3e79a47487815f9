/*
 * shell_demo.c — an interactive shell over gossh: a pty sized like this
 * terminal, keystrokes in, output out, the remote exit status at the end.
 *
 * It waits on the terminal and on the channel together with select(), using
 * gossh_channel_fileno(). On a terminal it switches to raw mode and follows
 * window-size changes; with piped input it sends the input, then EOF.
 *
 *   GOSSH_DEMO_HOST, GOSSH_DEMO_PORT, GOSSH_DEMO_USER, GOSSH_DEMO_KEY and
 *   GOSSH_DEMO_KNOWN_HOSTS describe the server (make demo sets them).
 *
 *   printf 'echo hi; exit 3\n' | build/examples/shell_demo
 */
#define _DEFAULT_SOURCE
#include "gossh.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static int raw_mode;
static volatile sig_atomic_t resized;

static void restore_terminal(void) {
    if (raw_mode) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}

static void on_winch(int sig) {
    (void)sig;
    resized = 1;
}

static void window_size(int *cols, int *rows) {
    struct winsize ws;
    *cols = 80;
    *rows = 24;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        *cols = ws.ws_col;
        *rows = ws.ws_row;
    }
}

static int fail(const char *what, int rc, gossh_error *err) {
    restore_terminal();
    fprintf(stderr, "%s failed (%d): %s\n", what, rc, gossh_error_message(err));
    gossh_error_free(err);
    return 1;
}

/* copies whatever the channel has on stream to fd; returns 1 at end of stream */
static int drain(gossh_channel *ch, int stream, int fd, gossh_error **err, int *rc) {
    char buf[65536];
    size_t n = 0;
    *rc = gossh_channel_read(ch, stream, buf, sizeof buf, 0, &n, err);
    if (*rc == GOSSH_E_TIMEOUT) {
        gossh_error_free(*err);
        *err = NULL;
        *rc = 0;
        return 0;
    }
    if (*rc != 0) return 1;
    if (n == 0) return 1;
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, buf + off, n - off);
        if (w < 0 && errno != EINTR) return 1;
        if (w > 0) off += (size_t)w;
    }
    return 0;
}

int main(void) {
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
    gossh_options_new(&opts, NULL);
    gossh_options_set(opts, "hostname", getenv("GOSSH_DEMO_HOST"), NULL);
    gossh_options_set(opts, "port", getenv("GOSSH_DEMO_PORT"), NULL);
    gossh_options_set(opts, "username", getenv("GOSSH_DEMO_USER"), NULL);
    gossh_options_set(opts, "key_filename", getenv("GOSSH_DEMO_KEY"), NULL);
    gossh_options_set(opts, "timeout", "5", NULL);
    gossh_client_new(&client, NULL);
    if ((rc = gossh_client_load_host_keys(client, getenv("GOSSH_DEMO_KNOWN_HOSTS"), &err)))
        return fail("load_host_keys", rc, err);
    if ((rc = gossh_client_connect(client, opts, &err))) return fail("connect", rc, err);

    int cols, rows;
    window_size(&cols, &rows);
    const char *term = getenv("TERM") ? getenv("TERM") : "vt100";
    if ((rc = gossh_client_open_session(client, 10000, &ch, &err))) return fail("open_session", rc, err);
    if ((rc = gossh_channel_request_pty(ch, term, cols, rows, 0, 0, 10000, &err)))
        return fail("request_pty", rc, err);
    if ((rc = gossh_channel_shell(ch, 10000, &err))) return fail("shell", rc, err);

    int tty = isatty(STDIN_FILENO);
    if (tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
        struct termios raw = saved;
        cfmakeraw(&raw);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
        raw_mode = 1;
        atexit(restore_terminal);
        signal(SIGWINCH, on_winch);
    }

    int chfd = -1;
    if ((rc = gossh_channel_fileno(ch, &chfd, &err))) return fail("fileno", rc, err);
    int stdin_open = 1, out_done = 0;
    while (!out_done) {
        if (resized) {
            resized = 0;
            window_size(&cols, &rows);
            gossh_channel_resize_pty(ch, cols, rows, 0, 0, NULL);
        }
        fd_set set;
        FD_ZERO(&set);
        FD_SET(chfd, &set);
        if (stdin_open) FD_SET(STDIN_FILENO, &set);
        if (select((chfd > STDIN_FILENO ? chfd : STDIN_FILENO) + 1, &set, NULL, NULL, NULL) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (stdin_open && FD_ISSET(STDIN_FILENO, &set)) {
            char buf[4096];
            ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            if (n <= 0) {
                stdin_open = 0;
                gossh_channel_send_eof(ch, NULL);
            } else if ((rc = gossh_channel_write(ch, buf, (size_t)n, 10000, NULL, &err))) {
                if (rc != GOSSH_E_CLOSED) return fail("write", rc, err);
                gossh_error_free(err);
                err = NULL;
                stdin_open = 0;
            }
        }
        if (FD_ISSET(chfd, &set)) {
            out_done = drain(ch, GOSSH_STREAM_STDOUT, STDOUT_FILENO, &err, &rc);
            if (rc) return fail("read", rc, err);
        }
    }
    int status = -1;
    gossh_channel_exit_status(ch, 10000, &status, NULL);
    restore_terminal();
    fprintf(stderr, "\r\n[C shell] exit status: %d\r\n", status);
    gossh_channel_free(ch);
    gossh_client_free(client);
    gossh_options_free(opts);
    return 0;
}
