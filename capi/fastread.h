// The read rings' table (fastread.c), for the Go side of libgossh.
#ifndef GOSSH_FASTREAD_H
#define GOSSH_FASTREAD_H
#include <stdint.h>

// gosshi_ring_share lets C readers of ch's stream read ring without Go.
void gosshi_ring_share(uintptr_t ch, int stream, void *ring);

// gosshi_ring_retire takes ring out of the table and returns once no C
// reader uses it: the library may unmap it then.
void gosshi_ring_retire(void *ring);

#endif
