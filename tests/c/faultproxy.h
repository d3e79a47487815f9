/*
 * faultproxy.h — the C tests' handle on build/gossh-faultproxy (core/sshtest's
 * FaultProxy as a program): start it in front of the test sshd (check.h's
 * host and port) with a fault, read the port it listens on, stop it.
 * Include after check.h, with _GNU_SOURCE defined.
 */
#ifndef GOSSH_TEST_FAULTPROXY_H
#define GOSSH_TEST_FAULTPROXY_H

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct proxy {
    pid_t pid;
    int stdin_fd; /* closing it stops the proxy */
    int port;
};

/* $GOSSH_FAULTPROXY, else gossh-faultproxy beside build/tests/. */
static const char *proxy_path(void) {
    static char path[PATH_MAX + 32];
    const char *p = getenv("GOSSH_FAULTPROXY");
    if (p && *p) return p;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return "build/gossh-faultproxy";
    exe[n] = 0;
    snprintf(path, sizeof path, "%s/../gossh-faultproxy", dirname(exe)); /* build/tests/.. */
    return path;
}

/* Starts the proxy with fault, firing after offsets (a comma list, one per
 * connection) bytes server->client, or also after up bytes client->server
 * when up is not NULL. 0 on success. */
static int proxy_start(struct proxy *px, const char *fault, const char *offsets, const char *up) {
    char target[300];
    snprintf(target, sizeof target, "%s:%s", host, port);
    const char *path = proxy_path();
    char *argv[12] = {(char *)path, "-target", target, "-fault", (char *)fault, "-after", (char *)offsets, NULL};
    if (up) argv[7] = "-after-up", argv[8] = (char *)up, argv[9] = NULL;
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    int rc = posix_spawn(&px->pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
        printf("cannot start %s: %s\n", path, strerror(rc));
        close(in[1]);
        close(out[0]);
        return -1;
    }
    px->stdin_fd = in[1];
    /* The first stdout line is the port. */
    char line[32];
    size_t got = 0;
    while (got < sizeof line - 1 && !memchr(line, '\n', got)) {
        struct pollfd pfd = {out[0], POLLIN, 0};
        if (poll(&pfd, 1, 10000) != 1) break;
        ssize_t n = read(out[0], line + got, sizeof line - 1 - got);
        if (n <= 0) break;
        got += n;
    }
    line[got] = 0;
    close(out[0]);
    px->port = atoi(line);
    if (px->port <= 0) {
        printf("%s printed no port (%s)\n", path, line);
        return -1;
    }
    return 0;
}

/* Stops the proxy: stdin EOF, then SIGKILL (counted as a failure) if it
 * has not gone in 5 s. */
static void proxy_stop(struct proxy *px) {
    close(px->stdin_fd);
    for (int i = 0; i < 500; i++) {
        if (waitpid(px->pid, NULL, WNOHANG) == px->pid) return;
        usleep(10000);
    }
    printf("the fault proxy did not exit on stdin EOF\n");
    failed++;
    kill(px->pid, SIGKILL);
    waitpid(px->pid, NULL, 0);
}

#endif
