/* The SFTP structs of include/gossh.h, for capi's cgo preambles (which
 * cannot include gossh.h: it declares the exports with handle types where
 * cgo declares uintptr_t). The layout must stay the header's: the sizes are
 * checked here and in tests/c/test_sftp.c. */
#ifndef GOSSH_CAPI_SFTP_TYPES_H
#define GOSSH_CAPI_SFTP_TYPES_H
#include <stdint.h>
#include <stddef.h>

typedef struct gossh_sftp_attrs {
    uint32_t flags;
    uint32_t mode;
    uint64_t size;
    uint32_t uid;
    uint32_t gid;
    int64_t atime;
    int64_t mtime;
} gossh_sftp_attrs;

typedef struct gossh_sftp_entry {
    char *name;
    char *longname;
    gossh_sftp_attrs attrs;
} gossh_sftp_entry;

typedef struct gossh_sftp_statvfs_t {
    uint64_t bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag,
        namemax;
} gossh_sftp_statvfs_t;

_Static_assert(sizeof(gossh_sftp_attrs) == 40, "gossh_sftp_attrs layout");
_Static_assert(sizeof(gossh_sftp_entry) == 56, "gossh_sftp_entry layout");
_Static_assert(sizeof(gossh_sftp_statvfs_t) == 88, "gossh_sftp_statvfs_t layout");

typedef int (*gossh_progress_cb)(uint64_t done, uint64_t total, void *userdata);

static inline int gossh_call_progress_cb(uintptr_t cb, uint64_t done, uint64_t total,
                                         uintptr_t userdata) {
    return ((gossh_progress_cb)cb)(done, total, (void *)userdata);
}
#endif
