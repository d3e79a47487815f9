/* The fan-out struct of include/gossh.h, for capi's cgo preambles (which
 * cannot include gossh.h: it declares the exports with handle types where
 * cgo declares uintptr_t). It must stay the header's text:
 * capi/group_types_test.go compares the two definitions, and
 * tests/c/test_group.c checks the size. */
#ifndef GOSSH_CAPI_GROUP_TYPES_H
#define GOSSH_CAPI_GROUP_TYPES_H
#include <stdint.h>
#include <stddef.h>

typedef struct gossh_group_result_info {
    size_t size;
    size_t index;
    int code;
    int exit_status;
    int reused;
    int reserved;
    int64_t connect_us;
    int64_t run_us;
    uint64_t transferred;
    const char *name;
    const char *exit_signal;
    const uint8_t *stdout_data;
    size_t stdout_len;
    const uint8_t *stderr_data;
    size_t stderr_len;
    const char *error_message;
    const char *const *error_details;
    size_t error_ndetails;
} gossh_group_result_info;

#endif
