package core

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawIO reads and writes a connected socket with raw system calls, so that
// the calling goroutine keeps its P through the call instead of entering the
// runtime's syscall state.
//
// Why: libgossh runs one P (LeaveOneCPU). A socket read of 256 KiB (the
// transport's bulk buffer) takes 20-50 µs, long enough for the runtime's
// sysmon to see the only P "in a syscall" on two of its ticks, take it and
// hand it to another thread (a context switch or two), and entering a
// syscall wakes a sysmon that had gone to deep sleep. On a bulk stream that
// kept sysmon ticking every 20 µs and moving the P between threads: half of
// a Go client's context switches. A call that cannot block gains nothing
// from the syscall state, and these cannot: MSG_DONTWAIT makes each one
// non-blocking whatever the descriptor's mode (a caller's socket may have
// been made blocking behind our back). The waits for readiness stay the
// runtime's (syscall.RawConn parks in the netpoller), so deadlines and Close
// behave as with net.Conn. Writes also pass MSG_NOSIGNAL: a peer that has
// gone is an EPIPE error, never a SIGPIPE.
//
// Measured, 1 GiB exec stdout from OpenSSH, gossh-bench-go, interleaved
// (CHANGELOG): context switches 38-50k -> 17-20k, CPU per GiB 1.93-2.03 ->
// 1.43-1.61 s.
type rawIO struct{ rc syscall.RawConn }

// newRawIO returns a rawIO for c when it is a TCP or Unix stream socket,
// else nil (the caller then uses c's own Read and Write).
func newRawIO(c net.Conn) *rawIO {
	var sc syscall.Conn
	switch c := c.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		sc = c
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	stream := false
	if rc.Control(func(fd uintptr) {
		t, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TYPE)
		stream = err == nil && t == syscall.SOCK_STREAM
	}) != nil || !stream {
		return nil // unixgram or unixpacket: not a byte stream
	}
	return &rawIO{rc: rc}
}

// read reads as net.Conn.Read does: at least one byte, io.EOF at the peer's
// end, or an error.
func (r *rawIO) read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	var n int
	var errno syscall.Errno
	err := r.rc.Read(func(fd uintptr) bool {
		for {
			r1, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd,
				uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), syscall.MSG_DONTWAIT, 0, 0)
			switch e {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false // wait for readiness, then call again
			}
			n, errno = int(r1), e
			return true
		}
	})
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, os.NewSyscallError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// write writes all of b as net.Conn.Write does, or returns the count
// written with an error.
func (r *rawIO) write(b []byte) (int, error) {
	done := 0
	var errno syscall.Errno
	err := r.rc.Write(func(fd uintptr) bool {
		for done < len(b) {
			r1, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd,
				uintptr(unsafe.Pointer(&b[done])), uintptr(len(b)-done),
				syscall.MSG_DONTWAIT|syscall.MSG_NOSIGNAL, 0, 0)
			switch e {
			case 0:
				done += int(r1)
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false // wait for room, then call again
			default:
				errno = e
				return true
			}
		}
		return true
	})
	if err == nil && errno != 0 {
		err = os.NewSyscallError("write", errno)
	}
	return done, err
}
