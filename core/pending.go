package core

import "sync"

// Pending is a call that waits on the server (a connect, a session start, a
// direct-tcpip open), run in the background for an event-loop binding: such a binding
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
	ended   chan struct{} // StartCall's: closed when the call has returned
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
// open returns the channel it opened, or nil (a connect) and its error.
// Call it once.
func (p *Pending) Start(token uint64, open func() (*Channel, error)) {
	goSafe(nil, "a background channel open", func() {
		ch, err := open()
		p.finish(token, ch, err)
	}, func(e *Error) { p.finish(token, nil, e) })
}

// StartCall runs call, a call that opens no channel, on a goroutine of its
// own and posts token when it has returned, as Start does. For a call that
// writes into its caller's memory (a C export's out-parameters): Drop
// waits for it to return, so that nothing is written after the caller was
// told it may free that memory. Call it once, instead of Start.
func (p *Pending) StartCall(token uint64, call func() error) {
	p.ended = make(chan struct{})
	p.Start(token, func() (*Channel, error) {
		defer close(p.ended)
		return nil, call()
	})
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

// Result reports whether the call has returned (done) and, once it has,
// hands over the channel it opened (nil for a call that opens none) or its
// error, once: a second take is a KindInvalid error. Before the call has
// returned: nil, false, nil (its own error may well be a KindTimeout, so
// "not yet" is not one).
func (p *Pending) Result() (ch *Channel, done bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case !p.done:
		return nil, false, nil
	case p.taken:
		return nil, true, InvalidArgument("the result was already taken")
	}
	p.taken = true
	ch, err = p.ch, p.err
	p.ch = nil
	return ch, true, err
}

// Drop abandons the call: a channel it opens, or opened and nobody took, is
// closed and released. The call itself is not cut short (it ends as it
// would: with the server's answer, its timeout or the client's close); one
// started by StartCall is waited for.
func (p *Pending) Drop() {
	p.mu.Lock()
	p.dropped = true
	ch := p.ch
	p.ch = nil
	p.mu.Unlock()
	if p.ended != nil {
		<-p.ended
	}
	if ch != nil {
		ch.Release()
	}
}
