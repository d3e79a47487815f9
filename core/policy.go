package core

import (
	"golang.org/x/crypto/ssh"
)

// Decision is a missing-host-key policy's answer. Only Accept and AcceptAdd
// accept the host: any other value, Reject or one not defined here, rejects.
type Decision int

// The decisions a policy can make.
const (
	Reject    Decision = iota // refuse the connection
	Accept                    // accept this once
	AcceptAdd                 // accept and add the key to the client's host keys (saved if a file was loaded)
)

// Policy decides what to do with a host whose key is not known. It is asked
// at most once per connection. A non-nil error rejects with that error (so a
// binding can carry its user's exception through); otherwise the Decision
// counts.
type Policy interface {
	MissingHostKey(hostname string, key ssh.PublicKey) (Decision, error)
}

// PolicyFunc adapts a function to Policy.
type PolicyFunc func(hostname string, key ssh.PublicKey) (Decision, error)

// MissingHostKey calls f.
func (f PolicyFunc) MissingHostKey(hostname string, key ssh.PublicKey) (Decision, error) {
	return f(hostname, key)
}

// RejectPolicy refuses unknown hosts. It is the default.
type RejectPolicy struct{}

// MissingHostKey rejects.
func (RejectPolicy) MissingHostKey(string, ssh.PublicKey) (Decision, error) { return Reject, nil }

// AutoAddPolicy accepts unknown hosts and records their keys.
type AutoAddPolicy struct{}

// MissingHostKey accepts and adds.
func (AutoAddPolicy) MissingHostKey(string, ssh.PublicKey) (Decision, error) {
	return AcceptAdd, nil
}

// WarningPolicy accepts unknown hosts without recording them; the log (and
// each binding's own warning) says so.
type WarningPolicy struct{}

// MissingHostKey accepts.
func (WarningPolicy) MissingHostKey(string, ssh.PublicKey) (Decision, error) { return Accept, nil }
