// The host-key decision, made once per connection: which host-key
// algorithms to offer, whether known_hosts accepts the key (plain keys,
// @cert-authority certificates, @revoked), and else what the policy says.

package core

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// knownKeys returns the keys known for hostname: system keys first, as paramiko.
func (c *Client) knownKeys(hostname string) []ssh.PublicKey {
	system, own := c.stores()
	keys := system.Lookup(hostname)
	if len(keys) == 0 {
		keys = own.Lookup(hostname)
	}
	return keys
}

// hostKeyAlgorithms is the host-key algorithms to offer first for hostname:
// certificate algorithms when a @cert-authority applies to it, then those
// of the keys known for it. Config.hostKeyOrder puts the rest after them
// (defaultHostKeyOrder: ed25519 first when nothing is known).
func (c *Client) hostKeyAlgorithms(hostname string) []string {
	system, own := c.stores()
	var algos []string
	if len(system.CertAuthorities(hostname)) > 0 || len(own.CertAuthorities(hostname)) > 0 {
		algos = certAlgorithms()
	}
	for _, a := range hostKeyAlgorithms(c.knownKeys(hostname)) {
		if !slices.Contains(algos, a) {
			algos = append(algos, a)
		}
	}
	return algos
}

// hostKeyError is the error for a refused host key: KindHostKeyMismatch
// with details hostname, key, expected_key and reason.
func hostKeyError(name string, key, expected ssh.PublicKey, reason, format string, args ...any) *Error {
	exp := ""
	if expected != nil {
		exp = PublicKeyText(expected)
	}
	return newError(KindHostKeyMismatch, nil, format, args...).
		with("hostname", name).with("key", PublicKeyText(key)).with("expected_key", exp).with("reason", reason)
}

// checkHostKey is the host-key decision, made once per connection: a
// re-key must present the same key. See verifyHostKey for the rules.
func (c *Client) checkHostKey(name string, key ssh.PublicKey, pc *phaseConn, accepted *ssh.PublicKey) error {
	if *accepted != nil {
		if keysEqual(*accepted, key) {
			return nil
		}
		return hostKeyError(name, key, *accepted, "changed", "host key for %s changed during re-key: got %s, expected %s",
			name, ssh.FingerprintSHA256(key), ssh.FingerprintSHA256(*accepted))
	}
	system, own := c.stores()
	v := verifyHostKey([]*HostKeys{system, own}, name, key)
	switch v.status {
	case hostKeyOK:
		*accepted = key
		how := "matches known_hosts"
		if v.viaCA {
			how = "is a valid certificate from a known @cert-authority"
		}
		c.log.Debugf("transport", "host key for %s %s (%s %s)", name, how, key.Type(), ssh.FingerprintSHA256(key))
		return nil
	case hostKeyRevoked:
		return hostKeyError(name, key, nil, "revoked", "host key for %s is marked as revoked (%s %s)",
			name, key.Type(), ssh.FingerprintSHA256(key))
	case hostKeyBadCert:
		return hostKeyError(name, key, nil, "certificate", "host certificate for %s is not valid: %v", name, v.err)
	case hostKeyMismatch:
		return hostKeyError(name, v.plain, v.expected, "mismatch", "host key for server %s does not match: got %s, expected %s",
			name, ssh.FingerprintSHA256(v.plain), ssh.FingerprintSHA256(v.expected))
	}
	presented := key
	key = v.plain // a certificate whose CA we do not know: its plain key, as OpenSSH
	c.mu.Lock()
	policy := c.policy
	file := c.hostKeysFile
	c.mu.Unlock()
	pc.pause()
	decision, err := policy.MissingHostKey(name, key)
	pc.resume()
	if err != nil {
		return err
	}
	switch decision {
	// paramiko's levels: the policy accepted the key, so it is no warning
	// (WarningPolicy warns by itself; spur and testinfra printed an extra
	// stderr line per connection); AutoAddPolicy's "Adding" is debug.
	case Accept:
		c.log.Debugf("transport", "unknown %s host key for %s: %s (accepted by the policy, not saved)", key.Type(), name, ssh.FingerprintSHA256(key))
	case AcceptAdd:
		c.log.Debugf("transport", "adding %s host key for %s: %s", key.Type(), name, ssh.FingerprintSHA256(key))
		own.Add(name, key)
		if file != "" {
			if err := own.Save(file); err != nil {
				c.log.Warnf("transport", "cannot save host keys: %v", err)
			}
		}
	default:
		// Only Accept and AcceptAdd accept: anything else a policy returns
		// (a C callback's 7 or -1) rejects, so an answer nobody defined
		// fails closed.
		if decision != Reject {
			c.log.Warnf("transport", "missing-host-key policy answered %d for %s, which is not an accept value: rejected",
				int(decision), name)
		}
		return newError(KindHostKeyUnknown, nil, "server %s not found in known_hosts", name).
			with("hostname", name).with("key", PublicKeyText(key))
	}
	*accepted = presented
	return nil
}

// hostKeyAlgorithms lists the algorithms that can present one of keys, to be
// offered before the rest, so that a server with several keys shows the one
// we know.
func hostKeyAlgorithms(keys []ssh.PublicKey) []string {
	var out []string
	add := func(a string) {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	for _, k := range keys {
		switch k.Type() {
		case ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512)
			add(ssh.KeyAlgoRSASHA256)
			add(ssh.KeyAlgoRSA)
		default:
			add(k.Type())
		}
	}
	return out
}

// keysEqual compares two public keys by their wire form.
func keysEqual(a, b ssh.PublicKey) bool {
	return bytes.Equal(a.Marshal(), b.Marshal())
}

// The outcome of checking a presented host key against stores.
type hostKeyStatus int

type hostKeyVerdict struct {
	status   hostKeyStatus
	plain    ssh.PublicKey // the key to record or show: the certificate's own key when no CA applies
	expected ssh.PublicKey // for hostKeyMismatch
	err      error         // for hostKeyBadCert
	viaCA    bool          // accepted through @cert-authority
}

// certClock is the time host certificates are checked against (tests move it).
var certClock = time.Now

// verifyHostKey decides on a key presented by the host looked up as name
// ("host" or "[host]:port"), against stores in order (paramiko: system host
// keys, then the client's own; the first store that knows the host
// decides):
//   - a key (or a certificate, its key, its CA) in a @revoked line for name
//     in any store is refused;
//   - a host certificate, when some store lists a @cert-authority for name,
//     must be of host type, signed by one of those CAs, valid now, and list
//     the host name (without "[...]:port") among its principals; if no CA
//     applies, the certificate's plain key is checked as OpenSSH does;
//   - otherwise the key must equal one recorded for name.
func verifyHostKey(stores []*HostKeys, name string, key ssh.PublicKey) hostKeyVerdict {
	for _, s := range stores {
		if s.IsRevoked(name, key) {
			return hostKeyVerdict{status: hostKeyRevoked, plain: key}
		}
	}
	plain := key
	if cert, ok := key.(*ssh.Certificate); ok {
		var cas []ssh.PublicKey
		for _, s := range stores {
			cas = append(cas, s.CertAuthorities(name)...)
		}
		if len(cas) > 0 {
			if err := checkHostCert(cas, name, cert); err != nil {
				return hostKeyVerdict{status: hostKeyBadCert, plain: key, err: err}
			}
			return hostKeyVerdict{status: hostKeyOK, plain: key, viaCA: true}
		}
		plain = cert.Key
	}
	for _, s := range stores {
		known := s.Lookup(name)
		if len(known) == 0 {
			continue
		}
		for _, k := range known {
			if keysEqual(k, plain) {
				return hostKeyVerdict{status: hostKeyOK, plain: plain}
			}
		}
		// paramiko: a known host with a different key, of this type or another, is a mismatch.
		expected := known[0]
		for _, k := range known {
			if k.Type() == plain.Type() {
				expected = k
				break
			}
		}
		return hostKeyVerdict{status: hostKeyMismatch, plain: plain, expected: expected}
	}
	return hostKeyVerdict{status: hostKeyUnknown, plain: plain}
}

// checkHostCert validates a host certificate against the CAs listed for name.
func checkHostCert(cas []ssh.PublicKey, name string, cert *ssh.Certificate) error {
	if cert.CertType != ssh.HostCert {
		return fmt.Errorf("certificate is a user certificate, not a host certificate")
	}
	signed := false
	for _, ca := range cas {
		if keysEqual(ca, cert.SignatureKey) {
			signed = true
			break
		}
	}
	if !signed {
		return fmt.Errorf("certificate is signed by %s %s, not by a @cert-authority listed for %s",
			cert.SignatureKey.Type(), ssh.FingerprintSHA256(cert.SignatureKey), name)
	}
	host := strings.ToLower(hostOfName(name))
	checker := &ssh.CertChecker{Clock: certClock}
	principal := host
	for _, p := range cert.ValidPrincipals {
		if strings.ToLower(p) == host {
			principal = p
		}
	}
	if err := checker.CheckCert(principal, cert); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "ssh: "))
	}
	return nil
}

// certAlgorithms are the host-key algorithms that present certificates.
func certAlgorithms() []string {
	var out []string
	for _, a := range ssh.SupportedAlgorithms().HostKeys {
		if strings.Contains(a, "-cert-") {
			out = append(out, a)
		}
	}
	return out
}

const (
	hostKeyUnknown  hostKeyStatus = iota // nothing known: ask the policy (about plain)
	hostKeyOK                            // accepted
	hostKeyMismatch                      // known host, other key (expected is set)
	hostKeyRevoked                       // listed in @revoked
	hostKeyBadCert                       // a CA is known but the certificate does not pass (err says why)
)
