package core

import (
	"bytes"
	"errors"
	"strconv"
	"sync"
	"time"
)

// Group runs one session spec (a command, a shell, a subsystem) on many
// hosts at once, at most PoolSize at a time, and hands out each host's
// result as that host finishes (Fabric's ThreadingGroup, parallel-ssh's
// ParallelSSHClient). Every host is checked against one shared set of host
// keys and one policy (RejectPolicy unless set otherwise), loaded once for
// the whole group. Connections are kept after a run, so a second Run reuses
// them (and reconnects a host whose connection died). All methods are safe
// for concurrent use.
type Group struct {
	mu       sync.Mutex
	opts     groupOptions
	keys     *Client // holds the shared host-key stores and the policy; never connects
	hosts    []*groupHost
	run      *groupRun
	onResult func(*GroupResult)
	onOutput func(index int, name string, stream int, data []byte)
	closed   bool
	// A watching binding's token and whether a Next that found nothing
	// armed it (events.go; Watch).
	watchToken uint64
	armed      bool
}

// groupOptions are the group's settings (Group.Set names them).
type groupOptions struct {
	poolSize       int
	stopOnErrors   bool
	connectTimeout time.Duration // each connect phase; 0: the host's own settings
	commandTimeout time.Duration // the whole session, start to exit status; 0: none
	keepConns      bool
	collectOutput  bool
}

// DefaultGroupPoolSize is the number of hosts a group works on at once
// unless pool_size says otherwise (parallel-ssh's default).
const DefaultGroupPoolSize = 10

// groupHost is one host of a group: its name, its options, a command of its
// own ("" for the run's), and the connection kept from the last run.
type groupHost struct {
	name    string
	cfg     *Config
	command string
	hasCmd  bool
	client  *Client // kept connection, or nil
}

// GroupResult is the outcome of one host in one run.
type GroupResult struct {
	Index int    // the host's index, in the order of AddHost
	Name  string // the host's name as given to AddHost
	// Err is nil when the session ran to its end and its exit status
	// arrived (whatever that status). Otherwise it is the *Error of the
	// step that failed: KindConnect, KindTimeout (detail "stage":
	// "connect"/"banner"/"auth" or "command"), KindHostKeyUnknown,
	// KindHostKeyMismatch, KindAuth, KindChannel, KindClosed, or
	// KindCancelled for a host that Cancel ended or that was never run
	// because a run with stop_on_errors stopped (detail "reason":
	// "cancelled" or "stopped").
	Err        error
	ExitStatus int    // -1 when none arrived
	ExitSignal string // the signal's name ("TERM") when the command was killed by one
	Stdout     []byte // collected output (nil when collect_output is off)
	Stderr     []byte
	Connect    time.Duration // time spent connecting (0 when reused)
	Run        time.Duration // time from the session's start to its end
	Reused     bool          // the connection of an earlier run served this one
	// Transferred is the size of the file a RunTransfer moved (0 for Run).
	Transferred uint64
}

// NewGroup returns an empty group: pool size 10, collect-all (no
// stop_on_errors), no group timeouts, connections kept, output collected,
// RejectPolicy and no host keys.
func NewGroup() *Group {
	return &Group{
		opts: groupOptions{poolSize: DefaultGroupPoolSize, keepConns: true, collectOutput: true},
		keys: NewClient(),
	}
}

// Set sets one group option from its text form:
//
//	pool_size          hosts worked on at once (>= 1)
//	stop_on_errors     a host's error stops the run: hosts not yet
//	                   started are not run (KindCancelled, reason "stopped")
//	connect_timeout_ms limit for each connect phase (TCP, banner, key
//	                   exchange and authentication), overriding a longer
//	                   or absent host setting; 0: the hosts' own
//	command_timeout_ms limit for a session from its start to its exit
//	                   status; 0: none
//	keep_connections   keep connections for the next run (default on)
//	collect_output     collect stdout/stderr in the results (default on);
//	                   off, output reaches only the output callback
//
// Options take effect at the next Run.
func (g *Group) Set(name, value string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch name {
	case "pool_size":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return InvalidArgument("group option pool_size must be a whole number >= 1")
		}
		g.opts.poolSize = n
	case "connect_timeout_ms", "command_timeout_ms":
		ms, err := strconv.ParseInt(value, 10, 64)
		if err != nil || ms < 0 || ms > int64(time.Duration(1<<62)/time.Millisecond) {
			return InvalidArgument("group option %s must be milliseconds >= 0 (0: none)", name)
		}
		if name == "connect_timeout_ms" {
			g.opts.connectTimeout = time.Duration(ms) * time.Millisecond
		} else {
			g.opts.commandTimeout = time.Duration(ms) * time.Millisecond
		}
	case "stop_on_errors", "keep_connections", "collect_output":
		b, err := parseBool(value)
		if err != nil {
			return InvalidArgument("group option %s must be a boolean", name)
		}
		switch name {
		case "stop_on_errors":
			g.opts.stopOnErrors = b
		case "keep_connections":
			g.opts.keepConns = b
		default:
			g.opts.collectOutput = b
		}
	default:
		return InvalidArgument("unknown group option %q", name)
	}
	return nil
}

// SetPolicy sets the missing-host-key policy of every host; nil means
// RejectPolicy.
func (g *Group) SetPolicy(p Policy) { g.keys.SetPolicy(p) }

// LoadHostKeys merges a known_hosts file into the group's host keys (and
// remembers it as the file AutoAddPolicy saves to), once for all hosts.
func (g *Group) LoadHostKeys(path string) error { return g.keys.LoadHostKeys(path) }

// LoadSystemHostKeys loads known_hosts entries that are never saved ("" is
// ~/.ssh/known_hosts), once for all hosts.
func (g *Group) LoadSystemHostKeys(path string) error { return g.keys.LoadSystemHostKeys(path) }

// ShareHostKeys makes the group use from's host-key stores, so that a
// group and a client see one set of host keys.
func (g *Group) ShareHostKeys(from *Client) { g.keys.ShareHostKeys(from) }

// HostKeys returns the group's own host-key store (the live store).
func (g *Group) HostKeys() *HostKeys { return g.keys.HostKeys() }

// AddHost adds a host with its own connect options (copied) under name (any
// text; duplicates are allowed) and returns its index.
func (g *Group) AddHost(name string, cfg *Config) (int, error) {
	if cfg == nil || cfg.Hostname == "" {
		return -1, InvalidArgument("group host %q: no hostname given", name)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return -1, newError(KindClosed, nil, "group is closed")
	}
	g.hosts = append(g.hosts, &groupHost{name: name, cfg: cfg.Clone()})
	return len(g.hosts) - 1, nil
}

// Len returns the number of hosts.
func (g *Group) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.hosts)
}

// SetHostCommand makes host index run command instead of the run's spec's
// (parallel-ssh's host_args, formatted by the caller); the spec's pty,
// variables and timeout still apply. An empty command with clear removes
// the override.
func (g *Group) SetHostCommand(index int, command string, clear bool) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if index < 0 || index >= len(g.hosts) {
		return InvalidArgument("group has no host %d", index)
	}
	h := g.hosts[index]
	h.command, h.hasCmd = command, !clear
	return nil
}

// OnResult sets a function called with each result as its host finishes,
// on the worker goroutine, before the result is queued for Next; nil
// removes it. It must not block for long: the worker waits for it.
func (g *Group) OnResult(f func(*GroupResult)) {
	g.mu.Lock()
	g.onResult = f
	g.mu.Unlock()
}

// OnOutput sets a function called with each chunk of output as it arrives
// (stream Stdout or Stderr), on the host's worker goroutine; data is valid
// only during the call. nil removes it. It is the streaming form for long
// commands; the host's output waits while it runs.
func (g *Group) OnOutput(f func(index int, name string, stream int, data []byte)) {
	g.mu.Lock()
	g.onOutput = f
	g.mu.Unlock()
}

// groupRun is one Run: its work queue, its results and its cancellation.
type groupRun struct {
	g          *Group
	spec       *SessionSpec   // what Run starts, or nil for a transfer
	xfer       *GroupTransfer // what RunTransfer moves
	opts       groupOptions
	hosts      []*groupHost
	onResult   func(*GroupResult)
	onOutput   func(int, string, int, []byte)
	results    chan *GroupResult
	delivered  int // results taken by Next (under g.mu)
	mu         sync.Mutex
	next       int  // the next host to start
	stopped    bool // stop_on_errors fired, or Cancel was called
	cancelled  bool
	stopReason string
	active     map[*Client]bool // connections in use, closed by Cancel
	workers    sync.WaitGroup
	done       chan struct{} // closed when every worker has ended
	drained    chan struct{} // closed when Next has handed out every result
}

// Run starts spec on every host and returns at once; Next hands out the
// results in the order the hosts finish. A run in progress refuses another
// (KindInvalid); results of a finished run not yet taken are dropped.
func (g *Group) Run(spec *SessionSpec) error {
	if spec == nil {
		return InvalidArgument("no session spec given")
	}
	if err := spec.check(); err != nil {
		return err
	}
	return g.start(spec.Clone(), nil)
}

// start starts a run of spec, or of xfer when spec is nil.
func (g *Group) start(spec *SessionSpec, xfer *GroupTransfer) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for {
		if g.closed {
			return newError(KindClosed, nil, "group is closed")
		}
		if len(g.hosts) == 0 {
			return InvalidArgument("group has no hosts")
		}
		prev := g.run
		if prev == nil {
			break
		}
		select {
		case <-prev.done:
		case <-prev.drained:
			// Every result is out: its last worker is only returning,
			// and it takes g.mu to do so (deliver's notify), so wait
			// without it; then look again (a close or another run may
			// have come meanwhile).
			g.mu.Unlock()
			<-prev.done
			g.mu.Lock()
			continue
		default:
			return InvalidArgument("group is already running; wait for its results or cancel it")
		}
		break
	}
	r := &groupRun{
		g: g, spec: spec, xfer: xfer, opts: g.opts, hosts: append([]*groupHost(nil), g.hosts...),
		onResult: g.onResult, onOutput: g.onOutput,
		results: make(chan *GroupResult, len(g.hosts)),
		active:  map[*Client]bool{}, done: make(chan struct{}), drained: make(chan struct{}),
	}
	g.run = r
	workers := r.opts.poolSize
	if workers > len(r.hosts) {
		workers = len(r.hosts)
	}
	r.workers.Add(workers)
	for i := 0; i < workers; i++ {
		go r.worker()
	}
	go func() {
		r.workers.Wait()
		r.finishUnrun()
		close(r.done)
	}()
	return nil
}

// Next waits at most timeout (<0: no limit; 0: no wait) for the next
// result of the current run. It returns (nil, nil) once every host's
// result has been handed out (and when no run was ever started), and a
// KindTimeout error when none came in time.
func (g *Group) Next(timeout time.Duration) (*GroupResult, error) {
	g.mu.Lock()
	r := g.run
	g.mu.Unlock()
	if r == nil {
		return nil, nil
	}
	deadline, stop := timer(timeout)
	defer stop()
	var res *GroupResult
	select {
	case res = <-r.results:
	case <-r.drained:
		return nil, nil
	default:
		if timeout == 0 {
			g.arm(r)
			return nil, newError(KindTimeout, nil, "no group result yet").with("stage", "wait")
		}
		select {
		case res = <-r.results:
		case <-r.drained:
			return nil, nil
		case <-deadline:
			return nil, newError(KindTimeout, nil, "timed out waiting for a group result").with("stage", "wait")
		}
	}
	g.mu.Lock()
	r.delivered++
	if r.delivered == len(r.hosts) {
		close(r.drained)
	}
	g.mu.Unlock()
	return res, nil
}

// Wait waits at most timeout for the current run's workers to end (every
// result queued); KindTimeout if they have not.
func (g *Group) Wait(timeout time.Duration) error {
	g.mu.Lock()
	r := g.run
	g.mu.Unlock()
	if r == nil {
		return nil
	}
	deadline, stop := timer(timeout)
	defer stop()
	select {
	case <-r.done:
		return nil
	default:
	}
	select {
	case <-r.done:
		return nil
	case <-deadline:
		return newError(KindTimeout, nil, "timed out waiting for the group run to end").with("stage", "wait")
	}
}

// Cancel ends the current run: hosts not started are not run, connects and
// sessions in progress are closed, and every host's result still arrives
// (KindCancelled for those it ended). It returns without waiting; Next or
// Wait see the end. Cancelled connections are not kept.
func (g *Group) Cancel() {
	g.mu.Lock()
	r := g.run
	g.mu.Unlock()
	if r != nil {
		r.cancel()
	}
}

// Close cancels a run in progress, waits for its workers, and closes every
// kept connection. The group takes no more hosts or runs. Safe to call
// twice.
func (g *Group) Close() error {
	g.mu.Lock()
	g.closed = true
	r := g.run
	g.mu.Unlock()
	if r != nil {
		r.cancel()
		<-r.done
	}
	g.mu.Lock()
	var kept []*Client
	for _, h := range g.hosts {
		if h.client != nil {
			kept = append(kept, h.client)
			h.client = nil
		}
	}
	g.mu.Unlock()
	for _, c := range kept {
		c.Close()
	}
	return nil
}

// cancel stops scheduling and closes every connection in use.
func (r *groupRun) cancel() {
	r.mu.Lock()
	if !r.stopped {
		r.stopReason = "cancelled"
	}
	r.stopped, r.cancelled = true, true
	active := make([]*Client, 0, len(r.active))
	for c := range r.active {
		active = append(active, c)
	}
	r.mu.Unlock()
	for _, c := range active {
		c.Close()
	}
}

// take returns the index of the next host to run, or -1 when there is none
// or the run has stopped.
func (r *groupRun) take() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped || r.next >= len(r.hosts) {
		return -1
	}
	i := r.next
	r.next++
	return i
}

// worker runs hosts from the queue until it is empty or the run stops.
func (r *groupRun) worker() {
	defer r.workers.Done()
	var buf readBuf // one per worker, not per host
	for {
		i := r.take()
		if i < 0 {
			return
		}
		res := r.runHost(i, &buf)
		if res.Err != nil && r.opts.stopOnErrors {
			r.mu.Lock()
			if !r.stopped {
				r.stopped, r.stopReason = true, "stopped"
			}
			r.mu.Unlock()
		}
		r.deliver(res)
	}
}

// deliver hands a result to the callback and queues it for Next.
func (r *groupRun) deliver(res *GroupResult) {
	if r.onResult != nil {
		func() {
			defer func() {
				if p := recover(); p != nil {
					PanicError(nil, "the group result callback", p)
				}
			}()
			r.onResult(res)
		}()
	}
	r.results <- res // capacity: one per host
	r.g.mu.Lock()
	r.g.notifyLocked()
	r.g.mu.Unlock()
}

// finishUnrun delivers a KindCancelled result for every host the run never
// started (after stop_on_errors or Cancel).
func (r *groupRun) finishUnrun() {
	r.mu.Lock()
	first, reason := r.next, r.stopReason
	r.next = len(r.hosts)
	r.mu.Unlock()
	for i := first; i < len(r.hosts); i++ {
		msg := "not run: the run was cancelled"
		if reason == "stopped" {
			msg = "not run: the run stopped after a host's error (stop_on_errors)"
		}
		r.deliver(&GroupResult{Index: i, Name: r.hosts[i].name, ExitStatus: -1,
			Err: newError(KindCancelled, nil, "%s", msg).with("reason", reason).with("host", r.hosts[i].name)})
	}
}

// track records c as in use (so that Cancel closes it); false if the run is
// already cancelled.
func (r *groupRun) track(c *Client) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancelled {
		return false
	}
	r.active[c] = true
	return true
}

func (r *groupRun) untrack(c *Client) {
	r.mu.Lock()
	delete(r.active, c)
	r.mu.Unlock()
}

func (r *groupRun) isCancelled() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cancelled
}

// hostConfig is h's config with the group's connect timeout applied to
// each phase it does not already limit more tightly.
// Without one it is h's own config, which Connect does not change (it
// works on a copy).
func (r *groupRun) hostConfig(h *groupHost) *Config {
	t := r.opts.connectTimeout
	if t <= 0 {
		return h.cfg
	}
	cfg := h.cfg.Clone()
	for _, d := range []*time.Duration{&cfg.Timeout, &cfg.BannerTimeout, &cfg.AuthTimeout} {
		if *d <= 0 || *d > t {
			*d = t
		}
	}
	return cfg
}

// runHost connects host i (or reuses its kept connection) and runs the spec.
func (r *groupRun) runHost(i int, buf *readBuf) (res *GroupResult) {
	h := r.hosts[i]
	res = &GroupResult{Index: i, Name: h.name, ExitStatus: -1}
	r.g.mu.Lock()
	c := h.client
	h.client = nil
	command, hasCmd := h.command, h.hasCmd
	r.g.mu.Unlock()
	var keep bool
	defer func() {
		if p := recover(); p != nil {
			res.Err = PanicError(nil, "a group host", p)
			keep = false
		}
		if c != nil {
			r.untrack(c)
			if keep && r.opts.keepConns && !r.isCancelled() {
				r.g.mu.Lock()
				closed := r.g.closed
				if !closed {
					h.client = c
				}
				r.g.mu.Unlock()
				if !closed {
					return
				}
			}
			c.Close()
		}
	}()
	if c != nil && !c.IsActive() {
		c.Close()
		c = nil
	}
	if c != nil {
		res.Reused = true
		if !r.track(c) {
			res.Err = r.cancelledError(h)
			return res
		}
	} else {
		c = NewClient()
		c.stopConnect = r.isCancelled // a Cancel before Connect began is not lost
		c.ShareHostKeys(r.g.keys)
		r.g.keys.mu.Lock()
		c.SetPolicy(r.g.keys.policy)
		r.g.keys.mu.Unlock()
		if !r.track(c) {
			res.Err = r.cancelledError(h)
			return res
		}
		start := time.Now()
		err := c.Connect(r.hostConfig(h))
		res.Connect = time.Since(start)
		if err != nil {
			res.Err = r.hostError(h, err)
			return res
		}
	}
	start := time.Now()
	var err error
	if r.xfer != nil {
		err = r.transfer(i, h, c, res)
	} else {
		spec := r.spec
		if hasCmd {
			spec = spec.Clone()
			spec.Start, spec.Command = StartExec, command
		}
		err = r.session(i, h, c, spec, buf, res)
	}
	res.Run = time.Since(start)
	if err != nil {
		res.Err = r.hostError(h, err)
		// A timed-out or failed session leaves the connection usable
		// unless it was lost; IsActive decides at the next run.
		keep = KindOf(err) != KindClosed
		return res
	}
	keep = true
	return res
}

// session runs spec on c, collecting output and the exit status into res,
// within the group's command timeout.
func (r *groupRun) session(i int, h *groupHost, c *Client, spec *SessionSpec, rb *readBuf, res *GroupResult) error {
	var deadline time.Time
	if t := r.opts.commandTimeout; t > 0 {
		deadline = time.Now().Add(t)
		if spec.Timeout < 0 || spec.Timeout > t {
			spec = spec.Clone()
			spec.Timeout = t
		}
	}
	remaining := func() time.Duration {
		if deadline.IsZero() {
			return -1
		}
		d := time.Until(deadline)
		if d <= 0 {
			return time.Nanosecond // let the call time out rather than mean "do not wait"
		}
		return d
	}
	timedOut := func(err error) error {
		if KindOf(err) == KindTimeout && !deadline.IsZero() {
			return newError(KindTimeout, err, "command did not finish within the group's command timeout").with("stage", "command")
		}
		return err
	}
	ch, err := c.Start(spec)
	if err != nil {
		return timedOut(err)
	}
	defer ch.Release()
	var out [2]*bytes.Buffer
	if r.opts.collectOutput {
		out = [2]*bytes.Buffer{{}, {}}
		defer func() { res.Stdout, res.Stderr = out[0].Bytes(), out[1].Bytes() }() // what arrived, also after a failure
	}
	for {
		buf := rb.get()
		stream, n, err := ch.ReadAny(buf, remaining())
		if err != nil {
			return timedOut(err)
		}
		if stream < 0 {
			break
		}
		if out[stream] != nil {
			out[stream].Write(buf[:n])
		}
		if r.onOutput != nil {
			r.callOutput(i, h.name, stream, buf[:n])
		}
		rb.filled(n)
	}
	status, err := ch.ExitStatus(remaining())
	if err != nil {
		return timedOut(err)
	}
	res.ExitStatus, res.ExitSignal = status, ch.ExitSignal()
	return nil
}

// readBuf is a worker's buffer for reading its hosts' output: small until
// a read fills it, then full size. A worker per host (pool_size = N) each
// with 32 KiB from the start was 32 KiB per host for commands like "true"
// that print nothing.
type readBuf struct{ b []byte }

const (
	firstGroupRead = 1 << 10  // what most commands' output fits in
	groupRead      = 32 << 10 // a busy stream's reads (one SSH packet's worth)
)

// get returns the buffer to read into next.
func (rb *readBuf) get() []byte {
	if rb.b == nil {
		rb.b = make([]byte, firstGroupRead)
	}
	return rb.b
}

// filled records a read of n bytes into the buffer get returned: one that
// filled it makes the next one full size.
func (rb *readBuf) filled(n int) {
	if n == len(rb.b) && n < groupRead {
		rb.b = make([]byte, groupRead)
	}
}

// callOutput calls the output callback, keeping a panic inside it.
func (r *groupRun) callOutput(i int, name string, stream int, data []byte) {
	defer func() {
		if p := recover(); p != nil {
			PanicError(nil, "the group output callback", p)
		}
	}()
	r.onOutput(i, name, stream, data)
}

// hostError is err as a host's result error: KindCancelled when Cancel
// caused it, else err with the host's name as a detail.
func (r *groupRun) hostError(h *groupHost, err error) error {
	if r.isCancelled() {
		return r.cancelledError(h)
	}
	var e *Error
	if !errors.As(err, &e) {
		e = AsError(err)
	}
	c := *e
	c.Details = make(map[string]string, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	return c.with("host", h.name)
}

func (r *groupRun) cancelledError(h *groupHost) error {
	return newError(KindCancelled, nil, "host %s: cancelled", h.name).with("reason", "cancelled").with("host", h.name)
}
