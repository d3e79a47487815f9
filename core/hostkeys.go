package core

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// Known-hosts markers.
const (
	MarkerNone          = ""
	MarkerCertAuthority = "@cert-authority"
	MarkerRevoked       = "@revoked"
)

// HostKeyEntry is one line of a known_hosts file.
type HostKeyEntry struct {
	Marker   string        // MarkerNone, MarkerCertAuthority or MarkerRevoked
	Patterns []string      // host patterns; a hashed entry holds one "|1|salt|hash"
	Key      ssh.PublicKey // the key
	Comment  string
	raw      string // the line as read, written back unchanged while the entry is unchanged
}

// Line formats the entry as a known_hosts line.
func (e *HostKeyEntry) Line() string {
	if e.raw != "" {
		return e.raw
	}
	var b strings.Builder
	if e.Marker != "" {
		b.WriteString(e.Marker + " ")
	}
	b.WriteString(strings.Join(e.Patterns, ","))
	b.WriteString(" " + PublicKeyText(e.Key))
	if e.Comment != "" {
		b.WriteString(" " + e.Comment)
	}
	return b.String()
}

// Matches reports whether hostname (a name, an address or "[host]:port")
// matches the entry's patterns under OpenSSH's rules: some positive pattern
// matches and no negated one does.
func (e *HostKeyEntry) Matches(hostname string) bool {
	matched := false
	for _, p := range e.Patterns {
		neg := strings.HasPrefix(p, "!")
		if neg {
			p = p[1:]
		}
		if !patternMatches(p, hostname) {
			continue
		}
		if neg {
			return false
		}
		matched = true
	}
	return matched
}

// names reports whether the entry names hostname exactly: one of its
// patterns is hostname itself, or a hash of it. Wildcard patterns do not
// name a host (paramiko's add/remove semantics).
func (e *HostKeyEntry) names(hostname string) (int, bool) {
	for i, p := range e.Patterns {
		if p == hostname || (strings.HasPrefix(p, "|1|") && patternMatches(p, hostname)) {
			return i, true
		}
	}
	return -1, false
}

// patternMatches matches one pattern: a hashed |1|salt|hash, or a glob with * and ?.
func patternMatches(pattern, host string) bool {
	if strings.HasPrefix(pattern, "|1|") {
		saltText, wantText, ok := strings.Cut(pattern[3:], "|")
		if !ok || strings.IndexByte(wantText, '|') >= 0 {
			return false
		}
		// Decoded on the stack: a lookup matches every line of a
		// known_hosts, and this ran four allocations per hashed line.
		var saltBuf [hmacBlock]byte
		var wantBuf [sha1.Size + 3]byte
		var salt, want []byte
		if base64.StdEncoding.DecodedLen(len(saltText)) <= len(saltBuf) {
			n, err := base64.StdEncoding.Decode(saltBuf[:], []byte(saltText))
			if err != nil {
				return false
			}
			salt = saltBuf[:n]
		} else {
			var err error
			if salt, err = base64.StdEncoding.DecodeString(saltText); err != nil {
				return false
			}
		}
		if base64.StdEncoding.DecodedLen(len(wantText)) > len(wantBuf) {
			return false // longer than any HMAC-SHA1
		}
		n, err := base64.StdEncoding.Decode(wantBuf[:], []byte(wantText))
		if err != nil {
			return false
		}
		want = wantBuf[:n]
		if hashMatches(salt, want, host) {
			return true
		}
		// OpenSSH lowercases the host name before hashing it.
		lower := strings.ToLower(host)
		return lower != host && hashMatches(salt, want, lower)
	}
	return globMatch(strings.ToLower(pattern), strings.ToLower(host))
}

// hmacBlock is SHA-1's block size, HMAC's pad length.
const hmacBlock = 64

// maxStackHost is the longest host name hashMatches hashes without
// allocating.
const maxStackHost = 255

// hashMatches reports whether HMAC-SHA1(salt, host) is want. It computes
// the HMAC on the stack (RFC 2104: H(K^opad || H(K^ipad || host))) for a
// salt of at most one block (OpenSSH's are 20 bytes) and a host name of at
// most maxStackHost bytes, and with crypto/hmac otherwise.
func hashMatches(salt, want []byte, host string) bool {
	if len(salt) > hmacBlock || len(host) > maxStackHost {
		mac := hmac.New(sha1.New, bytes.Clone(salt)) // a copy: salt may be on the caller's stack
		mac.Write([]byte(host))
		return hmac.Equal(mac.Sum(nil), want)
	}
	var pad [hmacBlock]byte
	copy(pad[:], salt)
	for i := range pad {
		pad[i] ^= 0x36
	}
	var in [hmacBlock + maxStackHost]byte
	n := copy(in[:], pad[:])
	n += copy(in[n:], host)
	inner := sha1.Sum(in[:n])
	for i := range pad {
		pad[i] ^= 0x36 ^ 0x5c
	}
	var out [hmacBlock + sha1.Size]byte
	copy(out[:], pad[:])
	copy(out[hmacBlock:], inner[:])
	sum := sha1.Sum(out[:])
	return hmac.Equal(sum[:], want)
}

// globMatch matches OpenSSH-style wildcards: * (any run) and ? (one
// character). It runs in O(len(pattern)*len(s)) (greedy with one backtrack
// point), so hostile patterns cannot make it explode.
func globMatch(pattern, s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		switch {
		case pi < len(pattern) && (pattern[pi] == '?' || pattern[pi] == s[si]):
			pi++
			si++
		case pi < len(pattern) && pattern[pi] == '*':
			starP, starS = pi, si
			pi++
		case starP >= 0:
			starS++
			pi, si = starP+1, starS
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}

// HashHostname returns OpenSSH's hashed form |1|salt|hash of hostname. A nil
// salt draws a random 20-byte one.
func HashHostname(hostname string, salt []byte) string {
	if salt == nil {
		salt = make([]byte, sha1.Size)
		_, _ = rand.Read(salt)
	}
	mac := hmac.New(sha1.New, salt)
	mac.Write([]byte(hostname))
	return "|1|" + base64.StdEncoding.EncodeToString(salt) + "|" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// HashHostnameSalt is paramiko's HostKeys.hash_host: salt is "" (a random
// salt), the salt in base64, or a whole "|1|salt|hash" whose salt is reused
// (so that the result can be compared with it).
func HashHostnameSalt(hostname, salt string) (string, error) {
	if salt == "" {
		return HashHostname(hostname, nil), nil
	}
	if strings.HasPrefix(salt, "|1|") {
		salt = strings.Split(salt[3:], "|")[0]
	}
	raw, err := base64.StdEncoding.DecodeString(salt)
	if err != nil {
		return "", newError(KindInvalid, err, "salt is not base64: %v", err)
	}
	return HashHostname(hostname, raw), nil
}

// HostKeyName is the name a host is looked up by: hostname for port 22,
// "[hostname]:port" otherwise, as OpenSSH and paramiko do.
func HostKeyName(hostname string, port int) string {
	if port == 22 || port == 0 {
		return hostname
	}
	return "[" + hostname + "]:" + strconv.Itoa(port)
}

// hostOfName strips the "[...]:port" of a HostKeyName: the name that host
// certificates list as principals.
func hostOfName(name string) string {
	if strings.HasPrefix(name, "[") {
		if i := strings.LastIndex(name, "]:"); i > 0 {
			return name[1:i]
		}
	}
	return name
}

// ParseKnownHostsLine parses one known_hosts line (fields separated by
// spaces or tabs). Blank and comment lines give (nil, nil). The error never
// quotes key material.
func ParseKnownHostsLine(line string) (*HostKeyEntry, error) {
	trimmed := strings.TrimSpace(line)
	if trimmed == "" || strings.HasPrefix(trimmed, "#") {
		return nil, nil
	}
	if strings.ContainsAny(trimmed, "\n\r") {
		return nil, newError(KindKey, nil, "malformed known_hosts line: more than one line")
	}
	marker, hosts, key, comment, _, err := ssh.ParseKnownHosts([]byte(trimmed))
	if err != nil {
		return nil, newError(KindKey, err, "malformed known_hosts line: %v", err)
	}
	if key == nil {
		return nil, newError(KindKey, nil, "malformed known_hosts line: no key")
	}
	switch marker {
	case "":
	case "cert-authority":
		marker = MarkerCertAuthority
	case "revoked":
		marker = MarkerRevoked
	default:
		return nil, newError(KindKey, nil, "unknown known_hosts marker @%s", marker)
	}
	for _, h := range hosts {
		if h == "" || h == "!" {
			return nil, newError(KindKey, nil, "malformed known_hosts line: empty host pattern")
		}
	}
	return &HostKeyEntry{Marker: marker, Patterns: hosts, Key: key, Comment: comment, raw: trimmed}, nil
}

// ParsePublicKeyText parses "type base64 [comment]" (an authorized_keys or
// known_hosts key) and checks that the type matches the blob.
func ParsePublicKeyText(text string) (ssh.PublicKey, error) {
	f := strings.Fields(text)
	if len(f) < 2 {
		return nil, newError(KindKey, nil, "not a public key: want \"type base64\"")
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		return nil, newError(KindKey, err, "public key is not valid base64: %v", err)
	}
	key, err := ssh.ParsePublicKey(blob)
	if err != nil {
		return nil, newError(KindKey, err, "cannot parse %s public key: %v", ShowName(f[0]), err)
	}
	if key.Type() != f[0] {
		return nil, newError(KindKey, nil, "public key type %s does not match its blob (%s)", ShowName(f[0]), key.Type())
	}
	return key, nil
}

// HostKeys is an OpenSSH known_hosts store: load, look up, add, remove,
// save. It is safe for concurrent use; no lock is held while any caller's
// code runs.
type HostKeys struct {
	mu      sync.Mutex
	entries []*HostKeyEntry
	skipped int
	// matches caches, per host name, the entries that match it (any
	// marker), until the entries change. A connect looks a name up six or
	// more times (CAs, keys, revocations, in two stores), and each lookup
	// matched every entry: with a hashed known_hosts that is an HMAC per
	// line per lookup, milliseconds per host of a group's fan-out over a
	// few thousand lines. Entries are never changed in place (a change
	// replaces the pointer), so a cached entry is what the store holds.
	matches map[string][]*HostKeyEntry
}

// maxMatchCache bounds the host names whose matches are cached; past it
// the cache starts over.
const maxMatchCache = 4096

// matching returns the entries that match hostname, in file order. Caller
// holds mu and must not change the slice.
func (h *HostKeys) matching(hostname string) []*HostKeyEntry {
	if m, ok := h.matches[hostname]; ok {
		return m
	}
	var out []*HostKeyEntry
	for _, e := range h.entries {
		if e.Matches(hostname) {
			out = append(out, e)
		}
	}
	if h.matches == nil || len(h.matches) >= maxMatchCache {
		h.matches = make(map[string][]*HostKeyEntry)
	}
	h.matches[hostname] = out
	return out
}

// changed forgets the cached matches. Caller holds mu and calls it with
// every change of entries.
func (h *HostKeys) changed() { h.matches = nil }

// NewHostKeys returns an empty store.
func NewHostKeys() *HostKeys { return &HostKeys{} }

// Load reads a known_hosts file and merges it in: an entry with the same
// marker, patterns and key type as an existing one replaces it. Malformed
// lines are skipped, counted (Skipped) and logged as warnings with file and
// line number. A missing file gives an error wrapping fs.ErrNotExist.
func (h *HostKeys) Load(path string) error { return h.load(path, DefaultLogger()) }

func (h *HostKeys) load(path string, log *Logger) error {
	data, err := os.ReadFile(path)
	if err != nil {
		cause, reason := fileError(err)
		return newError(KindIO, cause, "cannot read known_hosts %s: %s", ShowPath(path), reason)
	}
	h.LoadData(data, path, log)
	return nil
}

// LoadData merges known_hosts text as Load does; source names it in log
// records. log nil means DefaultLogger. It returns the number of lines
// skipped.
func (h *HostKeys) LoadData(data []byte, source string, log *Logger) int {
	if log == nil {
		log = DefaultLogger()
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var parsed []*HostKeyEntry
	skipped, lineno := 0, 0
	for sc.Scan() {
		lineno++
		e, err := ParseKnownHostsLine(sc.Text())
		if err != nil {
			skipped++
			log.Warnf("hostkeys", "%s:%d: skipping malformed known_hosts line: %v", ShowPath(source), lineno, err)
			continue
		}
		if e != nil {
			parsed = append(parsed, e)
		}
	}
	if err := sc.Err(); err != nil {
		skipped++
		log.Warnf("hostkeys", "%s:%d: stopped reading known_hosts: %v", ShowPath(source), lineno+1, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.skipped += skipped
	for _, e := range parsed {
		h.put(e)
	}
	return skipped
}

// IsNotExist reports whether err says a file does not exist.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// Skipped is the number of malformed lines that Load passed over.
func (h *HostKeys) Skipped() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.skipped
}

// put replaces the entry with the same marker, patterns and key type, or appends e.
func (h *HostKeys) put(e *HostKeyEntry) {
	h.changed()
	for i, old := range h.entries {
		if old.Marker == e.Marker && old.Key.Type() == e.Key.Type() && slices.Equal(old.Patterns, e.Patterns) {
			h.entries[i] = e
			return
		}
	}
	h.entries = append(h.entries, e)
}

// Add records key for hostname (an exact name such as "[host]:port"),
// replacing the key of the same type recorded for that name (paramiko's
// add). An entry that names hostname alone (plainly or hashed) gets the new
// key and keeps its form, so a hashed entry stays hashed; an entry that
// names hostname among other hosts loses that name, and a new entry is
// appended.
func (h *HostKeys) Add(hostname string, key ssh.PublicKey) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.changed()
	for i := 0; i < len(h.entries); i++ {
		e := h.entries[i]
		if e.Marker != MarkerNone || e.Key.Type() != key.Type() {
			continue
		}
		idx, ok := e.names(hostname)
		if !ok {
			continue
		}
		if len(e.Patterns) == 1 {
			h.entries[i] = &HostKeyEntry{Patterns: e.Patterns, Key: key, Comment: e.Comment}
			return
		}
		h.entries[i] = withoutPattern(e, idx)
	}
	h.entries = append(h.entries, &HostKeyEntry{Patterns: []string{hostname}, Key: key})
}

// AddLine adds one known_hosts line (which may carry @cert-authority or
// @revoked), merged as Load merges.
func (h *HostKeys) AddLine(line string) error {
	e, err := ParseKnownHostsLine(line)
	if err != nil {
		return err
	}
	if e == nil {
		return newError(KindInvalid, nil, "empty known_hosts line")
	}
	h.mu.Lock()
	h.put(e)
	h.mu.Unlock()
	return nil
}

// withoutPattern is e without its idx-th pattern (reformatted when written).
func withoutPattern(e *HostKeyEntry, idx int) *HostKeyEntry {
	pats := append(append([]string(nil), e.Patterns[:idx]...), e.Patterns[idx+1:]...)
	return &HostKeyEntry{Marker: e.Marker, Patterns: pats, Key: e.Key, Comment: e.Comment}
}

// Remove forgets every plain key recorded under hostname exactly (plainly
// or hashed; wildcard patterns are left alone, as are @cert-authority and
// @revoked lines). An entry naming other hosts too keeps them. It reports
// whether anything was removed.
func (h *HostKeys) Remove(hostname string) bool { return h.RemoveType(hostname, "") }

// RemoveType is Remove for keys of one type only ("" for every type).
func (h *HostKeys) RemoveType(hostname, keyType string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.changed()
	removed := false
	out := h.entries[:0]
	for _, e := range h.entries {
		if e.Marker == MarkerNone && (keyType == "" || e.Key.Type() == keyType) {
			if idx, ok := e.names(hostname); ok {
				removed = true
				if len(e.Patterns) == 1 {
					continue
				}
				e = withoutPattern(e, idx)
			}
		}
		out = append(out, e)
	}
	for i := len(out); i < len(h.entries); i++ {
		h.entries[i] = nil
	}
	h.entries = out
	return removed
}

// Clear forgets every entry.
func (h *HostKeys) Clear() {
	h.mu.Lock()
	h.entries = nil
	h.changed()
	h.mu.Unlock()
}

// Lookup returns the keys recorded for hostname (plain entries only, not CA
// or revoked ones), in file order.
func (h *HostKeys) Lookup(hostname string) []ssh.PublicKey {
	h.mu.Lock()
	defer h.mu.Unlock()
	var keys []ssh.PublicKey
	for _, e := range h.matching(hostname) {
		if e.Marker == MarkerNone {
			keys = append(keys, e.Key)
		}
	}
	return keys
}

// LookupFirstPerType returns, in file order, the key recorded for hostname
// for each key type: the first of its type in file order (paramiko's
// lookup, which gives one key per type). What gossh_hostkeys_lookup lists.
func (h *HostKeys) LookupFirstPerType(hostname string) []ssh.PublicKey {
	var out []ssh.PublicKey
	seen := map[string]bool{}
	for _, k := range h.Lookup(hostname) {
		if !seen[k.Type()] {
			seen[k.Type()] = true
			out = append(out, k)
		}
	}
	return out
}

// LookupByType returns LookupFirstPerType's keys by type. Empty if none.
func (h *HostKeys) LookupByType(hostname string) map[string]ssh.PublicKey {
	out := map[string]ssh.PublicKey{}
	for _, k := range h.LookupFirstPerType(hostname) {
		out[k.Type()] = k
	}
	return out
}

// Check reports whether key is accepted for hostname by this store alone:
// not revoked, and either recorded for hostname (same type, same key) or a
// valid host certificate signed by a @cert-authority for hostname.
func (h *HostKeys) Check(hostname string, key ssh.PublicKey) bool {
	v := verifyHostKey([]*HostKeys{h}, hostname, key)
	return v.status == hostKeyOK
}

// IsRevoked reports whether key appears in a @revoked line that applies to
// hostname. For a certificate, its plain key and its signing CA count too.
func (h *HostKeys) IsRevoked(hostname string, key ssh.PublicKey) bool {
	cands := []ssh.PublicKey{key}
	if cert, ok := key.(*ssh.Certificate); ok {
		cands = append(cands, cert.Key, cert.SignatureKey)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.matching(hostname) {
		if e.Marker != MarkerRevoked {
			continue
		}
		for _, k := range cands {
			if keysEqual(e.Key, k) {
				return true
			}
		}
	}
	return false
}

// CertAuthorities returns the @cert-authority keys that apply to hostname.
func (h *HostKeys) CertAuthorities(hostname string) []ssh.PublicKey {
	h.mu.Lock()
	defer h.mu.Unlock()
	var keys []ssh.PublicKey
	for _, e := range h.matching(hostname) {
		if e.Marker == MarkerCertAuthority {
			keys = append(keys, e.Key)
		}
	}
	return keys
}

// Hostnames lists the host patterns of the plain entries, each once, in
// file order; a hashed entry gives its "|1|salt|hash" (paramiko's keys()).
func (h *HostKeys) Hostnames() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	for _, e := range h.entries {
		if e.Marker != MarkerNone {
			continue
		}
		for _, p := range e.Patterns {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// Entries returns a copy of the entries.
func (h *HostKeys) Entries() []HostKeyEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]HostKeyEntry, len(h.entries))
	for i, e := range h.entries {
		out[i] = *e
		out[i].Patterns = append([]string(nil), e.Patterns...)
	}
	return out
}

// Len is the number of entries (lines), markers included.
func (h *HostKeys) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.entries)
}

// Text is the store in known_hosts format, one entry a line: entries read
// from a file as they were read, then those added since.
func (h *HostKeys) Text() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, e := range h.entries {
		b.WriteString(e.Line())
		b.WriteByte('\n')
	}
	return b.String()
}

// Save writes every entry to path in known_hosts format (see Text), through
// a temporary file and rename, mode 0600.
func (h *HostKeys) Save(path string) error {
	text := h.Text()
	if dir := filepath.Dir(path); dir != "" {
		_ = os.MkdirAll(dir, 0o700)
	}
	tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		cause, reason := fileError(err)
		return newError(KindIO, cause, "cannot write known_hosts %s: %s", ShowPath(path), reason)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		cause, reason := fileError(err)
		return newError(KindIO, cause, "cannot write known_hosts %s: %s", ShowPath(path), reason)
	}
	return nil
}
