/*
 * test_sftp.c — the SFTP section of the C API against the real sshd
 * (internal-sftp) that testenv/with-sshd.sh starts: every function of the
 * section, round trips compared byte for byte (64 MiB through several
 * channels), the errors (ENOENT, EACCES, a directory where a file is
 * expected), progress and cancel, 32 concurrent transfers on one session,
 * closing from another thread, the _pending twins driven by the readiness
 * pipe, a connection cut mid-get and mid-put by
 * build/gossh-faultproxy (GOSSH_FAULTPROXY), and bad handles and NULLs.
 *
 *   make build/tests/test_sftp build/gossh-faultproxy && testenv/with-sshd.sh build/tests/test_sftp
 */
#define _GNU_SOURCE
#include "check.h"
#include "faultproxy.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

_Static_assert(sizeof(gossh_sftp_attrs) == 40, "gossh_sftp_attrs layout");
_Static_assert(sizeof(gossh_sftp_entry) == 56, "gossh_sftp_entry layout");
_Static_assert(sizeof(gossh_sftp_statvfs_t) == 88, "gossh_sftp_statvfs_t layout");

#define T 30000 /* timeout_ms of calls that must not stall */

static char rdir[300]; /* the remote directory of this run (also a local path: same host) */
static char ldir[300]; /* a local scratch directory */

static gossh_client *connected_to(const char *p) {
    gossh_options *o = test_options("id_ed25519");
    if (p) gossh_options_set(o, "port", p, NULL);
    gossh_client *c = test_client();
    if (p) gossh_client_set_policy(c, GOSSH_POLICY_WARNING, NULL); /* the proxy's port is not in known_hosts */
    gossh_error *e = NULL;
    int rc = gossh_client_connect(c, o, &e);
    gossh_options_free(o);
    if (rc != 0) {
        if (!p) CHECK(0, "connect: %d %s", rc, msg(e));
        if (p && getenv("GOSSH_TEST_VERBOSE")) printf("connect via %s: %d %s\n", p, rc, msg(e));
        gossh_error_free(e);
        gossh_client_free(c);
        return NULL;
    }
    return c;
}

static gossh_sftp *open_sftp(gossh_client *c) {
    gossh_sftp *s = NULL;
    gossh_error *e = NULL;
    int rc = gossh_client_open_sftp(c, T, &s, &e);
    CHECK(rc == 0 && s, "open_sftp: %d %s", rc, msg(e));
    gossh_error_free(e);
    return s;
}

static char *rpath(const char *name) {
    static char buf[8][700];
    static int i;
    char *p = buf[i++ % 8];
    if (snprintf(p, 700, "%s/%s", rdir, name) >= 700) abort();
    return p;
}

static char *lpath(const char *name) {
    static char buf[8][700];
    static int i;
    char *p = buf[i++ % 8];
    if (snprintf(p, 700, "%s/%s", ldir, name) >= 700) abort();
    return p;
}

/* Checks that rc is GOSSH_E_SFTP with errno_name errno_name, and frees e. */
static void want_sftp(int line, int rc, gossh_error *e, const char *errno_name) {
    const char *got = e ? gossh_error_detail(e, "errno_name") : NULL;
    if (rc == GOSSH_E_SFTP && got && strcmp(got, errno_name) == 0) {
        passed++;
    } else {
        failed++;
        printf("FAIL line %d: rc %d (%s) errno_name %s, want GOSSH_E_SFTP %s: %s\n", line, rc,
               gossh_code_name(rc), got ? got : "(none)", errno_name, msg(e));
    }
    gossh_error_free(e);
}
/* The call (which sets e) runs before e is read: in one argument list the
 * order would be unspecified. */
#define WANT_SFTP(call, e, errno_name)                                                            \
    do {                                                                                         \
        int rc_ = (call);                                                                        \
        want_sftp(__LINE__, rc_, e, errno_name);                                                 \
    } while (0)

static void want_code(int line, int rc, gossh_error *e, int code) {
    if (rc == code) {
        passed++;
    } else {
        failed++;
        printf("FAIL line %d: rc %d (%s), want %s: %s\n", line, rc, gossh_code_name(rc),
               gossh_code_name(code), msg(e));
    }
    gossh_error_free(e);
}
#define WANT(call, e, code)                                                                       \
    do {                                                                                         \
        int rc_ = (call);                                                                        \
        want_code(__LINE__, rc_, e, code);                                                       \
    } while (0)
#define OK(call)                                                                               \
    do {                                                                                       \
        gossh_error *e_ = NULL;                                                                \
        int rc_ = call;                                                                        \
        CHECK(rc_ == 0, "%s: %d %s", #call, rc_, msg(e_));                                     \
        gossh_error_free(e_);                                                                  \
    } while (0)
/* OK's calls pass &e_ as err. */
#define E (&e_)

static void write_random(const char *path, size_t size) {
    FILE *f = fopen(path, "wb");
    static unsigned char buf[1 << 16];
    uint64_t x = 0x9e3779b97f4a7c15ull ^ size;
    for (size_t done = 0; done < size;) {
        for (size_t i = 0; i < sizeof buf; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = (unsigned char)x;
        }
        size_t n = size - done < sizeof buf ? size - done : sizeof buf;
        fwrite(buf, 1, n, f);
        done += n;
    }
    fclose(f);
}

/* 1 if the two files hold the same bytes */
static int same_file(const char *a, const char *b) {
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    char *ba = malloc(1 << 16), *bb = malloc(1 << 16);
    while (same) {
        size_t na = fread(ba, 1, 1 << 16, fa), nb = fread(bb, 1, 1 << 16, fb);
        if (na != nb || memcmp(ba, bb, na) != 0) same = 0;
        if (na == 0) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    free(ba);
    free(bb);
    return same;
}

static int exists(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0;
}

static long long file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* ------------------------------------------------------------- progress -- */

struct prog {
    pthread_mutex_t mu;
    uint64_t last, total, calls, stop_at;
    int bad; /* a decrease or a changed total */
};

static int on_progress(uint64_t done, uint64_t total, void *userdata) {
    struct prog *p = userdata;
    pthread_mutex_lock(&p->mu);
    if (p->calls > 0 && (done < p->last || total != p->total)) p->bad = 1;
    p->last = done, p->total = total;
    p->calls++;
    int go = !(p->stop_at && done >= p->stop_at);
    pthread_mutex_unlock(&p->mu);
    return go;
}

static void prog_init(struct prog *p, uint64_t stop_at) {
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    p->stop_at = stop_at;
}

/* ---------------------------------------------------------------- tests -- */

static void test_info(gossh_sftp *s) {
    char *v = NULL;
    OK(gossh_sftp_info(s, "version", &v, E));
    CHECK(v && strcmp(v, "3") == 0, "version %s", v ? v : "(null)");
    gossh_free(v);
    v = NULL;
    OK(gossh_sftp_info(s, "extensions", &v, E));
    CHECK(v && strstr(v, "limits@openssh.com="), "extensions %s", v ? v : "(null)");
    gossh_free(v);
    v = NULL;
    OK(gossh_sftp_info(s, "max_read", &v, E));
    CHECK(v && strcmp(v, "261120") == 0, "max_read %s", v ? v : "(null)");
    gossh_free(v);
    v = NULL;
    OK(gossh_sftp_info(s, "max_write", &v, E));
    gossh_free(v);
    v = NULL;
    OK(gossh_sftp_info(s, "home", &v, E));
    CHECK(v && v[0] == '/', "home %s", v ? v : "(null)");
    gossh_free(v);
    gossh_error *e = NULL;
    v = NULL;
    WANT(gossh_sftp_info(s, "nope", &v, &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_set(s, "transfer_channels", "17", &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_set(s, "max_inflight", "0", &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_set(s, "nope", "1", &e), e, GOSSH_E_INVALID);
    OK(gossh_sftp_set(s, "transfer_channels", "4", E));
    OK(gossh_sftp_set(s, "max_inflight", "64", E));
}

static void test_paths(gossh_sftp *s) {
    gossh_sftp_attrs a;
    gossh_error *e = NULL;
    OK(gossh_sftp_stat(s, rdir, T, &a, E));
    CHECK(S_ISDIR(a.mode) && (a.flags & GOSSH_SFTP_ATTR_PERMISSIONS), "stat dir mode %o", a.mode);
    OK(gossh_sftp_makedirs(s, rpath("m/n/o"), 0755, T, E));
    OK(gossh_sftp_makedirs(s, rpath("m/n/o"), 0755, T, E));
    WANT_SFTP(gossh_sftp_mkdir(s, rpath("m"), 0755, T, &e), e, "");
    e = NULL;
    int rc = gossh_sftp_stat(s, rpath("missing"), T, &a, &e);
    CHECK(e && gossh_error_detail(e, "status") && strcmp(gossh_error_detail(e, "status"), "2") == 0 &&
              strcmp(gossh_error_detail(e, "status_name"), "no_such_file") == 0 &&
              strcmp(gossh_error_detail(e, "path"), rpath("missing")) == 0 &&
              gossh_error_detail(e, "message") && gossh_error_detail(e, "path2"),
          "missing details");
    WANT_SFTP(rc, e, "ENOENT");
    e = NULL;
    WANT_SFTP(gossh_sftp_lstat(s, rpath("missing"), T, &a, &e), e, "ENOENT");

    /* a file */
    gossh_sftp_file *f = NULL;
    OK(gossh_sftp_open(s, rpath("f"), GOSSH_SFTP_WRITE | GOSSH_SFTP_CREAT | GOSSH_SFTP_TRUNC, 0640,
                       T, &f, E));
    size_t w = 0;
    OK(gossh_sftp_file_write(f, "hello world", 11, T, &w, E));
    CHECK(w == 11, "written %zu", w);
    OK(gossh_sftp_file_close(f, -1, E));
    OK(gossh_sftp_file_close(f, -1, E)); /* a second close returns 0 */
    gossh_sftp_file_free(f);
    gossh_sftp_file_free(f);
    OK(gossh_sftp_stat(s, rpath("f"), T, &a, E));
    CHECK(S_ISREG(a.mode) && (a.mode & 0777) == 0640 && a.size == 11, "stat file %o %llu", a.mode,
          (unsigned long long)a.size);
    e = NULL;
    WANT_SFTP(gossh_sftp_makedirs(s, rpath("f"), 0755, T, &e), e, "EEXIST");
    e = NULL;
    WANT_SFTP(gossh_sftp_makedirs(s, rpath("f/x"), 0755, T, &e), e, "ENOTDIR");

    OK(gossh_sftp_symlink(s, "f", rpath("link"), T, E));
    OK(gossh_sftp_lstat(s, rpath("link"), T, &a, E));
    CHECK(S_ISLNK(a.mode), "lstat link mode %o", a.mode);
    OK(gossh_sftp_stat(s, rpath("link"), T, &a, E));
    CHECK(S_ISREG(a.mode), "stat through link mode %o", a.mode);
    char *str = NULL;
    OK(gossh_sftp_readlink(s, rpath("link"), T, &str, E));
    CHECK(str && strcmp(str, "f") == 0, "readlink %s", str ? str : "(null)");
    gossh_free(str);
    str = NULL;
    OK(gossh_sftp_realpath(s, rpath("m/n/../n"), T, &str, E));
    CHECK(str && strcmp(str, rpath("m/n")) == 0, "realpath %s", str ? str : "(null)");
    gossh_free(str);
    OK(gossh_sftp_hardlink(s, rpath("f"), rpath("hard"), T, E));
    OK(gossh_sftp_copy(s, rpath("f"), rpath("copy"), T, E));
    CHECK(same_file(rpath("f"), rpath("copy")), "copy differs");
    e = NULL;
    rc = gossh_sftp_rename(s, rpath("copy"), rpath("hard"), 0, T, &e);
    CHECK(e && strcmp(gossh_error_detail(e, "path2"), rpath("hard")) == 0, "rename path2");
    WANT(rc, e, GOSSH_E_SFTP);
    OK(gossh_sftp_rename(s, rpath("copy"), rpath("hard"), GOSSH_SFTP_RENAME_POSIX, T, E));
    OK(gossh_sftp_rename(s, rpath("hard"), rpath("moved"), 0, T, E));
    e = NULL;
    WANT(gossh_sftp_rename(s, rpath("moved"), rpath("x"), 7, T, &e), e, GOSSH_E_INVALID);

    gossh_sftp_statvfs_t v;
    OK(gossh_sftp_statvfs(s, rdir, T, &v, E));
    CHECK(v.bsize > 0 && v.namemax > 0 && v.blocks > 0, "statvfs %llu %llu",
          (unsigned long long)v.bsize, (unsigned long long)v.namemax);

    gossh_sftp_attrs set = {0};
    set.flags = GOSSH_SFTP_ATTR_PERMISSIONS | GOSSH_SFTP_ATTR_ACMODTIME;
    set.mode = 0600;
    set.atime = 1000000000;
    set.mtime = 1000000001;
    OK(gossh_sftp_setstat(s, rpath("moved"), &set, T, E));
    OK(gossh_sftp_stat(s, rpath("moved"), T, &a, E));
    CHECK((a.mode & 0777) == 0600 && a.mtime == 1000000001 && a.atime == 1000000000,
          "after setstat %o %lld", a.mode, (long long)a.mtime);
    set.flags = GOSSH_SFTP_ATTR_SIZE;
    set.size = 5;
    OK(gossh_sftp_setstat(s, rpath("moved"), &set, T, E));
    OK(gossh_sftp_stat(s, rpath("moved"), T, &a, E));
    CHECK(a.size == 5, "truncate %llu", (unsigned long long)a.size);

    /* directory reads in batches of 2 */
    gossh_sftp_dir *d = NULL;
    OK(gossh_sftp_opendir(s, rdir, T, &d, E));
    gossh_sftp_entry ents[2];
    int count = 0, seen_f = 0, longnames = 1;
    for (;;) {
        size_t n = 99;
        gossh_error *e2 = NULL;
        rc = gossh_sftp_dir_read(d, ents, 2, T, &n, &e2);
        CHECK(rc == 0, "dir_read %d %s", rc, msg(e2));
        gossh_error_free(e2);
        if (rc != 0 || n == 0) break;
        CHECK(n <= 2, "batch of %zu", n);
        for (size_t i = 0; i < n; i++) {
            count++;
            if (strcmp(ents[i].name, "f") == 0) seen_f = S_ISREG(ents[i].attrs.mode);
            if (!ents[i].longname || !ents[i].longname[0]) longnames = 0;
            CHECK(strcmp(ents[i].name, ".") && strcmp(ents[i].name, ".."), ". or .. listed");
        }
        gossh_sftp_entries_free(ents, n);
        CHECK(ents[0].name == NULL, "entries_free zeroes");
    }
    CHECK(count == 4 && seen_f && longnames, "listing: %d entries (f %d longnames %d)", count, seen_f,
          longnames);
    gossh_sftp_dir_free(d);
    gossh_sftp_dir_free(d);
    gossh_sftp_entries_free(NULL, 3);

    /* glob */
    OK(gossh_sftp_makedirs(s, rpath("g/sub"), 0755, T, E));
    const char *names[] = {"g/x1.txt", "g/x2.txt", "g/.hidden.txt", "g/y.log", "g/sub/z.txt"};
    for (int i = 0; i < 5; i++) {
        gossh_sftp_file *gf = NULL;
        OK(gossh_sftp_open(s, rpath(names[i]), GOSSH_SFTP_WRITE | GOSSH_SFTP_CREAT, 0644, T, &gf, E));
        gossh_sftp_file_free(gf);
    }
    struct {
        const char *pattern;
        int n;
        const char *first;
    } globs[] = {{"g/*.txt", 2, "g/x1.txt"}, {"g/.*", 1, "g/.hidden.txt"}, {"g/*/z.txt", 1, "g/sub/z.txt"},
                 {"g/x?.txt", 2, "g/x1.txt"}, {"nope/*", 0, NULL}, {"g/[y]*", 1, "g/y.log"}};
    for (size_t i = 0; i < sizeof globs / sizeof globs[0]; i++) {
        gossh_sftp_dir *g = NULL;
        OK(gossh_sftp_glob(s, rpath(globs[i].pattern), T, &g, E));
        gossh_sftp_entry ge[8];
        size_t n = 0;
        OK(gossh_sftp_dir_read(g, ge, 8, T, &n, E));
        CHECK((int)n == globs[i].n, "glob %s: %zu matches", globs[i].pattern, n);
        if (n > 0 && globs[i].first)
            CHECK(strcmp(ge[0].name, rpath(globs[i].first)) == 0, "glob %s first %s", globs[i].pattern,
                  ge[0].name);
        if (n == 2) CHECK(strcmp(ge[0].name, ge[1].name) < 0, "glob not sorted");
        gossh_sftp_entries_free(ge, n);
        gossh_sftp_dir_free(g);
    }
    e = NULL;
    gossh_sftp_dir *g = NULL;
    WANT(gossh_sftp_glob(s, rpath("g/["), T, &g, &e), e, GOSSH_E_INVALID);

    /* rmtree never follows a symlink */
    OK(gossh_sftp_mkdir(s, rpath("outside"), 0755, T, E));
    OK(gossh_sftp_copy(s, rpath("f"), rpath("outside/keep"), T, E));
    OK(gossh_sftp_symlink(s, rpath("outside"), rpath("g/sub/to-outside"), T, E));
    e = NULL;
    WANT_SFTP(gossh_sftp_rmdir(s, rpath("g"), T, &e), e, "");
    OK(gossh_sftp_rmtree(s, rpath("g"), T, E));
    CHECK(exists(rpath("outside/keep")) && !exists(rpath("g")), "rmtree");
    e = NULL;
    WANT_SFTP(gossh_sftp_rmtree(s, rpath("g"), T, &e), e, "ENOENT");
    OK(gossh_sftp_remove(s, rpath("link"), T, E));
    e = NULL;
    WANT_SFTP(gossh_sftp_remove(s, rpath("link"), T, &e), e, "ENOENT");
    OK(gossh_sftp_rmdir(s, rpath("m/n/o"), T, E));
}

static void test_files(gossh_sftp *s) {
    size_t size = (3 << 20) + 12345;
    unsigned char *data = malloc(size), *back = malloc(size + 10);
    for (size_t i = 0; i < size; i++) data[i] = (unsigned char)(i * 131 + (i >> 11));
    gossh_sftp_file *f = NULL;
    OK(gossh_sftp_open(s, rpath("io"), GOSSH_SFTP_READ | GOSSH_SFTP_WRITE | GOSSH_SFTP_CREAT, 0644, T,
                       &f, E));
    for (size_t off = 0; off < size; off += 1000) {
        size_t n = size - off < 1000 ? size - off : 1000, w = 0;
        gossh_error *e = NULL;
        int rc = gossh_sftp_file_write(f, data + off, n, T, &w, &e);
        if (rc != 0 || w != n) {
            CHECK(0, "write at %zu: %d %zu %s", off, rc, w, msg(e));
            gossh_error_free(e);
            break;
        }
    }
    OK(gossh_sftp_file_flush(f, T, E));
    uint64_t pos = 99;
    OK(gossh_sftp_file_seek(f, 0, 0, T, &pos, E));
    CHECK(pos == 0, "seek %llu", (unsigned long long)pos);
    size_t got = 0;
    for (;;) {
        size_t n = 0;
        gossh_error *e = NULL;
        int rc = gossh_sftp_file_read(f, back + got, 32768 < size + 10 - got ? 32768 : size + 10 - got,
                                      T, &n, &e);
        if (rc != 0) {
            CHECK(0, "read: %d %s", rc, msg(e));
            gossh_error_free(e);
            break;
        }
        if (n == 0) break;
        got += n;
    }
    CHECK(got == size && memcmp(back, data, size) == 0, "read back %zu of %zu", got, size);
    OK(gossh_sftp_file_seek(f, -10, 2, T, &pos, E));
    CHECK(pos == size - 10, "seek end %llu", (unsigned long long)pos);
    OK(gossh_sftp_file_seek(f, 4, 1, T, &pos, E));
    CHECK(pos == size - 6, "seek cur %llu", (unsigned long long)pos);
    gossh_error *e = NULL;
    WANT(gossh_sftp_file_seek(f, -1, 0, T, &pos, &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_file_seek(f, 0, 7, T, &pos, &e), e, GOSSH_E_INVALID);
    size_t w = 0;
    OK(gossh_sftp_file_pwrite(f, "XYZ", 3, 5, T, &w, E));
    CHECK(w == 3, "pwrite %zu", w);
    char p[10];
    size_t n = 0;
    OK(gossh_sftp_file_pread(f, p, 10, 3, T, &n, E));
    CHECK(n == 10 && memcmp(p + 2, "XYZ", 3) == 0, "pread");
    OK(gossh_sftp_file_pread(f, p, 10, size + 100, T, &n, E));
    CHECK(n == 0, "pread past the end: %zu", n);
    gossh_sftp_attrs a;
    OK(gossh_sftp_file_stat(f, T, &a, E));
    CHECK(a.size == size, "fstat size %llu", (unsigned long long)a.size);
    gossh_sftp_attrs set = {0};
    set.flags = GOSSH_SFTP_ATTR_PERMISSIONS;
    set.mode = 0600;
    OK(gossh_sftp_file_setstat(f, &set, T, E));
    OK(gossh_sftp_file_stat(f, T, &a, E));
    CHECK((a.mode & 0777) == 0600, "fsetstat mode %o", a.mode);
    OK(gossh_sftp_file_sync(f, T, E));
    char *hash = NULL;
    e = NULL;
    WANT_SFTP(gossh_sftp_file_check(f, "sha256", 0, 0, T, &hash, &e), e, "EOPNOTSUPP");
    OK(gossh_sftp_file_close(f, -1, E));
    e = NULL;
    WANT(gossh_sftp_file_read(f, p, 10, T, &n, &e), e, GOSSH_E_CLOSED);
    gossh_sftp_file_free(f);
    e = NULL;
    WANT(gossh_sftp_file_read(f, p, 10, T, &n, &e), e, GOSSH_E_BADHANDLE);

    /* append */
    OK(gossh_sftp_open(s, rpath("io"), GOSSH_SFTP_WRITE | GOSSH_SFTP_APPEND, 0, T, &f, E));
    OK(gossh_sftp_file_write(f, "tail", 4, T, NULL, E));
    OK(gossh_sftp_file_close(f, -1, E));
    gossh_sftp_file_free(f);
    CHECK(file_size(rpath("io")) == (long long)size + 4, "append: size %lld", file_size(rpath("io")));

    /* a pipelined write the server refuses (read-only handle) surfaces at close */
    OK(gossh_sftp_open(s, rpath("io"), GOSSH_SFTP_READ, 0, T, &f, E));
    OK(gossh_sftp_file_write(f, "refused", 7, T, &w, E));
    e = NULL;
    WANT(gossh_sftp_file_close(f, -1, &e), e, GOSSH_E_SFTP);
    OK(gossh_sftp_file_close(f, -1, E));
    gossh_sftp_file_free(f);
    OK(gossh_sftp_open(s, rpath("io"), GOSSH_SFTP_READ, 0, T, &f, E));
    OK(gossh_sftp_file_write(f, "refused", 7, T, &w, E));
    e = NULL;
    WANT(gossh_sftp_file_flush(f, T, &e), e, GOSSH_E_SFTP);
    gossh_sftp_file_free(f);

    /* errors */
    e = NULL;
    f = NULL;
    WANT_SFTP(gossh_sftp_open(s, rpath("missing"), GOSSH_SFTP_READ, 0, T, &f, &e), e, "ENOENT");
    CHECK(f == NULL, "out set on failure");
    e = NULL;
    WANT(gossh_sftp_open(s, rpath("io"), GOSSH_SFTP_WRITE | GOSSH_SFTP_CREAT | GOSSH_SFTP_EXCL, 0644,
                         T, &f, &e),
         e, GOSSH_E_SFTP);
    e = NULL;
    WANT(gossh_sftp_open(s, rpath("io"), 0, 0, T, &f, &e), e, GOSSH_E_INVALID);
    /* reading a directory as a file */
    e = NULL;
    if (gossh_sftp_open(s, rdir, GOSSH_SFTP_READ, 0, T, &f, &e) == 0) {
        e = NULL;
        WANT(gossh_sftp_file_read(f, p, 10, T, &n, &e), e, GOSSH_E_SFTP);
        gossh_sftp_file_free(f);
    } else {
        WANT(GOSSH_E_SFTP, e, GOSSH_E_SFTP);
    }
    free(data);
    free(back);
}

static void test_permission_denied(gossh_sftp *s) {
    OK(gossh_sftp_mkdir(s, rpath("locked"), 0755, T, E));
    OK(gossh_sftp_copy(s, rpath("moved"), rpath("locked/f"), T, E));
    gossh_sftp_attrs set = {0};
    set.flags = GOSSH_SFTP_ATTR_PERMISSIONS;
    set.mode = 0;
    OK(gossh_sftp_setstat(s, rpath("locked"), &set, T, E));
    gossh_sftp_attrs a;
    gossh_error *e = NULL;
    WANT_SFTP(gossh_sftp_stat(s, rpath("locked/f"), T, &a, &e), e, "EACCES");
    gossh_sftp_dir *d = NULL;
    e = NULL;
    WANT_SFTP(gossh_sftp_opendir(s, rpath("locked"), T, &d, &e), e, "EACCES");
    e = NULL;
    WANT_SFTP(gossh_sftp_get(s, rpath("locked/f"), lpath("denied"), 0, NULL, NULL, T, NULL, &e), e,
              "EACCES");
    CHECK(!exists(lpath("denied")) && !exists(lpath("denied.gossh-part")), "denied get left a file");
    e = NULL;
    write_random(lpath("small"), 100);
    WANT_SFTP(gossh_sftp_put(s, lpath("small"), rpath("locked/g"), 0, NULL, NULL, T, NULL, &e), e,
              "EACCES");
    set.mode = 0755;
    OK(gossh_sftp_setstat(s, rpath("locked"), &set, T, E));
}

static void test_transfers(gossh_sftp *s) {
    static const size_t sizes[] = {0, 1, 32768, (1 << 20) + 7, (64u << 20) + 12345};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char name[64], back[64], remote[64];
        snprintf(name, sizeof name, "src-%zu", sizes[i]);
        snprintf(back, sizeof back, "back-%zu", sizes[i]);
        snprintf(remote, sizeof remote, "r-%zu", sizes[i]);
        write_random(lpath(name), sizes[i]);
        struct prog pr;
        prog_init(&pr, 0);
        uint64_t moved = 99;
        OK(gossh_sftp_put(s, lpath(name), rpath(remote), 0, on_progress, &pr, T * 4, &moved, E));
        CHECK(moved == sizes[i] && pr.calls > 0 && !pr.bad && pr.last == sizes[i] && pr.total == sizes[i],
              "put %zu: moved %llu progress calls %llu last %llu bad %d", sizes[i],
              (unsigned long long)moved, (unsigned long long)pr.calls, (unsigned long long)pr.last,
              pr.bad);
        CHECK(same_file(lpath(name), rpath(remote)), "put %zu: differs", sizes[i]);
        prog_init(&pr, 0);
        OK(gossh_sftp_get(s, rpath(remote), lpath(back), 0, on_progress, &pr, T * 4, &moved, E));
        CHECK(moved == sizes[i] && pr.calls > 0 && !pr.bad && pr.last == sizes[i] && pr.total == sizes[i],
              "get %zu: moved %llu progress last %llu bad %d", sizes[i], (unsigned long long)moved,
              (unsigned long long)pr.last, pr.bad);
        CHECK(same_file(lpath(name), lpath(back)), "get %zu: differs", sizes[i]);
        char part[80];
        snprintf(part, sizeof part, "%s.gossh-part", back);
        CHECK(!exists(lpath(part)), "part file left");
        unlink(lpath(back));
        if (sizes[i] == (1 << 20) + 7) unlink(rpath(remote));
    }
    /* preserve */
    chmod(lpath("src-1"), 0751);
    OK(gossh_sftp_put(s, lpath("src-1"), rpath("pres"), GOSSH_SFTP_PRESERVE, NULL, NULL, T, NULL, E));
    gossh_sftp_attrs a;
    OK(gossh_sftp_stat(s, rpath("pres"), T, &a, E));
    CHECK((a.mode & 0777) == 0751, "preserved mode %o", a.mode);
    OK(gossh_sftp_get(s, rpath("pres"), lpath("pres"), GOSSH_SFTP_PRESERVE | GOSSH_SFTP_NOVERIFY,
                      NULL, NULL, T, NULL, E));
    struct stat st;
    CHECK(stat(lpath("pres"), &st) == 0 && (st.st_mode & 0777) == 0751 && st.st_mtime == a.mtime,
          "get preserve");
    gossh_error *e = NULL;
    WANT(gossh_sftp_get(s, rpath("pres"), lpath("pres"), 64, NULL, NULL, T, NULL, &e), e,
         GOSSH_E_INVALID);

    /* errors */
    e = NULL;
    WANT_SFTP(gossh_sftp_get(s, rpath("missing"), lpath("x"), 0, NULL, NULL, T, NULL, &e), e, "ENOENT");
    CHECK(!exists(lpath("x")) && !exists(lpath("x.gossh-part")), "failed get left a file");
    e = NULL;
    WANT_SFTP(gossh_sftp_get(s, rdir, lpath("x"), 0, NULL, NULL, T, NULL, &e), e, "EISDIR");
    e = NULL;
    int rc = gossh_sftp_put(s, lpath("missing"), rpath("x"), 0, NULL, NULL, T, NULL, &e);
    CHECK(e && gossh_error_detail(e, "errno_name") && strcmp(gossh_error_detail(e, "errno_name"), "ENOENT") == 0 &&
              strcmp(gossh_error_detail(e, "path"), lpath("missing")) == 0,
          "put missing local: details");
    WANT(rc, e, GOSSH_E_IO);
    e = NULL;
    WANT(gossh_sftp_put(s, ldir, rpath("x"), 0, NULL, NULL, T, NULL, &e), e, GOSSH_E_IO);
    e = NULL;
    WANT(gossh_sftp_get(s, rpath("pres"), "/nonexistent-dir/x", 0, NULL, NULL, T, NULL, &e), e,
         GOSSH_E_IO);

    /* cancel, then resume */
    size_t big = 20 << 20;
    write_random(lpath("big"), big);
    struct prog pr;
    prog_init(&pr, 5 << 20);
    e = NULL;
    WANT(gossh_sftp_put(s, lpath("big"), rpath("big"), 0, on_progress, &pr, T, NULL, &e), e,
         GOSSH_E_CANCELLED);
    OK(gossh_sftp_put(s, lpath("big"), rpath("big"), GOSSH_SFTP_RESUME, NULL, NULL, T, NULL, E));
    CHECK(same_file(lpath("big"), rpath("big")), "resumed put differs");
    prog_init(&pr, 5 << 20);
    e = NULL;
    WANT(gossh_sftp_get(s, rpath("big"), lpath("bigback"), 0, on_progress, &pr, T, NULL, &e), e,
         GOSSH_E_CANCELLED);
    CHECK(!exists(lpath("bigback")) && !exists(lpath("bigback.gossh-part")), "cancelled get left a file");
    prog_init(&pr, 5 << 20);
    e = NULL;
    WANT(gossh_sftp_get(s, rpath("big"), lpath("bigback"), GOSSH_SFTP_RESUME, on_progress, &pr, T,
                        NULL, &e),
         e, GOSSH_E_CANCELLED);
    long long part = file_size(lpath("bigback.gossh-part"));
    /* The part keeps the contiguous prefix that arrived: with 4 channels
     * that may be nothing yet. */
    CHECK(part >= 0 && part < (long long)big && !exists(lpath("bigback")), "resumable part %lld", part);
    prog_init(&pr, 0);
    OK(gossh_sftp_get(s, rpath("big"), lpath("bigback"), GOSSH_SFTP_RESUME, on_progress, &pr, T, NULL,
                      E));
    CHECK(same_file(lpath("big"), lpath("bigback")) && !exists(lpath("bigback.gossh-part")),
          "resumed get differs");
}

static void test_dirs(gossh_sftp *s) {
    /* a local tree with a nested directory, a symlink and files */
    char cmd[2000];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/tree/a/b && head -c 3000000 /dev/urandom > %s/tree/a/b/one && "
             "echo two > %s/tree/two && ln -s two %s/tree/link && : > %s/tree/a/empty",
             ldir, ldir, ldir, ldir, ldir);
    CHECK(system(cmd) == 0, "making the local tree");
    struct prog pr;
    prog_init(&pr, 0);
    OK(gossh_sftp_put_dir(s, lpath("tree"), rpath("tree"), 0, on_progress, &pr, T, E));
    CHECK(!pr.bad && pr.last == 3000004 && pr.total == 3000004, "put_dir progress %llu/%llu bad %d",
          (unsigned long long)pr.last, (unsigned long long)pr.total, pr.bad);
    prog_init(&pr, 0);
    OK(gossh_sftp_get_dir(s, rpath("tree"), lpath("tree2"), 0, on_progress, &pr, T, E));
    CHECK(!pr.bad && pr.last == 3000004 && pr.total == 3000004, "get_dir progress %llu/%llu",
          (unsigned long long)pr.last, (unsigned long long)pr.total);
    snprintf(cmd, sizeof cmd, "diff -r --no-dereference %s/tree %s/tree2 >/dev/null", ldir, ldir);
    CHECK(system(cmd) == 0, "get_dir/put_dir tree differs");
    char target[64] = {0};
    CHECK(readlink(lpath("tree2/link"), target, sizeof target - 1) == 3 && strcmp(target, "two") == 0,
          "symlink mirrored as a link");
    gossh_error *e = NULL;
    WANT_SFTP(gossh_sftp_get_dir(s, rpath("nope"), lpath("tree3"), 0, NULL, NULL, T, &e), e, "ENOENT");
}

/* ----------------------------------------------------------- concurrency -- */

struct job {
    gossh_sftp *s;
    int i;
    int rc;
    char msg[300];
};

static void *transfer_job(void *arg) {
    struct job *j = arg;
    char remote[700], local[700];
    snprintf(remote, sizeof remote, "%s/c%d", rdir, j->i);
    snprintf(local, sizeof local, "%s/c%d", ldir, j->i);
    char src[700]; /* not lpath: its rotating buffers are not for threads */
    if (snprintf(src, sizeof src, "%s/%s", ldir, j->i % 8 == 0 ? "c-big" : "c-src") >= (int)sizeof src) abort();
    gossh_error *e = NULL;
    j->rc = gossh_sftp_put(j->s, src, remote, 0, NULL, NULL, T * 4, NULL, &e);
    if (j->rc == 0) j->rc = gossh_sftp_get(j->s, remote, local, 0, NULL, NULL, T * 4, NULL, &e);
    if (j->rc == 0 && !same_file(src, local)) j->rc = same_file(src, remote) ? 1 : 2;
    snprintf(j->msg, sizeof j->msg, "%s", msg(e));
    gossh_error_free(e);
    return NULL;
}

static void test_concurrent(gossh_sftp *s) {
    write_random(lpath("c-src"), 3 << 20);
    write_random(lpath("c-big"), 9 << 20);
    pthread_t th[32];
    struct job jobs[32];
    for (int i = 0; i < 32; i++) {
        jobs[i] = (struct job){.s = s, .i = i};
        pthread_create(&th[i], NULL, transfer_job, &jobs[i]);
    }
    int bad = 0;
    for (int i = 0; i < 32; i++) {
        pthread_join(th[i], NULL);
        if (jobs[i].rc != 0) {
            bad++;
            printf("transfer %d: %d %s\n", i, jobs[i].rc, jobs[i].msg);
        }
    }
    CHECK(bad == 0, "%d of 32 concurrent transfers failed", bad);
}

/* Closing the session (then the client) from another thread ends a transfer. */
struct closer {
    gossh_sftp *s;
    gossh_client *c;
};

static void *close_soon(void *arg) {
    struct closer *cl = arg;
    usleep(30000);
    if (cl->s) gossh_sftp_close(cl->s, NULL);
    if (cl->c) gossh_client_close(cl->c, NULL);
    return NULL;
}

static void test_close_from_thread(void) {
    write_random(lpath("close-src"), 64 << 20);
    for (int round = 0; round < 2; round++) {
        gossh_client *c = connected_to(NULL);
        if (!c) return;
        gossh_sftp *s = open_sftp(c);
        struct closer cl = {round == 0 ? s : NULL, round == 1 ? c : NULL};
        pthread_t th;
        pthread_create(&th, NULL, close_soon, &cl);
        gossh_error *e = NULL;
        int rc = round == 0 ? gossh_sftp_put(s, lpath("close-src"), rpath("close"), 0, NULL, NULL, -1, NULL, &e)
                            : gossh_sftp_get(s, rpath("r-67121209"), lpath("close-dst"), 0, NULL, NULL, -1, NULL, &e);
        pthread_join(th, NULL);
        CHECK(rc == 0 || rc == GOSSH_E_CLOSED, "round %d: %d %s", round, rc, msg(e));
        gossh_error_free(e);
        e = NULL;
        gossh_sftp_attrs a;
        WANT(gossh_sftp_stat(s, rdir, T, &a, &e), e, GOSSH_E_CLOSED);
        if (round == 1 && rc != 0)
            CHECK(!exists(lpath("close-dst")) && !exists(lpath("close-dst.gossh-part")),
                  "a closed get left a file");
        gossh_sftp_free(s);
        gossh_client_free(c);
    }
}

/* ---------------------------------------------------------------- faults -- */

#define FAULT_REPS 24

/* The connection cut mid-get and mid-put, FAULT_REPS times each: an error
 * every time, and never a complete-looking local file. */
static void test_faults(void) {
    const char *src = lpath("fault-src");
    write_random(src, 24 << 20);
    {
        gossh_client *c = connected_to(NULL);
        if (!c) return;
        gossh_sftp *s = open_sftp(c);
        OK(gossh_sftp_put(s, src, rpath("fault-src"), 0, NULL, NULL, T, NULL, E));
        gossh_sftp_free(s);
        gossh_client_free(c);
    }
    static char offsets[FAULT_REPS * 12];
    size_t len = 0;
    for (int i = 0; i < FAULT_REPS; i++) /* past the handshake and the session's opening, into the data */
        len += snprintf(offsets + len, sizeof offsets - len, "%s%ld", i ? "," : "", 300000L + i * 700001L);
    const char *faults[] = {"close", "rst"};
    for (int dir = 0; dir < 2; dir++) {
        for (int fi = 0; fi < 2; fi++) {
            /* a get: one proxy, the i-th connection cut after offsets[i]
             * bytes server->client; a put: a proxy per run, cut after so
             * many bytes client->server (-after-up takes one value) */
            struct proxy px;
            if (dir == 0 && proxy_start(&px, faults[fi], offsets, NULL) != 0) {
                CHECK(0, "fault proxy %s did not start", faults[fi]);
                continue;
            }
            int errors = 0, clean = 0, leftovers = 0, other = 0, reached = 0;
            for (int i = 0; i < FAULT_REPS; i++) {
                if (dir == 1) {
                    char up[32];
                    snprintf(up, sizeof up, "%ld", 300000L + i * 700001L);
                    if (proxy_start(&px, faults[fi], "1000000000", up) != 0) {
                        CHECK(0, "fault proxy %s did not start", faults[fi]);
                        break;
                    }
                }
                char pport[16];
                snprintf(pport, sizeof pport, "%d", px.port);
                gossh_client *c = connected_to(pport);
                if (!c) {
                    errors++; /* cut during the handshake: fine, but says nothing */
                    if (dir == 1) proxy_stop(&px);
                    continue;
                }
                gossh_sftp *s = NULL;
                gossh_error *e = NULL;
                if (gossh_client_open_sftp(c, T, &s, &e) != 0) {
                    gossh_error_free(e);
                    gossh_client_free(c);
                    errors++;
                    if (dir == 1) proxy_stop(&px);
                    continue;
                }
                reached++;
                gossh_sftp_set(s, "transfer_channels", i % 2 ? "4" : "1", NULL);
                int rc;
                char dst[700];
                if (dir == 0) {
                    snprintf(dst, sizeof dst, "%s/fault-get-%d", ldir, i);
                    rc = gossh_sftp_get(s, rpath("fault-src"), dst, 0, NULL, NULL, T, NULL, &e);
                    char partp[720];
                    snprintf(partp, sizeof partp, "%s.gossh-part", dst);
                    if (rc != 0 && (exists(dst) || exists(partp))) leftovers++;
                    if (rc == 0 && !same_file(src, dst)) leftovers++;
                } else {
                    snprintf(dst, sizeof dst, "fault-put-%d", i);
                    rc = gossh_sftp_put(s, src, rpath(dst), 0, NULL, NULL, T, NULL, &e);
                    if (rc == 0 && !same_file(src, rpath(dst))) leftovers++;
                }
                if (rc == 0) clean++;
                else if (rc == GOSSH_E_CLOSED || rc == GOSSH_E_PROTOCOL) errors++;
                else {
                    other++;
                    printf("fault %s %s run %d: %s %s\n", faults[fi], dir ? "put" : "get", i,
                           gossh_code_name(rc), msg(e));
                }
                gossh_error_free(e);
                gossh_sftp_free(s);
                gossh_client_free(c);
                if (dir == 1) proxy_stop(&px);
            }
            if (dir == 0) proxy_stop(&px);
            printf("c sftp fault %s %s runs=%d mid_transfer=%d errors=%d clean=%d other=%d bad_files=%d\n",
                   faults[fi], dir ? "put" : "get", FAULT_REPS, reached, errors, clean, other, leftovers);
            CHECK(reached == FAULT_REPS, "fault %s %s: only %d runs reached the transfer", faults[fi],
                  dir ? "put" : "get", reached);
            CHECK(clean == 0 && other == 0 && leftovers == 0,
                  "fault %s %s: %d clean ends, %d other errors, %d bad files", faults[fi],
                  dir ? "put" : "get", clean, other, leftovers);
        }
    }
}

/* ------------------------------------------------------- bad arguments -- */

/* The _pending twins ("SFTP in the background"), driven only by the
 * readiness pipe and gossh_pending_take: bad input; then 3 rounds of many
 * calls in flight at once on one session, each a twin whose string
 * arguments are overwritten right after it returns (the library copied
 * them): a stat per file, a pwrite per region of one file (then a pread of
 * each, compared), a stat of a missing path (the blocking call's error), a
 * realpath and an open; and a pending freed before its record, which must
 * wait for the call (its attrs are filled when gossh_pending_free
 * returns). */
#define NPEND 24
static int pending_efd = -1;

/* Waits (poll on the pipe, 30 s at most) until every pending in ps[0..n)
 * is done, taking each once: codes in rcs, errors in errs. */
static void await_pendings(gossh_pending **ps, int n, int *rcs, gossh_error **errs, const char *what) {
    int done[NPEND * 2] = {0}, left = n;
    for (int spins = 0; left > 0 && spins < 3000; spins++) {
        struct pollfd pfd = {pending_efd, POLLIN, 0};
        if (poll(&pfd, 1, 10) <= 0) continue;
        uint64_t recs[64];
        ssize_t got = read(pending_efd, recs, sizeof recs);
        for (ssize_t r = 0; r < got / 8; r++) {
            for (int i = 0; i < n; i++) {
                if (done[i] || recs[r] != (uint64_t)(uintptr_t)ps[i]) continue;
                int fin = 0;
                gossh_channel *none = (gossh_channel *)1;
                errs[i] = NULL;
                rcs[i] = gossh_pending_take(ps[i], &fin, &none, &errs[i]);
                CHECK(fin == 1 && none == NULL, "%s %d: done with its record, no channel", what, i);
                done[i] = 1;
                left--;
            }
        }
    }
    CHECK(left == 0, "%s: %d of %d pendings never wrote their record", what, left, n);
}

static void test_pending(gossh_sftp *s) {
    gossh_error *e = NULL;
    OK(gossh_events_fd(&pending_efd, E));
    gossh_sftp_attrs a;
    WANT(gossh_sftp_stat_pending(s, rdir, T, &a, NULL, &e), e, GOSSH_E_INVALID);

    static unsigned char data[NPEND][4096];
    for (int i = 0; i < NPEND; i++) memset(data[i], 'a' + i, sizeof data[i]);
    for (int round = 0; round < 3; round++) {
        char name[64];
        snprintf(name, sizeof name, "pend-%d", round);
        char path[700];
        snprintf(path, sizeof path, "%s", rpath(name));
        gossh_sftp_file *f = NULL;
        OK(gossh_sftp_open(s, path, GOSSH_SFTP_WRITE | GOSSH_SFTP_READ | GOSSH_SFTP_CREAT | GOSSH_SFTP_TRUNC, 0644, T, &f, E));
        if (!f) return;

        /* Writes of every region at once. */
        gossh_pending *ps[NPEND * 2];
        int rcs[NPEND * 2];
        gossh_error *errs[NPEND * 2];
        size_t counts[NPEND];
        for (int i = 0; i < NPEND; i++) {
            counts[i] = 0;
            ps[i] = NULL;
            e = NULL;
            int rc = gossh_sftp_file_pwrite_pending(f, data[i], sizeof data[i], (uint64_t)i * sizeof data[i], T,
                                                    &counts[i], &ps[i], &e);
            CHECK(rc == 0 && ps[i], "round %d: pwrite_pending %d: %d %s", round, i, rc, msg(e));
            gossh_error_free(e);
        }
        await_pendings(ps, NPEND, rcs, errs, "pwrite");
        for (int i = 0; i < NPEND; i++) {
            CHECK(rcs[i] == 0 && counts[i] == sizeof data[i], "round %d: pwrite %d: %d, %zu bytes: %s", round, i,
                  rcs[i], counts[i], msg(errs[i]));
            gossh_error_free(errs[i]);
            gossh_pending_free(ps[i]);
        }

        /* Reads of every region, stats, a missing path, a realpath and an
         * open, all at once; every path argument overwritten at once. */
        static unsigned char back[NPEND][4096];
        gossh_sftp_attrs attrs[NPEND];
        char *real = NULL;
        gossh_sftp_file *f2 = NULL;
        int k = 0;
        for (int i = 0; i < NPEND; i++, k++) {
            counts[i] = 0;
            memset(back[i], 0, sizeof back[i]);
            CHECK(gossh_sftp_file_pread_pending(f, back[i], sizeof back[i], (uint64_t)i * sizeof back[i], T,
                                                &counts[i], &ps[k], NULL) == 0, "pread_pending %d", i);
        }
        for (int i = 0; i < NPEND - 3; i++, k++) {
            memset(&attrs[i], 0, sizeof attrs[i]);
            CHECK(gossh_sftp_stat_pending(s, path, T, &attrs[i], &ps[k], NULL) == 0, "stat_pending %d", i);
        }
        char missing[700];
        snprintf(missing, sizeof missing, "%s", rpath("no-such-file"));
        int k_missing = k;
        CHECK(gossh_sftp_stat_pending(s, missing, T, &attrs[NPEND - 3], &ps[k++], NULL) == 0, "stat_pending missing");
        memset(missing, 'x', sizeof missing - 1);
        int k_real = k;
        CHECK(gossh_sftp_realpath_pending(s, path, T, &real, &ps[k++], NULL) == 0, "realpath_pending");
        int k_open = k;
        CHECK(gossh_sftp_open_pending(s, path, GOSSH_SFTP_READ, 0, T, &f2, &ps[k++], NULL) == 0, "open_pending");
        char saved[700];
        memcpy(saved, path, sizeof saved);
        memset(path, 'y', sizeof path - 1); /* the library copied it */
        path[sizeof path - 1] = 0;
        await_pendings(ps, k, rcs, errs, "reads");
        for (int i = 0; i < NPEND; i++)
            CHECK(rcs[i] == 0 && counts[i] == sizeof back[i] && memcmp(back[i], data[i], sizeof back[i]) == 0,
                  "round %d: pread %d: %d, %zu bytes, same data: %s", round, i, rcs[i], counts[i], msg(errs[i]));
        for (int i = 0; i < NPEND - 3; i++)
            CHECK(rcs[NPEND + i] == 0 && attrs[i].size == (uint64_t)NPEND * sizeof data[0],
                  "round %d: stat %d: %d size %llu: %s", round, i, rcs[NPEND + i],
                  (unsigned long long)attrs[i].size, msg(errs[NPEND + i]));
        want_sftp(__LINE__, rcs[k_missing], errs[k_missing], "ENOENT");
        errs[k_missing] = NULL;
        CHECK(rcs[k_real] == 0 && real && strstr(saved, real) != NULL, "round %d: realpath %s of %s: %s", round,
              real ? real : "(null)", saved, msg(errs[k_real]));
        CHECK(rcs[k_open] == 0 && f2, "round %d: open_pending gave a file: %s", round, msg(errs[k_open]));
        for (int i = 0; i < k; i++) {
            gossh_error_free(errs[i]);
            gossh_pending_free(ps[i]);
        }
        gossh_free(real);
        gossh_sftp_file_free(f2);

        /* Freed before its record: the free waits for the call. */
        gossh_pending *dropped = NULL;
        memset(&a, 0, sizeof a);
        CHECK(gossh_sftp_stat_pending(s, saved, T, &a, &dropped, NULL) == 0 && dropped, "the dropped stat started");
        gossh_pending_free(dropped);
        CHECK(a.size == (uint64_t)NPEND * sizeof data[0], "round %d: attrs filled when gossh_pending_free returned (size %llu)",
              round, (unsigned long long)a.size);
        uint64_t recs[16];
        struct pollfd pfd = {pending_efd, POLLIN, 0};
        while (poll(&pfd, 1, 50) > 0) {
            ssize_t got = read(pending_efd, recs, sizeof recs);
            for (ssize_t r = 0; r < got / 8; r++)
                CHECK(recs[r] != (uint64_t)(uintptr_t)dropped, "round %d: a record for a freed pending", round);
            if (got <= 0) break;
        }
        OK(gossh_sftp_file_close(f, T, E));
        gossh_sftp_file_free(f);
    }
}

static void test_bad_handles(gossh_client *c, gossh_sftp *s) {
    gossh_error *e = NULL;
    gossh_sftp_attrs a;
    gossh_sftp *bad = (gossh_sftp *)(uintptr_t)0x7fff0001;
    WANT(gossh_sftp_stat(NULL, "x", T, &a, &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_stat(bad, "x", T, &a, &e), e, GOSSH_E_BADHANDLE);
    e = NULL;
    WANT(gossh_sftp_stat((gossh_sftp *)c, "x", T, &a, &e), e, GOSSH_E_BADHANDLE);
    e = NULL;
    WANT(gossh_sftp_stat(s, NULL, T, &a, &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_stat(s, rdir, T, NULL, &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_stat(s, rdir, -2, &a, &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_stat(s, rdir, 0, &a, &e), e, GOSSH_E_TIMEOUT);
    e = NULL;
    WANT(gossh_client_open_sftp(NULL, T, NULL, &e), e, GOSSH_E_INVALID);
    gossh_sftp *s2 = NULL;
    e = NULL;
    WANT(gossh_client_open_sftp((gossh_client *)s, T, &s2, &e), e, GOSSH_E_BADHANDLE);
    e = NULL;
    WANT(gossh_sftp_rename(s, NULL, "x", 0, T, &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_get(s, NULL, "x", 0, NULL, NULL, T, NULL, &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_put(s, "x", NULL, 0, NULL, NULL, T, NULL, &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_readlink(s, "x", T, NULL, &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_set(s, NULL, "1", &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_info(bad, "version", NULL, &e), e, GOSSH_E_INVALID);
    char *v = NULL;
    e = NULL;
    WANT(gossh_sftp_info(bad, "version", &v, &e), e, GOSSH_E_BADHANDLE);
    e = NULL;
    WANT(gossh_sftp_close(bad, &e), e, GOSSH_E_BADHANDLE);
    gossh_sftp_file *bf = (gossh_sftp_file *)s;
    char buf[8];
    size_t n;
    e = NULL;
    WANT(gossh_sftp_file_read(bf, buf, 8, T, &n, &e), e, GOSSH_E_BADHANDLE);
    e = NULL;
    WANT(gossh_sftp_file_read(NULL, buf, 8, T, &n, &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_file_write(bf, buf, 8, T, &n, &e), e, GOSSH_E_BADHANDLE);
    e = NULL;
    WANT(gossh_sftp_file_close(bf, -1, &e), e, GOSSH_E_BADHANDLE);
    e = NULL;
    WANT(gossh_sftp_file_seek(bf, 0, 0, T, NULL, &e), e, GOSSH_E_BADHANDLE);
    gossh_sftp_entry ent[1];
    e = NULL;
    WANT(gossh_sftp_dir_read((gossh_sftp_dir *)s, ent, 1, T, &n, &e), e, GOSSH_E_BADHANDLE);
    e = NULL;
    WANT(gossh_sftp_dir_read(NULL, ent, 1, T, &n, &e), e, GOSSH_E_INVALID);
    gossh_sftp_dir *d = NULL;
    OK(gossh_sftp_opendir(s, rdir, T, &d, E));
    e = NULL;
    WANT(gossh_sftp_dir_read(d, ent, 0, T, &n, &e), e, GOSSH_E_INVALID);
    e = NULL;
    WANT(gossh_sftp_dir_read(d, NULL, 1, T, &n, &e), e, GOSSH_E_INVALID);
    gossh_sftp_dir_free(d);
    /* frees of bad and wrong handles are no-ops */
    gossh_sftp_free(NULL);
    gossh_sftp_free(bad);
    gossh_sftp_file_free((gossh_sftp_file *)c);
    gossh_sftp_dir_free(NULL);
    /* a not-connected client */
    gossh_client *nc = NULL;
    gossh_client_new(&nc, NULL);
    e = NULL;
    WANT(gossh_client_open_sftp(nc, T, &s2, &e), e, GOSSH_E_NOT_CONNECTED);
    gossh_client_free(nc);
    CHECK(strcmp(gossh_code_name(GOSSH_E_SFTP), "GOSSH_E_SFTP") == 0 &&
              strcmp(gossh_code_name(GOSSH_E_CANCELLED), "GOSSH_E_CANCELLED") == 0 &&
              strcmp(gossh_code_name(-19), "GOSSH_E_UNKNOWN") == 0,
          "code names");
}

/* Files and directories of a closed session fail with GOSSH_E_CLOSED. */
static void test_session_close(gossh_client *c) {
    gossh_sftp *s = open_sftp(c);
    if (!s) return;
    gossh_sftp_file *f = NULL;
    OK(gossh_sftp_open(s, rpath("closing"), GOSSH_SFTP_WRITE | GOSSH_SFTP_CREAT, 0644, T, &f, E));
    gossh_sftp_dir *d = NULL;
    OK(gossh_sftp_opendir(s, rdir, T, &d, E));
    OK(gossh_sftp_close(s, E));
    OK(gossh_sftp_close(s, E));
    gossh_error *e = NULL;
    WANT(gossh_sftp_file_write(f, "x", 1, T, NULL, &e), e, GOSSH_E_CLOSED);
    gossh_sftp_entry ent[1];
    size_t n;
    e = NULL;
    WANT(gossh_sftp_dir_read(d, ent, 1, T, &n, &e), e, GOSSH_E_CLOSED);
    gossh_sftp_file_free(f);
    gossh_sftp_dir_free(d);
    gossh_sftp_free(s);
}

/* ------------------------------------------------------------ full disk -- */

/* Removes every file in dir (the full-disk tmpfs holds no directories). */
static void empty_dir(gossh_sftp *s, const char *dir) {
    gossh_sftp_dir *d = NULL;
    OK(gossh_sftp_opendir(s, dir, T, &d, E));
    gossh_sftp_entry ents[64];
    memset(ents, 0, sizeof ents);
    for (;;) {
        size_t n = 0;
        gossh_error *e = NULL;
        if (!d || gossh_sftp_dir_read(d, ents, 64, T, &n, &e) != 0 || n == 0) {
            gossh_error_free(e);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            char p[700];
            snprintf(p, sizeof p, "%s/%s", dir, ents[i].name);
            OK(gossh_sftp_remove(s, p, T, E));
        }
        gossh_sftp_entries_free(ents, n);
    }
    gossh_sftp_dir_free(d);
}

/* A full-disk error: GOSSH_E_SFTP, errno_name ENOSPC, the path, the words. */
static void want_enospc(int line, int rc, gossh_error *e, const char *path) {
    const char *en = e ? gossh_error_detail(e, "errno_name") : NULL;
    const char *p = e ? gossh_error_detail(e, "path") : NULL;
    if (rc == GOSSH_E_SFTP && en && strcmp(en, "ENOSPC") == 0 && p && strcmp(p, path) == 0 &&
        strstr(msg(e), "no space left on device")) {
        passed++;
    } else {
        failed++;
        printf("FAIL line %d: rc %d (%s) errno_name %s path %s, want GOSSH_E_SFTP ENOSPC %s: %s\n",
               line, rc, gossh_code_name(rc), en ? en : "(none)", p ? p : "(none)", path, msg(e));
    }
    gossh_error_free(e);
}

/* The remote file after a failed transfer of want (wlen bytes): shorter
 * than wlen (or gone) and, byte for byte, a prefix of want. */
static void want_prefix(int line, gossh_sftp *s, const char *path, const unsigned char *want,
                        size_t wlen) {
    gossh_sftp_attrs a;
    gossh_error *e = NULL;
    if (gossh_sftp_stat(s, path, T, &a, &e) != 0) {
        const char *en = e ? gossh_error_detail(e, "errno_name") : NULL;
        CHECK(en && strcmp(en, "ENOENT") == 0, "line %d: stat %s: %s", line, path, msg(e));
        gossh_error_free(e);
        return;
    }
    if (a.size >= wlen) {
        CHECK(0, "line %d: %s is %llu bytes after a failed transfer of %zu", line, path,
              (unsigned long long)a.size, wlen);
        return;
    }
    gossh_sftp_file *f = NULL;
    OK(gossh_sftp_open(s, path, GOSSH_SFTP_READ, 0, T, &f, E));
    if (!f) return;
    unsigned char *got = malloc(a.size + 1);
    size_t total = 0, n = 1;
    while (n > 0 && total <= a.size) {
        gossh_error *re = NULL;
        if (gossh_sftp_file_read(f, got + total, a.size + 1 - total, T, &n, &re) != 0) {
            CHECK(0, "line %d: read %s: %s", line, path, msg(re));
            gossh_error_free(re);
            break;
        }
        total += n;
    }
    CHECK(total == a.size && memcmp(got, want, total) == 0,
          "line %d: %s: %zu bytes read of %llu, or not a prefix of the data (a hole)", line, path, total,
          (unsigned long long)a.size);
    free(got);
    OK(gossh_sftp_file_close(f, T, E));
    gossh_sftp_file_free(f);
}

/* The second sshd's disk (GOSSH_TEST_FULL_DIR) is a 1 MiB tmpfs: a put or
 * writes past it fail with ENOSPC, never reported as success, dozens of
 * times, and the session stays usable. */
static void test_full_disk(void) {
    const char *why = getenv("GOSSH_TEST_FULL_WHY");
    const char *fport = getenv("GOSSH_TEST_FULL_PORT"), *fdir = getenv("GOSSH_TEST_FULL_DIR");
    const char *fkh = getenv("GOSSH_TEST_FULL_KNOWN_HOSTS"), *fsize = getenv("GOSSH_TEST_FULL_SIZE");
    if (why || !fport || !fdir || !fkh || !fsize) {
        printf("test_sftp: full-disk tests skipped: %s\n", why ? why : "no GOSSH_TEST_FULL_* (old harness)");
        return;
    }
    size_t size = (size_t)strtoull(fsize, NULL, 10), len = 2 * size;
    gossh_options *o = test_options("id_ed25519");
    gossh_options_set(o, "port", fport, NULL);
    gossh_client *c = NULL;
    gossh_client_new(&c, NULL);
    OK(gossh_client_load_host_keys(c, fkh, E));
    OK(gossh_client_connect(c, o, E));
    gossh_options_free(o);
    gossh_sftp *s = open_sftp(c);
    if (!s) {
        gossh_client_free(c);
        return;
    }
    empty_dir(s, fdir);
    write_random(lpath("full-src"), len);
    unsigned char *data = malloc(len);
    FILE *lf = fopen(lpath("full-src"), "rb");
    CHECK(lf && fread(data, 1, len, lf) == len, "read full-src");
    if (lf) fclose(lf);
    char remote[700];
    for (int i = 0; i < 30; i++) {
        snprintf(remote, sizeof remote, "%s/put-%d", fdir, i);
        uint64_t moved = 0;
        gossh_error *e = NULL;
        int rc = gossh_sftp_put(s, lpath("full-src"), remote, 0, NULL, NULL, T, &moved, &e);
        want_enospc(__LINE__, rc, e, remote);
        want_prefix(__LINE__, s, remote, data, len);
        gossh_sftp_attrs a;
        OK(gossh_sftp_stat(s, fdir, T, &a, E)); /* the session still works */
        gossh_error *re = NULL;
        gossh_sftp_remove(s, remote, T, &re); /* may be gone already */
        gossh_error_free(re);
    }
    /* A write loop: the failure surfaces at a write, the flush or the close. */
    for (int i = 0; i < 8; i++) {
        snprintf(remote, sizeof remote, "%s/write-%d", fdir, i);
        gossh_sftp_file *f = NULL;
        OK(gossh_sftp_open(s, remote, GOSSH_SFTP_WRITE | GOSSH_SFTP_CREAT | GOSSH_SFTP_TRUNC, 0644, T,
                           &f, E));
        if (!f) break;
        gossh_error *e = NULL;
        int rc = 0;
        for (size_t off = 0; off < len && rc == 0; off += 65536) {
            size_t w = 0;
            rc = gossh_sftp_file_write(f, data + off, 65536, T, &w, &e);
        }
        if (rc == 0) rc = gossh_sftp_file_flush(f, T, &e);
        gossh_error *ce = NULL;
        int crc = gossh_sftp_file_close(f, T, &ce);
        if (rc == 0) {
            rc = crc;
            e = ce;
        } else {
            gossh_error_free(ce);
        }
        gossh_sftp_file_free(f);
        want_enospc(__LINE__, rc, e, remote);
        want_prefix(__LINE__, s, remote, data, len);
        OK(gossh_sftp_remove(s, remote, T, E));
    }
    empty_dir(s, fdir);
    free(data);
    gossh_sftp_free(s);
    gossh_client_free(c);
}

int main(void) {
    test_server_from_env();
    gossh_client *c = connected_to(NULL);
    if (!c) return summary("test_sftp");
    gossh_sftp *s = open_sftp(c);
    if (!s) return summary("test_sftp");
    char *home = NULL;
    OK(gossh_sftp_info(s, "home", &home, E));
    snprintf(rdir, sizeof rdir, "%s/gossh-c-sftp-%d", home ? home : "/tmp", (int)getpid());
    gossh_free(home);
    OK(gossh_sftp_mkdir(s, rdir, 0755, T, E));
    snprintf(ldir, sizeof ldir, "/tmp/gossh-c-sftp-local-XXXXXX");
    CHECK(mkdtemp(ldir) != NULL, "mkdtemp");

    test_info(s);
    test_paths(s);
    test_files(s);
    test_permission_denied(s);
    test_transfers(s);
    test_dirs(s);
    test_concurrent(s);
    test_pending(s);
    test_bad_handles(c, s);
    test_session_close(c);
    test_close_from_thread();
    test_full_disk();
    if (!getenv("GOSSH_TEST_SFTP_NO_FAULTS")) test_faults();

    gossh_sftp_free(s);
    s = open_sftp(c);
    if (s) OK(gossh_sftp_rmtree(s, rdir, T, E));
    gossh_sftp_free(s);
    gossh_client_free(c);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", ldir);
    if (system(cmd) != 0) printf("cannot remove %s\n", ldir);
    return summary("test_sftp");
}
