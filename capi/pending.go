package main

/*
#include <stdint.h>
*/
import "C"

import (
	"github.com/gossh/gossh/core"
)

// In the background (core/pending.go): a connect or a channel open runs on a
// goroutine and its gossh_pending handle's value is written to the readiness
// pipe when it has returned; gossh_pending_take then gives its channel (none
// for a connect) or its error.

// A call is prepared on the caller's thread (its arguments checked and
// copied) and then run: at once by the blocking export, in the background
// by its _pending twin. One prepare per call keeps both to the same checks.
type prepared func(*core.Client) (func() (*core.Channel, error), error)

// runNow runs a prepared call that opens nothing (a connect) for clientCall.
func runNow(prepare prepared) func(*core.Client) error {
	return func(c *core.Client) error {
		run, err := prepare(c)
		if err != nil {
			return err
		}
		_, err = run()
		return err
	}
}

// openNow runs a prepared call that opens a channel, for channelOut.
func openNow(prepare prepared) func(*core.Client) (*core.Channel, error) {
	return func(c *core.Client) (*core.Channel, error) {
		run, err := prepare(c)
		if err != nil {
			return nil, err
		}
		return run()
	}
}

// optionsCopy is the Config of the options handle opts, a copy: the caller
// may free opts once the export returns, before a background call has run.
func optionsCopy(opts C.uintptr_t) (*core.Config, error) {
	o, err := getOptions(opts)
	if err != nil {
		return nil, err
	}
	return o.Config(), nil
}

func prepareConnect(opts C.uintptr_t) prepared {
	return func(c *core.Client) (func() (*core.Channel, error), error) {
		cfg, err := optionsCopy(opts)
		if err != nil {
			return nil, err
		}
		return func() (*core.Channel, error) { return nil, c.Connect(cfg) }, nil
	}
}

// prepareConnectFD duplicates fd at once, on the caller's thread: the
// caller may close its fd as soon as the export returns, before the
// connect has run.
func prepareConnectFD(fd C.int, opts C.uintptr_t) prepared {
	return func(c *core.Client) (func() (*core.Channel, error), error) {
		cfg, err := optionsCopy(opts)
		if err != nil {
			return nil, err
		}
		conn, err := core.FDConn(int(fd))
		if err != nil {
			return nil, err
		}
		return func() (*core.Channel, error) { return nil, c.ConnectConn(conn, cfg) }, nil
	}
}

func prepareConnectVia(via, opts C.uintptr_t) prepared {
	return func(c *core.Client) (func() (*core.Channel, error), error) {
		v, err := getClient(via)
		if err != nil {
			return nil, err
		}
		if v == c {
			return nil, core.InvalidArgument("a client cannot connect through itself")
		}
		cfg, err := optionsCopy(opts)
		if err != nil {
			return nil, err
		}
		return func() (*core.Channel, error) { return nil, c.ConnectVia(v, cfg) }, nil
	}
}

func prepareStart(spec C.uintptr_t) prepared {
	return func(c *core.Client) (func() (*core.Channel, error), error) {
		s, err := getSessionSpec(spec)
		if err != nil {
			return nil, err
		}
		sp := s.Spec() // a copy: the caller may free spec once the export returns
		return func() (*core.Channel, error) { return c.Start(sp) }, nil
	}
}

// prepareDirectTCPIP: dest_host was checked non-NULL by the export.
func prepareDirectTCPIP(destHost *C.char, destPort C.int, srcHost *C.char, srcPort C.int, timeoutMs C.int) prepared {
	dh, sh := C.GoString(destHost), cString(srcHost)
	return func(c *core.Client) (func() (*core.Channel, error), error) {
		timeout, err := timeoutArg(timeoutMs)
		if err != nil {
			return nil, err
		}
		return func() (*core.Channel, error) {
			return c.OpenDirectTCPIP(dh, int(destPort), sh, int(srcPort), timeout)
		}, nil
	}
}

// pendingOut starts open (made by prepare, which checks the arguments and
// runs on the caller's thread) and returns its handle in *out.
func pendingOut(h C.uintptr_t, out *C.uintptr_t, errOut *C.uintptr_t, prepare prepared) C.int {
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = 0
	return clientCall(h, errOut, func(c *core.Client) error {
		// The pending first: a prepare may take something (connect_fd's
		// duplicate) that only the started call gives back.
		p, err := core.NewPending()
		if err != nil {
			return err
		}
		open, err := prepare(c)
		if err != nil {
			return err
		}
		ph := putHandle(kindPending, p)
		p.Start(uint64(ph), open)
		*out = ph
		return nil
	})
}

//export gossh_client_start_pending
func gossh_client_start_pending(h C.uintptr_t, spec C.uintptr_t, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return pendingOut(h, out, errOut, prepareStart(spec))
}

//export gossh_client_open_direct_tcpip_pending
func gossh_client_open_direct_tcpip_pending(h C.uintptr_t, destHost *C.char, destPort C.int, srcHost *C.char, srcPort C.int, timeoutMs C.int, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if destHost == nil {
		return finish(core.InvalidArgument("dest_host is NULL"), errOut)
	}
	return pendingOut(h, out, errOut, prepareDirectTCPIP(destHost, destPort, srcHost, srcPort, timeoutMs))
}

//export gossh_pending_take
func gossh_pending_take(h C.uintptr_t, done *C.int, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if done == nil || out == nil {
		return finish(core.InvalidArgument("done or out is NULL"), errOut)
	}
	*done, *out = 0, 0
	return with(h, kindPending, errOut, func(p *core.Pending) error {
		ch, finished, err := p.Result()
		if finished {
			*done = 1
		}
		if err == nil && ch != nil { // a connect gives no channel
			ch.SetThreadWaits(true) // as channelOut: a C caller's thread waits in the kernel
			*out = putHandle(kindChannel, ch)
		}
		return err
	})
}

//export gossh_pending_free
func gossh_pending_free(h C.uintptr_t) {
	defer guardVoid()
	if o := dropHandle(h, kindPending); o != nil {
		o.(*core.Pending).Drop()
	}
}

//export gossh_client_connect_pending
func gossh_client_connect_pending(h C.uintptr_t, opts C.uintptr_t, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return pendingOut(h, out, errOut, prepareConnect(opts))
}

//export gossh_client_connect_fd_pending
func gossh_client_connect_fd_pending(h C.uintptr_t, fd C.int, opts C.uintptr_t, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return pendingOut(h, out, errOut, prepareConnectFD(fd, opts))
}

//export gossh_client_connect_via_pending
func gossh_client_connect_via_pending(h C.uintptr_t, via C.uintptr_t, opts C.uintptr_t, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return pendingOut(h, out, errOut, prepareConnectVia(via, opts))
}
