// Go's runtime asks pthread_getattr_np for the calling thread's stack on
// every call from C whose stack pointer lies outside the bounds it knows
// (runtime/cgo, x_cgo_getstackbound). Node's FFI (koffi) runs each call on
// a stack of its own, so for Node that is every call; and glibc answers
// for the main thread by reading /proc/self/maps: ~100 us a call, where the
// call itself takes one. Go uses the answer only when it contains the
// stack pointer, which koffi's stack never does.
//
// So libgossh carries its own pthread_getattr_np, hidden (the version
// script exports only gossh_*; hidden visibility binds the runtime's call
// here at link time, and nothing outside libgossh sees it): glibc's answer
// is asked once per thread and kept, as a stack's bounds do not move. Only
// the stack is filled in, which is all the runtime reads.
#define _GNU_SOURCE
#include <features.h> // defines __GLIBC__
#if defined(__linux__) && defined(__GLIBC__)
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

static __thread int known;
static __thread void *stack_addr;
static __thread size_t stack_size;

__attribute__((visibility("hidden")))
int pthread_getattr_np(pthread_t th, pthread_attr_t *attr) {
    static int (*real)(pthread_t, pthread_attr_t *);
    if (!real) {
        real = (int (*)(pthread_t, pthread_attr_t *))dlsym(RTLD_NEXT, "pthread_getattr_np");
        if (!real) return -1;
    }
    if (!pthread_equal(th, pthread_self())) return real(th, attr);
    if (!known) {
        pthread_attr_t a;
        int rc = real(th, &a);
        if (rc != 0) return rc;
        rc = pthread_attr_getstack(&a, &stack_addr, &stack_size);
        pthread_attr_destroy(&a);
        if (rc != 0) return rc;
        known = 1;
    }
    return pthread_attr_setstack(attr, stack_addr, stack_size);
}
#endif
