package core

import (
	"syscall"
	"unsafe"
)

// readyPipe backs Channel.Fileno: a pipe whose read end is readable exactly
// when the channel has stdout data or has ended, so select, poll and event
// loops (asyncio's add_reader) can wait on a channel as paramiko's fileno()
// allows.
type readyPipe struct {
	r, w     int
	signaled bool
}

func newReadyPipe() (*readyPipe, error) {
	r, w, err := pipe2()
	if err != nil {
		return nil, newError(KindIO, err, "cannot create a pipe for fileno: %v", err)
	}
	return &readyPipe{r: r, w: w}, nil
}

// pipe2 makes a non-blocking, close-on-exec pipe: the kind that fileno and
// the readiness event pipe (events.go) hand to event loops.
func pipe2() (r, w int, err error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		return -1, -1, err
	}
	return fds[0], fds[1], nil
}

// set makes the read end readable (true) or not (false).
func (p *readyPipe) set(ready bool) {
	if ready == p.signaled {
		return
	}
	var b [1]byte
	if ready {
		nbWrite(p.w, b[:])
	} else {
		nbRead(p.r, b[:])
	}
	p.signaled = ready
}

// nbWrite and nbRead write and read a non-blocking descriptor (the pipes
// of fileno and of the readiness events) as raw system calls: they cannot
// block, and the runtime's syscall state only cost them. Entering it wakes
// a sysmon that sleeps, and with one P it leaves the P in that state while
// the data's wake reaches the binding, whose thread calling in then found
// no P free and was handed one through the scheduler: four context switches
// and 0.1-0.3 ms on the path of a one-byte wake in Node. They retry on
// EINTR and return the count and the error (EAGAIN when full or empty).
func nbWrite(fd int, b []byte) (int, syscall.Errno) { return nbCall(syscall.SYS_WRITE, fd, b) }

func nbRead(fd int, b []byte) (int, syscall.Errno) { return nbCall(syscall.SYS_READ, fd, b) }

func nbCall(trap uintptr, fd int, b []byte) (int, syscall.Errno) {
	for {
		n, _, e := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if e != syscall.EINTR {
			return int(n), e
		}
	}
}

func (p *readyPipe) close() {
	syscall.Close(p.r)
	syscall.Close(p.w)
}

// Fileno returns a file descriptor that is readable when Read(Stdout) would
// not block. It stays valid, and readable once the channel is closed, until
// Release; the caller must not close it.
func (ch *Channel) Fileno() (int, error) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.closeErr != nil {
		return -1, ch.closeErr
	}
	if ch.ready == nil {
		p, err := newReadyPipe()
		if err != nil {
			return -1, err
		}
		ch.ready = p
		p.set(ch.streams[Stdout].buf.Len() > 0 || ch.ended(Stdout))
		ch.publishRings() // C readers of a ring must now read through Go
	}
	return ch.ready.r, nil
}
