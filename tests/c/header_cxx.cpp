// Compiles include/gossh.h as C++ and calls through it, so the header stays
// usable from C++ (extern "C", no C-only constructs).
#include "gossh.h"

#include <cstdio>
#include <string>

int main() {
    const char *v = nullptr;
    int n = gossh_version(&v);
    gossh_client *c = nullptr;
    gossh_error *err = nullptr;
    if (gossh_client_new(&c, &err) != GOSSH_OK) return 1;
    gossh_session_spec *spec = nullptr;
    if (gossh_session_spec_new(&spec, &err) != GOSSH_OK) return 1;
    if (gossh_session_spec_set(spec, "command", "true", &err) != GOSSH_OK) return 1;
    gossh_session_spec_free(spec);
    int efd = -1;
    if (gossh_events_fd(&efd, nullptr) != GOSSH_OK || efd < 0) return 1;
    gossh_client_free(c);
    const std::string auth = gossh_code_name(GOSSH_E_AUTH);
    std::printf("C++: libgossh %s (%d), %s\n", v, n, auth.c_str());
    return n == GOSSH_VERSION_NUMBER && auth == "GOSSH_E_AUTH" ? 0 : 1;
}
