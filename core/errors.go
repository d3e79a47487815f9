package core

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// Kind classifies an Error. The C API maps each kind to one GOSSH_E_* code and
// the bindings map it to their languages' exceptions.
type Kind int

// The kinds of error, in the order of the C API's codes.
const (
	KindInvalid          Kind = iota + 1 // invalid argument
	KindBadHandle                        // stale or wrong handle (used by capi)
	KindInternal                         // a bug: a recovered panic
	KindConnect                          // TCP connect refused/unreachable, name not resolved
	KindTimeout                          // a timeout expired; detail "stage"
	KindAuth                             // authentication failed; detail "allowed_types"
	KindBadAuthType                      // no method we could try is allowed; detail "allowed_types"
	KindPasswordRequired                 // an encrypted key and no passphrase
	KindHostKeyUnknown                   // unknown host rejected by the policy
	KindHostKeyMismatch                  // known host, different key
	KindProtocol                         // SSH protocol error
	KindClosed                           // closed, or the connection was lost
	KindChannel                          // channel open or request refused
	KindKey                              // key does not parse / unsupported
	KindNotConnected                     // not connected yet
	KindIO                               // local file I/O; details "path", "errno_name"
	KindSFTP                             // the SFTP server failed a request; details "status", "status_name", "errno_name", "path", "path2", "message"
	KindCancelled                        // a progress callback cancelled a transfer

	// MaxKind is the last kind: the C API has a code for each of 1..MaxKind.
	MaxKind = KindCancelled
)

var kindNames = map[Kind]string{
	KindInvalid: "invalid argument", KindBadHandle: "bad handle", KindInternal: "internal error",
	KindConnect: "connection failed", KindTimeout: "timeout", KindAuth: "authentication failed",
	KindBadAuthType: "bad authentication type", KindPasswordRequired: "password required",
	KindHostKeyUnknown: "unknown host key", KindHostKeyMismatch: "host key mismatch",
	KindProtocol: "protocol error", KindClosed: "closed", KindChannel: "channel error",
	KindKey: "key error", KindNotConnected: "not connected", KindIO: "I/O error",
	KindSFTP: "SFTP error", KindCancelled: "cancelled",
}

// String names the kind.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is the error type of every failing core call: a kind, a message and
// named details (hostname, key, expected_key, allowed_types, stage, address).
type Error struct {
	Kind    Kind
	Msg     string
	Details map[string]string
	Err     error // the underlying cause, if any
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Detail returns the named detail, or "".
func (e *Error) Detail(name string) string { return e.Details[name] }

// newError makes an Error with a formatted message. The message passes
// through Redact: whatever an argument holds, no PEM block or private key
// text reaches it.
func newError(kind Kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: Redact(fmt.Sprintf(format, args...)), Err: cause}
}

// with returns e with one more detail set.
func (e *Error) with(name, value string) *Error {
	if e.Details == nil {
		e.Details = map[string]string{}
	}
	e.Details[name] = value
	return e
}

// KindOf returns the kind of err: the Kind of the first *Error in its chain,
// KindInternal for any other non-nil error, 0 for nil.
func KindOf(err error) Kind {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// AsError returns err as an *Error, wrapping a foreign error as KindInternal.
// It is what the C API hands out, so it is the last line of defence: a
// message or detail holding key material (see Redact) comes back as a
// redacted copy.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e.redacted()
	}
	return &Error{Kind: KindInternal, Msg: Redact(err.Error()), Err: err}
}

// redacted returns e, or a copy with its message and details passed through
// Redact when they need it.
func (e *Error) redacted() *Error {
	clean := Redact(e.Msg) == e.Msg
	for _, v := range e.Details {
		clean = clean && Redact(v) == v
	}
	if clean {
		return e
	}
	c := &Error{Kind: e.Kind, Msg: Redact(e.Msg), Err: e.Err}
	for k, v := range e.Details {
		c.with(k, Redact(v))
	}
	return c
}

// InvalidArgument is an Error of KindInvalid, for callers (capi) that check
// arguments before reaching core.
func InvalidArgument(format string, args ...any) *Error {
	return newError(KindInvalid, nil, format, args...)
}

// withAddress adds the details of the address a connect tried: "address"
// ("host:port", "[v6]:port"), and "host" and "port" apart, so that no
// binding parses the address again.
func (e *Error) withAddress(host string, port int) *Error {
	return e.with("address", net.JoinHostPort(host, strconv.Itoa(port))).
		with("host", host).with("port", strconv.Itoa(port))
}
