package core

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// What a session starts (SessionSpec.Start).
const (
	StartNone      = iota // open the session and make its pty/env requests only
	StartExec             // exec Command
	StartShell            // the login shell
	StartSubsystem        // the subsystem Subsystem
)

// SessionSpec is everything that starts a session channel, in one value:
// what to run, a pseudo-terminal, environment variables, combined stderr
// and the time limit. Client.Start carries it out in one order, decided
// here once: open the channel, request the pty, set the variables sorted by
// name, combine stderr, then exec, shell or subsystem.
type SessionSpec struct {
	Start     int    // StartExec, StartShell, StartSubsystem or StartNone
	Command   string // for StartExec
	Subsystem string // for StartSubsystem
	// Pty, if not nil, is requested before anything else (Term "" means
	// DefaultPty's).
	Pty *PtyRequest
	// Env is set after the pty, one request per variable, sorted by name.
	// OpenSSH refuses names its AcceptEnv does not list: KindChannel.
	Env map[string]string
	// CombineStderr delivers stderr on stdout from the start (paramiko's
	// set_combine_stderr before exec), so no stderr byte is missed.
	CombineStderr bool
	// Timeout limits the open and each request, by the one rule: negative
	// means none given (the connection's ChannelTimeout, else no limit), 0
	// does not wait (fails at once), positive waits that long.
	Timeout time.Duration
	// ForwardAgent asks for agent forwarding on this session first
	// (paramiko's AgentRequestHandler); a connection made with
	// forward_agent asks on every session. A refusal is logged only.
	ForwardAgent bool
}

// NewSessionSpec returns a spec that starts nothing yet, without a pty or
// variables, and with no timeout given (Timeout -1).
func NewSessionSpec() *SessionSpec { return &SessionSpec{Timeout: -1} }

// Clone returns a copy that shares nothing with s.
func (s *SessionSpec) Clone() *SessionSpec {
	d := *s
	if s.Pty != nil {
		p := *s.Pty
		d.Pty = &p
	}
	d.Env = make(map[string]string, len(s.Env))
	for k, v := range s.Env {
		d.Env[k] = v
	}
	return &d
}

// SetEnv sets one variable to send (a later value for the same name wins).
func (s *SessionSpec) SetEnv(name, value string) error {
	if name == "" {
		return InvalidArgument("an environment variable needs a name")
	}
	if s.Env == nil {
		s.Env = map[string]string{}
	}
	s.Env[name] = value
	return nil
}

// pty returns the spec's pty, making it DefaultPty first if there is none.
func (s *SessionSpec) pty() *PtyRequest {
	if s.Pty == nil {
		p := DefaultPty
		s.Pty = &p
	}
	return s.Pty
}

// Set sets one field from its text form, by name; the names the C API's
// gossh_session_spec_set takes:
//
//	command        exec this command (the last of command, shell and subsystem set wins)
//	shell          "1": start the login shell; "0": start nothing
//	subsystem      start this subsystem ("sftp")
//	pty            "1": request a pty (vt100 80x24 unless set); "0": none
//	term, cols, rows, width_pixels, height_pixels
//	               the pty's terminal type and size (each also turns the pty on)
//	combine_stderr "1": stderr arrives on stdout
//	forward_agent  "1": ask for agent forwarding first (a refusal is logged only)
//	timeout        milliseconds (a fraction rounds up) by the one rule
//	               (core.Timeout): -1 none given
//	               (the connection's channel_timeout, else no limit), 0 do not wait
//
// Sizes are checked by Start (0..MaxPtySize). An error names the field and
// never repeats the value.
func (s *SessionSpec) Set(name, value string) error {
	var err error
	switch name {
	case "command":
		s.Start, s.Command = StartExec, value
	case "shell":
		var on bool
		if on, err = parseBool(value); err == nil {
			s.Start = StartNone
			if on {
				s.Start = StartShell
			}
		}
	case "forward_agent":
		s.ForwardAgent, err = parseBool(value)
	case "subsystem":
		if value == "" {
			return InvalidArgument("session subsystem: empty name")
		}
		s.Start, s.Subsystem = StartSubsystem, value
	case "pty":
		var on bool
		if on, err = parseBool(value); err == nil {
			if on {
				s.pty()
			} else {
				s.Pty = nil
			}
		}
	case "term":
		s.pty().Term = value
	case "cols", "rows", "width_pixels", "height_pixels":
		var n int
		if n, err = strconv.Atoi(strings.TrimSpace(value)); err == nil {
			p := s.pty()
			*map[string]*int{"cols": &p.Cols, "rows": &p.Rows, "width_pixels": &p.WidthPixels,
				"height_pixels": &p.HeightPixels}[name] = n
		}
	case "combine_stderr":
		s.CombineStderr, err = parseBool(value)
	case "timeout":
		var ms float64
		if ms, err = strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
			// A fraction of a millisecond rounds up: 0.5 still waits.
			if ms != math.Trunc(ms) && ms > 0 {
				ms = math.Ceil(ms)
			}
			if ms != math.Trunc(ms) || ms > math.MaxInt64/2 {
				return InvalidArgument("session timeout: must be -1 (none given), 0 (do not wait) or positive milliseconds")
			}
			s.Timeout, err = Timeout(int64(ms))
			if err != nil {
				return InvalidArgument("session timeout: must be -1 (none given), 0 (do not wait) or positive milliseconds")
			}
		}
	default:
		return InvalidArgument("unknown session field %s; the names are %s", ShowName(name), strings.Join(specNames, ", "))
	}
	if err != nil {
		return InvalidArgument("session %s: %s", name, specWants[name])
	}
	return nil
}

// specNames lists the names Set knows.
var specNames = []string{"command", "shell", "subsystem", "pty", "term", "cols", "rows",
	"width_pixels", "height_pixels", "combine_stderr", "timeout", "forward_agent"}

// specWants says what a field takes, for a value that does not parse.
var specWants = map[string]string{
	"shell": "not a boolean (1/0, true/false, yes/no, on/off)", "pty": "not a boolean (1/0, true/false, yes/no, on/off)",
	"combine_stderr": "not a boolean (1/0, true/false, yes/no, on/off)",
	"forward_agent":  "not a boolean (1/0, true/false, yes/no, on/off)",
	"cols":           "not an integer", "rows": "not an integer", "width_pixels": "not an integer", "height_pixels": "not an integer",
	"timeout": "not a number of milliseconds",
}

// check refuses a spec that cannot start, before any channel is opened.
func (s *SessionSpec) check() error {
	switch s.Start {
	case StartNone, StartExec, StartShell:
	case StartSubsystem:
		if s.Subsystem == "" {
			return InvalidArgument("no subsystem name given")
		}
	default:
		return InvalidArgument("unknown session start %d", s.Start)
	}
	if s.Pty != nil {
		return checkPtySize(s.Pty.Cols, s.Pty.Rows, s.Pty.WidthPixels, s.Pty.HeightPixels)
	}
	return nil
}

// Start opens a session channel and starts it as spec says: pty, then the
// variables sorted by name, then combined stderr, then exec, shell or
// subsystem (paramiko's exec_command(get_pty, environment) and
// invoke_shell in one call). Each step waits at most spec.Timeout. A spec
// that cannot start (a pty size out of range, a subsystem without a name)
// is KindInvalid before anything is sent. On any failure the channel is
// closed and nothing is returned.
func (c *Client) Start(spec *SessionSpec) (*Channel, error) {
	if spec == nil {
		return nil, InvalidArgument("no session spec given")
	}
	s := spec.Clone()
	if err := s.check(); err != nil {
		return nil, err
	}
	ch, err := c.OpenSession(s.Timeout)
	if err != nil {
		return nil, err
	}
	if err := ch.start(s); err != nil {
		ch.Close()
		return nil, err
	}
	return ch, nil
}

// start makes a spec's requests on an open session channel.
func (ch *Channel) start(s *SessionSpec) error {
	ch.client.mu.Lock()
	forward := ch.client.forwardAgent
	ch.client.mu.Unlock()
	if forward || s.ForwardAgent {
		if _, err := ch.RequestAgentForwarding(s.Timeout); err != nil {
			return err
		}
	}
	if err := ch.prepare(s.Pty, s.Env, s.Timeout); err != nil {
		return err
	}
	if s.CombineStderr {
		ch.SetCombineStderr(true)
	}
	switch s.Start {
	case StartExec:
		return ch.Exec(s.Command, s.Timeout)
	case StartShell:
		return ch.Shell(s.Timeout)
	case StartSubsystem:
		return ch.Subsystem(s.Subsystem, s.Timeout)
	}
	return nil
}

// prepare requests a pty and sets the environment sorted by name, in
// paramiko's order.
func (ch *Channel) prepare(pty *PtyRequest, env map[string]string, timeout time.Duration) error {
	if pty != nil {
		if err := ch.RequestPty(*pty, timeout); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := ch.Setenv(k, env[k], timeout); err != nil {
			return err
		}
	}
	return nil
}

// SessionSpecs is a SessionSpec that is safe for concurrent use: what the
// C API's gossh_session_spec holds.
type SessionSpecs struct {
	mu   sync.Mutex
	spec *SessionSpec
}

// NewSessionSpecs returns a holder of NewSessionSpec's spec.
func NewSessionSpecs() *SessionSpecs { return &SessionSpecs{spec: NewSessionSpec()} }

// Set sets one field by name (see SessionSpec.Set).
func (h *SessionSpecs) Set(name, value string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.spec.Set(name, value)
}

// SetEnv sets one variable (see SessionSpec.SetEnv).
func (h *SessionSpecs) SetEnv(name, value string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.spec.SetEnv(name, value)
}

// Spec returns a snapshot of the spec.
func (h *SessionSpecs) Spec() *SessionSpec {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.spec.Clone()
}
