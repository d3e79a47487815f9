package core

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/ssh"
)

// This file holds authentication in steps: paramiko's hand-built Transport
// (start_client, then auth_none / auth_password / auth_publickey, each one
// attempt whose outcome the caller sees before choosing the next).
//
// x/crypto runs key exchange and authentication in one call. A StepAuth
// connect runs that call in the background and steers it: the host-key
// callback, once the server has proved its key, lets Connect return and
// waits for the first Auth* call; x/crypto's AuthCallback, called after
// every attempt, reports the attempt's outcome to the Auth* call that asked
// for it and waits for the next one. The phase timer is paused while no
// attempt is asked for, so auth_timeout bounds each exchange with the
// server, not the caller's thinking.
//
// x/crypto copies its config when the connection starts, so the user is
// Config.Username for every attempt: an Auth* call naming another user is
// KindInvalid (the caller must know the user before starting).

// stepAuth is one StepAuth connect's authentication.
type stepAuth struct {
	ctx  context.Context
	pc   *phaseConn
	user string // Config.Username: every attempt's
	// allowed is the signature algorithms user keys may sign with
	// (Config.pubkeyAlgorithms; nil: any).
	allowed map[string]bool

	proved    chan struct{} // closed once the server has proved its host key
	provedOne sync.Once
	reqs      chan *authReq
	done      chan struct{} // closed when the handshake has ended
	err       error         // how it ended (nil: authenticated); set before done closes
	endOnce   sync.Once
	busy      atomic.Bool

	// Touched only by the handshake's goroutines, one at a time.
	pending  *authReq
	partials int
}

// authReq is one Auth* call.
type authReq struct {
	method    string // "none", "password" or "publickey"
	user      string
	password  string
	signers   []ssh.Signer
	attempted bool
	result    chan authResult // buffered: the handshake never waits on the caller
}

type authResult struct {
	more []string // partial success: the methods the server wants next
	err  error
}

func newStepAuth(ctx context.Context, pc *phaseConn, user string, allowed map[string]bool) *stepAuth {
	return &stepAuth{ctx: ctx, pc: pc, user: user, allowed: allowed, proved: make(chan struct{}), reqs: make(chan *authReq), done: make(chan struct{})}
}

// started waits until the server has proved its host key (nil) or the
// handshake has failed before that (its error).
func (s *stepAuth) started() error {
	select {
	case <-s.proved:
		return nil
	case <-s.done:
		select {
		case <-s.proved:
			return nil
		default:
		}
		return s.err
	}
}

// keyProved runs in the host-key callback once the key is accepted: it lets
// Connect return and waits for the first request (x/crypto's first attempt,
// "none", is made only then).
func (s *stepAuth) keyProved() error {
	s.provedOne.Do(func() { close(s.proved) })
	r, err := s.wait()
	if err != nil {
		return err
	}
	s.pending = r
	if r.method == "none" {
		r.attempted = true // x/crypto's first attempt is "none"
	}
	return nil
}

// wait waits, with the phase timer paused, for the next Auth* call.
func (s *stepAuth) wait() (*authReq, error) {
	s.pc.pause()
	defer s.pc.resume()
	select {
	case r := <-s.reqs:
		return r, nil
	case <-s.ctx.Done():
		return nil, newError(KindClosed, nil, "connect cancelled: client closed")
	}
}

// next is x/crypto's AuthCallback: it reports the outcome of the attempt
// just made and returns the method of the next Auth* call.
func (s *stepAuth) next(actx *ssh.ClientAuthContext) (ssh.AuthMethod, error) {
	if s.pc.lost.Load() {
		// The attempt ended because the connection did (a timeout, a
		// close): x/crypto asks for a next method all the same. The
		// handshake's error answers the request (end).
		return nil, net.ErrClosed
	}
	if p := s.pending; p != nil && p.attempted {
		s.pending = nil
		if len(actx.PartialSuccessMethods) > s.partials {
			s.partials = len(actx.PartialSuccessMethods)
			p.result <- authResult{more: slices.Clone(actx.AllowedMethods)}
		} else if p.method == "none" {
			p.result <- authResult{err: badAuthType(actx.AllowedMethods)}
		} else {
			p.result <- authResult{err: failedAttempt(p.method, actx.AllowedMethods)}
		}
	}
	for {
		if s.pending == nil {
			r, err := s.wait()
			if err != nil {
				return nil, err
			}
			s.pending = r
		}
		r := s.pending
		// "none" has been tried (x/crypto starts with it), and a method
		// the server does not allow would only count against its
		// MaxAuthTries: both are answered here.
		method := r.method
		if method == "password" && !slices.Contains(actx.AllowedMethods, method) &&
			slices.Contains(actx.AllowedMethods, "keyboard-interactive") {
			method = "keyboard-interactive" // paramiko's auth_password(fallback=True)
		}
		if method == "none" || !slices.Contains(actx.AllowedMethods, method) {
			s.pending = nil
			r.result <- authResult{err: badAuthType(actx.AllowedMethods)}
			continue
		}
		r.attempted = true
		switch method {
		case "password":
			return ssh.Password(r.password), nil
		case "keyboard-interactive":
			pw := r.password
			return ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}), nil
		default:
			// An RSA key refused with SHA-2 is offered again with ssh-rsa
			// within the same attempt (algorithms.go).
			return ssh.PublicKeys(withSSHRSARetry(r.signers, s.allowed)...), nil
		}
	}
}

func badAuthType(allowed []string) *Error {
	list := strings.Join(allowed, ",")
	return newError(KindBadAuthType, nil, "bad authentication type; allowed types: %s", list).with("allowed_types", list)
}

func failedAttempt(method string, allowed []string) *Error {
	list := strings.Join(allowed, ",")
	return newError(KindAuth, nil, "authentication (%s) failed; server allows: %s", method, list).with("allowed_types", list).with("reason", "failed")
}

// end records how the handshake ended and answers the request in flight.
func (s *stepAuth) end(err error) {
	s.endOnce.Do(func() {
		s.err = err
		if p := s.pending; p != nil {
			s.pending = nil
			p.result <- authResult{err: err}
		}
		close(s.done)
	})
}

// handshakeError classifies the failure of a StepAuth handshake.
func (s *stepAuth) handshakeError(err error, hostErr error, ctx context.Context, cfg *Config) error {
	var own *Error
	if hostErr == nil && ctx.Err() == nil && !s.pc.expired.Load() && errors.As(err, &own) {
		return own
	}
	return handshakeError(err, s.pc, &authState{allowed: map[string]bool{}}, hostErr, ctx, cfg)
}

// authStep hands r to the StepAuth handshake and waits for its outcome.
func (c *Client) authStep(r *authReq) ([]string, error) {
	c.mu.Lock()
	s, conn, closed := c.step, c.conn, c.closed
	c.mu.Unlock()
	if s == nil {
		if closed {
			return nil, newError(KindClosed, nil, "client is closed")
		}
		if conn != nil {
			return nil, InvalidArgument("the client is already authenticated")
		}
		return nil, newError(KindNotConnected, nil, "not started: connect with step_auth first")
	}
	if r.user != "" && r.user != s.user {
		return nil, InvalidArgument("this connection authenticates as %q, not %q: the user is fixed when the connection starts (set username before connecting)", s.user, r.user)
	}
	if !s.busy.CompareAndSwap(false, true) {
		return nil, InvalidArgument("another authentication is in progress on this client")
	}
	defer s.busy.Store(false)
	r.result = make(chan authResult, 1)
	select {
	case s.reqs <- r:
	case <-s.done:
		if s.err == nil {
			return nil, InvalidArgument("the client is already authenticated")
		}
		return nil, s.err
	}
	select {
	case res := <-r.result:
		return res.more, res.err
	case <-s.done:
		select {
		case res := <-r.result:
			return res.more, res.err
		default:
		}
		if s.err == nil {
			return nil, nil
		}
		return nil, s.err
	}
}

// AuthNone tries the "none" method (paramiko's auth_none). user must be
// the connect's Username, or "" for it. It returns nil on
// success; KindBadAuthType with detail "allowed_types" listing the methods
// the server allows otherwise. Only for a client connected with StepAuth.
func (c *Client) AuthNone(user string) ([]string, error) {
	return c.authStep(&authReq{method: "none", user: user})
}

// AuthPassword tries password (paramiko's auth_password), user as for
// AuthNone; a server that takes no passwords but keyboard-interactive gets
// the password as the answer to its prompts (paramiko's fallback). It
// returns nil, nil when the client is authenticated; the methods the server
// wants next, nil on partial success; KindAuth for a wrong password,
// KindBadAuthType when the server does not allow passwords (detail
// "allowed_types" in both).
func (c *Client) AuthPassword(user, password string) ([]string, error) {
	return c.authStep(&authReq{method: "password", user: user, password: password})
}

// AuthPublicKey tries key as user (paramiko's auth_publickey), with the
// results of AuthPassword.
func (c *Client) AuthPublicKey(user string, key *Key) ([]string, error) {
	if key == nil || key.Signer() == nil {
		return nil, InvalidArgument("a private key is needed")
	}
	return c.authStep(&authReq{method: "publickey", user: user, signers: []ssh.Signer{key.Signer()}})
}

// ServerKey returns the server's host key: known from the moment a
// StepAuth connect returns, before authentication.
func (c *Client) ServerKey() (ssh.PublicKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.serverKey == nil || (c.conn == nil && c.step == nil) {
		return nil, newError(KindNotConnected, nil, "no host key yet: not connected")
	}
	return c.serverKey, nil
}

// checkExpectedHostKey accepts only expected (Config.HostKey), and on a
// re-key only the key accepted first.
func checkExpectedHostKey(name string, key, expected ssh.PublicKey, accepted *ssh.PublicKey) error {
	want := expected
	if *accepted != nil {
		want = *accepted
	}
	if !keysEqual(key, want) {
		return hostKeyError(name, key, want, "mismatch", "host key for server %s is not the one given: got %s, expected %s",
			name, ssh.FingerprintSHA256(key), ssh.FingerprintSHA256(want))
	}
	*accepted = key
	return nil
}
