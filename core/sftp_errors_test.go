package core

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/pkg/sftp"
)

// A request whose connection is gone is KindClosed, not a protocol error:
// pkg/sftp wraps the transport's error ("failed to send packet: write:
// broken pipe" when the socket was reset under a write).
func TestTransportLost(t *testing.T) {
	lost := []error{
		io.EOF, io.ErrUnexpectedEOF, io.ErrClosedPipe, net.ErrClosed,
		fmt.Errorf("failed to send packet: %w", os.NewSyscallError("write", syscall.EPIPE)),
		fmt.Errorf("failed to send packet: %w", &net.OpError{Op: "write", Err: os.NewSyscallError("write", syscall.ECONNRESET)}),
		errors.New("sftp: connection lost"),
	}
	for _, err := range lost {
		if !transportLost(err) {
			t.Errorf("transportLost(%q) = false", err)
		}
	}
	kept := []error{
		&sftp.StatusError{Code: 4},
		errors.New("sftp: packet too long"),
		os.NewSyscallError("write", syscall.ENOSPC),
	}
	for _, err := range kept {
		if transportLost(err) {
			t.Errorf("transportLost(%q) = true", err)
		}
	}
}
