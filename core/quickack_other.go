//go:build !linux

package core

import "net"

// quickAcker is Linux-only (TCP_QUICKACK); elsewhere ACKs are left as they are.
func quickAcker(net.Conn) func() { return nil }
