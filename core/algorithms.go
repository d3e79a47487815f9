// Algorithm choice: the host-key order offered when nothing is known for a
// host, explicit algorithm lists, paramiko's disabled_algorithms, the public
// key signature algorithms a key may use, and the RSA "ssh-rsa" retry.

package core

import (
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// The categories of paramiko's disabled_algorithms.
const (
	AlgoCiphers = "ciphers"
	AlgoMACs    = "macs"
	AlgoKex     = "kex"
	AlgoKeys    = "keys"    // host-key algorithms
	AlgoPubkeys = "pubkeys" // public key signature algorithms for user authentication
)

var algoCategories = []string{AlgoCiphers, AlgoMACs, AlgoKeys, AlgoPubkeys, AlgoKex}

// defaultHostKeyOrder is the host-key algorithms offered when nothing is
// known for the host: OpenSSH's and paramiko's preference (ed25519, then
// ECDSA, then RSA), certificates first as OpenSSH, then any other algorithm
// x/crypto supports. x/crypto's own default puts ECDSA and RSA first, which
// makes known_hosts files differ from those paramiko and ssh write, and
// Dropbear 2022.83 with only an ed25519 key aborts when offered rsa-sha2-256
// first.
func defaultHostKeyOrder() []string { return slices.Clone(defaultHostKeys()) }

// defaultHostKeys is defaultHostKeyOrder, worked out once per process: it
// was two maps and a dozen slices per connect (the group's fan-out spent
// ~10 KB and a few µs of each host's connect on it). Read only.
var defaultHostKeys = sync.OnceValue(func() []string {
	order := []string{
		ssh.CertAlgoED25519v01,
		ssh.CertAlgoECDSA256v01, ssh.CertAlgoECDSA384v01, ssh.CertAlgoECDSA521v01,
		ssh.CertAlgoSKED25519v01, ssh.CertAlgoSKECDSA256v01,
		ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSAv01,
		ssh.KeyAlgoED25519,
		ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
		ssh.KeyAlgoSKED25519, ssh.KeyAlgoSKECDSA256,
		ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA,
	}
	known := knownAlgorithms(AlgoKeys)
	out := order[:0:0]
	for _, a := range order {
		if known[a] {
			out = append(out, a)
		}
	}
	for _, a := range ssh.SupportedAlgorithms().HostKeys {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
})

// knownAlgorithms is the set of names x/crypto implements for a category
// (the insecure ones included: a caller may ask for them by name).
func knownAlgorithms(category string) map[string]bool {
	s, i := ssh.SupportedAlgorithms(), ssh.InsecureAlgorithms()
	var lists [][]string
	switch category {
	case AlgoCiphers:
		lists = [][]string{s.Ciphers, i.Ciphers}
	case AlgoMACs:
		lists = [][]string{s.MACs, i.MACs}
	case AlgoKex:
		lists = [][]string{s.KeyExchanges, i.KeyExchanges}
	case AlgoKeys:
		lists = [][]string{s.HostKeys, i.HostKeys, defaultHostKeyExtras}
	case AlgoPubkeys:
		lists = [][]string{s.PublicKeyAuths, i.PublicKeyAuths, s.HostKeys, i.HostKeys}
	}
	m := map[string]bool{}
	for _, l := range lists {
		for _, a := range l {
			m[a] = true
		}
	}
	return m
}

// defaultHostKeyExtras are host-key algorithms x/crypto offers by default
// but lists as neither supported nor insecure.
var defaultHostKeyExtras = []string{ssh.KeyAlgoSKED25519, ssh.KeyAlgoSKECDSA256, ssh.CertAlgoSKED25519v01, ssh.CertAlgoSKECDSA256v01}

// paramikoOnly are names paramiko (or OpenSSH) knows that x/crypto does not
// implement: disabled_algorithms may name them (a paramiko program that
// disables them keeps working, and gossh never offers them anyway), an
// explicit list may not.
var paramikoOnly = map[string]map[string]bool{
	AlgoCiphers: set("aes192-cbc", "aes256-cbc", "blowfish-cbc", "cast128-cbc", "aes128-gcm", "aes256-gcm"),
	AlgoMACs:    set("hmac-md5", "hmac-md5-96", "hmac-sha1-etm@openssh.com", "umac-64@openssh.com", "umac-128@openssh.com", "umac-64-etm@openssh.com", "umac-128-etm@openssh.com"),
	AlgoKex: set("diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
		"sntrup761x25519-sha512@openssh.com", "sntrup761x25519-sha512"),
	AlgoKeys:    set("ssh-dss", "ssh-dss-cert-v01@openssh.com"),
	AlgoPubkeys: set("ssh-dss", "ssh-dss-cert-v01@openssh.com"),
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// parseAlgorithmList reads a comma list of names of one category; every
// name must be one x/crypto implements. "" is nil (the default).
func parseAlgorithmList(option, category, value string) ([]string, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return nil, nil
	}
	known := knownAlgorithms(category)
	var out []string
	for i, a := range strings.Split(value, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if !known[a] {
			return nil, unknownAlgorithm(option, category, i+1)
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, InvalidArgument("option %s: no algorithm named", option)
	}
	return out, nil
}

// unknownAlgorithm is the error for a name gossh does not implement: it
// names the option and the name's place in the list, and lists what gossh
// implements. It never repeats the name: like every option error, it must
// not echo a value (a password given to the wrong option).
func unknownAlgorithm(option, category string, place int) error {
	var names []string
	for a := range knownAlgorithms(category) {
		names = append(names, a)
	}
	sort.Strings(names)
	return InvalidArgument("option %s: name %d of the %s list is not a %s algorithm gossh implements (it implements: %s)",
		option, place, category, strings.TrimSuffix(category, "s"), strings.Join(names, ", "))
}

// ParseDisabledAlgorithms reads disabled_algorithms in its text form,
// "ciphers=a,b;kex=c" (categories ciphers, macs, keys, pubkeys, kex, as
// paramiko's dict). "" is none.
func ParseDisabledAlgorithms(value string) (map[string][]string, error) {
	out := map[string][]string{}
	for n, part := range strings.Split(value, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		cat, list, ok := strings.Cut(part, "=")
		cat = strings.TrimSpace(cat)
		if !ok || !slices.Contains(algoCategories, cat) {
			return nil, InvalidArgument("option disabled_algorithms: entry %d does not start with a category: ciphers=, macs=, keys=, pubkeys= or kex= (the form is \"ciphers=a,b;kex=c\")", n+1)
		}
		known := knownAlgorithms(cat)
		for i, a := range strings.Split(list, ",") {
			a = strings.TrimSpace(a)
			if a == "" {
				continue
			}
			if !known[a] && !paramikoOnly[cat][a] {
				return nil, unknownAlgorithm("disabled_algorithms", cat, i+1)
			}
			if !slices.Contains(out[cat], a) {
				out[cat] = append(out[cat], a)
			}
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// FormatDisabledAlgorithms is ParseDisabledAlgorithms's inverse, categories
// in a fixed order.
func FormatDisabledAlgorithms(m map[string][]string) string {
	var parts []string
	for _, cat := range algoCategories {
		if len(m[cat]) > 0 {
			parts = append(parts, cat+"="+strings.Join(m[cat], ","))
		}
	}
	return strings.Join(parts, ";")
}

// without returns list minus the names in drop.
func without(list, drop []string) []string {
	if len(drop) == 0 {
		return list
	}
	var out []string
	for _, a := range list {
		if !slices.Contains(drop, a) {
			out = append(out, a)
		}
	}
	return out
}

// transportAlgorithms fills x/crypto's cipher, key exchange and MAC lists
// from cfg: an explicit list, else x/crypto's defaults, minus the disabled
// ones. Nothing left in a category is KindInvalid.
func (cfg *Config) transportAlgorithms(c *ssh.Config) error {
	if cfg.Ciphers == nil && cfg.KeyExchanges == nil && cfg.MACs == nil && len(cfg.DisabledAlgorithms) == 0 {
		return nil // x/crypto's defaults, untouched
	}
	var d ssh.Config
	d.SetDefaults()
	pick := func(explicit, def []string, cat string) ([]string, error) {
		list := def
		if explicit != nil {
			list = explicit
		}
		list = without(list, cfg.DisabledAlgorithms[cat])
		if len(list) == 0 {
			return nil, InvalidArgument("no %s algorithm is left to offer (every one is disabled)", cat)
		}
		return list, nil
	}
	var err error
	if c.Ciphers, err = pick(cfg.Ciphers, d.Ciphers, AlgoCiphers); err != nil {
		return err
	}
	if c.KeyExchanges, err = pick(cfg.KeyExchanges, d.KeyExchanges, AlgoKex); err != nil {
		return err
	}
	if c.MACs, err = pick(cfg.MACs, d.MACs, AlgoMACs); err != nil {
		return err
	}
	return nil
}

// checkAlgorithms reports options that leave a category with nothing to
// offer, before a connection is made for them.
func (cfg *Config) checkAlgorithms() error {
	if err := cfg.transportAlgorithms(&ssh.Config{}); err != nil {
		return err
	}
	if cfg.HostKeyAlgorithms == nil && len(cfg.DisabledAlgorithms[AlgoKeys]) == 0 {
		return nil // the default order, never empty
	}
	_, err := cfg.hostKeyOrder(nil, false)
	return err
}

// hostKeyOrder is the host-key algorithms to offer: the explicit list, else
// defaultHostKeyOrder; those that present a type in first moved to the
// front (the types known for the host, or the expected key's, or the
// certificate algorithms when a @cert-authority applies); then the
// disabled ones removed. only keeps just those in first (an expected host
// key: offer nothing else).
func (cfg *Config) hostKeyOrder(first []string, only bool) ([]string, error) {
	base := cfg.HostKeyAlgorithms
	if base == nil {
		base = defaultHostKeys() // read only: out is a new slice
	}
	out := make([]string, 0, len(base))
	for _, a := range first {
		if slices.Contains(base, a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if !only {
		for _, a := range base {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	out = without(out, cfg.DisabledAlgorithms[AlgoKeys])
	if len(out) == 0 {
		if only {
			return nil, InvalidArgument("the expected host key's algorithms are not among those allowed (host_key_algorithms, disabled_algorithms keys=)")
		}
		return nil, InvalidArgument("no host-key algorithm is left to offer (every one is disabled)")
	}
	return out, nil
}

// pubkeyAlgorithms is the set of signature algorithms a user key may sign
// with (pubkey_algorithms minus disabled pubkeys), or nil for any.
func (cfg *Config) pubkeyAlgorithms() map[string]bool {
	if cfg.PubkeyAlgorithms == nil && len(cfg.DisabledAlgorithms[AlgoPubkeys]) == 0 {
		return nil
	}
	list := cfg.PubkeyAlgorithms
	if list == nil {
		for a := range knownAlgorithms(AlgoPubkeys) {
			list = append(list, a)
		}
	}
	m := map[string]bool{}
	for _, a := range list {
		m[underlyingAlgorithm(a)] = true
	}
	for _, a := range cfg.DisabledAlgorithms[AlgoPubkeys] {
		delete(m, underlyingAlgorithm(a))
	}
	return m
}

// underlyingAlgorithm maps a certificate algorithm to its signature
// algorithm ("rsa-sha2-512-cert-v01@openssh.com" to "rsa-sha2-512").
func underlyingAlgorithm(a string) string {
	switch a {
	case ssh.CertAlgoRSAv01:
		return ssh.KeyAlgoRSA
	case ssh.CertAlgoRSASHA256v01:
		return ssh.KeyAlgoRSASHA256
	case ssh.CertAlgoRSASHA512v01:
		return ssh.KeyAlgoRSASHA512
	case ssh.CertAlgoECDSA256v01:
		return ssh.KeyAlgoECDSA256
	case ssh.CertAlgoECDSA384v01:
		return ssh.KeyAlgoECDSA384
	case ssh.CertAlgoECDSA521v01:
		return ssh.KeyAlgoECDSA521
	case ssh.CertAlgoED25519v01:
		return ssh.KeyAlgoED25519
	case ssh.CertAlgoSKED25519v01:
		return ssh.KeyAlgoSKED25519
	case ssh.CertAlgoSKECDSA256v01:
		return ssh.KeyAlgoSKECDSA256
	case "ssh-dss-cert-v01@openssh.com":
		return "ssh-dss"
	}
	return a
}

// signatureAlgorithms lists what a key of this format can sign with.
func signatureAlgorithms(s ssh.Signer) []string {
	f := underlyingAlgorithm(s.PublicKey().Type())
	if f == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{f}
}

// isRSA reports whether s is an RSA key (or certificate).
func isRSA(s ssh.Signer) bool {
	return underlyingAlgorithm(s.PublicKey().Type()) == ssh.KeyAlgoRSA
}

// restrictSigner limits s to the algorithms allowed (nil: any); it returns
// nil when s may sign with none of them.
func restrictSigner(s ssh.Signer, allowed map[string]bool) ssh.Signer {
	if allowed == nil {
		return s
	}
	var algos []string
	for _, a := range signatureAlgorithms(s) {
		if allowed[a] {
			algos = append(algos, a)
		}
	}
	if len(algos) == 0 {
		return nil
	}
	if len(algos) == len(signatureAlgorithms(s)) {
		return s
	}
	as, ok := s.(ssh.AlgorithmSigner)
	if !ok {
		return s // signs with its format's one algorithm, which is allowed
	}
	r, err := ssh.NewSignerWithAlgorithms(as, algos)
	if err != nil {
		return nil
	}
	return r
}

// withSSHRSARetry applies the allowed algorithms to signers and appends,
// for each RSA key that may also sign with "ssh-rsa", the same key once
// more restricted to "ssh-rsa". OpenSSH 9.2 configured with
// PubkeyAcceptedAlgorithms ssh-rsa still lists rsa-sha2-* in
// server-sig-algs; x/crypto then offers the key with rsa-sha2-256 only,
// the server refuses it, and x/crypto gives up on the key. The second offer
// is tried only after every key has been, so a server that takes rsa-sha2
// never sees it; one that refuses the key outright answers the query
// without a signature being made. Each refused query counts towards the
// server's MaxAuthTries (OpenSSH: 6, after which it disconnects), so the
// second offers are made only while the keys offered in all stay within
// maxOffersWithRetry, leaving a try for the password.
func withSSHRSARetry(signers []ssh.Signer, allowed map[string]bool) []ssh.Signer {
	var out, retry []ssh.Signer
	for _, s := range signers {
		r := restrictSigner(s, allowed)
		if r == nil {
			continue
		}
		out = append(out, r)
		if !isRSA(s) || (allowed != nil && !allowed[ssh.KeyAlgoRSA]) {
			continue
		}
		if ms, ok := r.(ssh.MultiAlgorithmSigner); ok && len(ms.Algorithms()) == 1 {
			continue // already ssh-rsa only
		}
		as, ok := s.(ssh.AlgorithmSigner)
		if !ok {
			continue
		}
		if only, err := ssh.NewSignerWithAlgorithms(as, []string{ssh.KeyAlgoRSA}); err == nil {
			retry = append(retry, only)
		}
	}
	if room := maxOffersWithRetry - len(out); room < len(retry) {
		retry = retry[:max(room, 0)]
	}
	return append(out, retry...)
}

// maxOffersWithRetry bounds the keys offered when ssh-rsa second offers are
// added: one below OpenSSH's default MaxAuthTries (6).
const maxOffersWithRetry = 5
