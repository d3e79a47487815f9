package core

import "sync"

// Pending is a call that opens a channel (a session start, a direct-tcpip
// open), run in the background for an event-loop binding: such a binding
// must not hold a thread per call that waits on the server (Node's pool has
// four, so a hundred concurrent execs took 25 round trips one after
// another), and it waits on the process's readiness pipe instead
// (events.go). When the call has returned, the pipe gets the token given to
// Start, once; Result then hands over what it returned.
type Pending struct {
	mu      sync.Mutex
	done    bool
	taken   bool
	dropped bool
	ch      *Channel
	err     error
}

// NewPending makes a Pending that has not started. The readiness pipe is
// made now if it does not exist yet, so that Start cannot fail.
func NewPending() (*Pending, error) {
	if err := events.open(); err != nil {
		return nil, err
	}
	return &Pending{}, nil
}

// Start runs open on a goroutine of its own and posts token (nonzero: e.g.
// the binding's handle value) to the readiness pipe when it has returned.
// Call it once.
func (p *Pending) Start(token uint64, open func() (*Channel, error)) {
	goSafe(nil, "a background channel open", func() {
		ch, err := open()
		p.finish(token, ch, err)
	}, func(e *Error) { p.finish(token, nil, e) })
}

// finish records the call's result and posts token, or closes the channel
// of a Pending that was dropped meanwhile.
func (p *Pending) finish(token uint64, ch *Channel, err error) {
	p.mu.Lock()
	if p.dropped {
		p.mu.Unlock()
		if ch != nil {
			ch.Release()
		}
		return
	}
	p.done, p.ch, p.err = true, ch, err
	p.mu.Unlock()
	events.post(token)
}

// Result returns the channel the call opened, or its error, once: KindTimeout
// while the call runs (its record has not been posted yet), and a KindInvalid
// error after it was taken.
func (p *Pending) Result() (*Channel, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case !p.done:
		return nil, newError(KindTimeout, nil, "the call has not finished yet")
	case p.taken:
		return nil, InvalidArgument("the result was already taken")
	}
	p.taken = true
	ch, err := p.ch, p.err
	p.ch = nil
	return ch, err
}

// Drop abandons the call: a channel it opens, or opened and nobody took, is
// closed and released. The call itself is not cut short (it ends as it
// would: with the server's answer, its timeout or the client's close).
func (p *Pending) Drop() {
	p.mu.Lock()
	p.dropped = true
	ch := p.ch
	p.ch = nil
	p.mu.Unlock()
	if ch != nil {
		ch.Release()
	}
}
