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

// patternMatches matches one pattern: a hashed |1|salt|hash, or a glob with * and ?.
func patternMatches(pattern, host string) bool {
	if strings.HasPrefix(pattern, "|1|") {
		parts := strings.Split(pattern[3:], "|")
		if len(parts) != 2 {
			return false
		}
		salt, err1 := base64.StdEncoding.DecodeString(parts[0])
		want, err2 := base64.StdEncoding.DecodeString(parts[1])
		if err1 != nil || err2 != nil {
			return false
		}
		mac := hmac.New(sha1.New, salt)
		mac.Write([]byte(host))
		return hmac.Equal(mac.Sum(nil), want)
	}
	return globMatch(strings.ToLower(pattern), strings.ToLower(host))
}

// globMatch matches OpenSSH-style wildcards: * (any run) and ? (one character).
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for len(pattern) > 0 && pattern[0] == '*' {
				pattern = pattern[1:]
			}
			if pattern == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(pattern, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
		}
		pattern, s = pattern[1:], s[1:]
	}
	return s == ""
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

// HostKeyName is the name a host is looked up by: hostname for port 22,
// "[hostname]:port" otherwise, as OpenSSH and paramiko do.
func HostKeyName(hostname string, port int) string {
	if port == 22 || port == 0 {
		return hostname
	}
	return "[" + hostname + "]:" + strconv.Itoa(port)
}

// ParseKnownHostsLine parses one known_hosts line. Blank and comment lines
// give (nil, nil).
func ParseKnownHostsLine(line string) (*HostKeyEntry, error) {
	trimmed := strings.TrimSpace(line)
	if trimmed == "" || strings.HasPrefix(trimmed, "#") {
		return nil, nil
	}
	marker, hosts, key, comment, _, err := ssh.ParseKnownHosts([]byte(trimmed))
	if err != nil {
		return nil, newError(KindKey, err, "malformed known_hosts line: %v", err)
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
	return &HostKeyEntry{Marker: marker, Patterns: hosts, Key: key, Comment: comment, raw: trimmed}, nil
}

// HostKeys is an OpenSSH known_hosts store: load, look up, add, save. It is
// safe for concurrent use.
type HostKeys struct {
	mu      sync.Mutex
	entries []*HostKeyEntry
	// Skipped counts malformed lines passed over by Load.
	skipped int
}

// NewHostKeys returns an empty store.
func NewHostKeys() *HostKeys { return &HostKeys{} }

// Load reads a known_hosts file and merges it in: an entry with the same
// patterns and key type as an existing one replaces it. Malformed lines are
// skipped (counted in Skipped). A missing file gives an error wrapping
// fs.ErrNotExist.
func (h *HostKeys) Load(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return newError(KindIO, err, "cannot read known_hosts %s: %v", path, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var parsed []*HostKeyEntry
	skipped := 0
	for sc.Scan() {
		e, err := ParseKnownHostsLine(sc.Text())
		if err != nil {
			skipped++
			continue
		}
		if e != nil {
			parsed = append(parsed, e)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.skipped += skipped
	for _, e := range parsed {
		h.put(e)
	}
	return nil
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
	for i, old := range h.entries {
		if old.Marker == e.Marker && old.Key.Type() == e.Key.Type() &&
			strings.Join(old.Patterns, ",") == strings.Join(e.Patterns, ",") {
			h.entries[i] = e
			return
		}
	}
	h.entries = append(h.entries, e)
}

// Add records key for hostname (an exact name such as "[host]:port"),
// replacing the key of the same type recorded for that name.
func (h *HostKeys) Add(hostname string, key ssh.PublicKey) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.put(&HostKeyEntry{Patterns: []string{hostname}, Key: key})
}

// Lookup returns the keys recorded for hostname (plain entries only, not CA
// or revoked ones), in file order.
func (h *HostKeys) Lookup(hostname string) []ssh.PublicKey {
	h.mu.Lock()
	defer h.mu.Unlock()
	var keys []ssh.PublicKey
	for _, e := range h.entries {
		if e.Marker == MarkerNone && e.Matches(hostname) {
			keys = append(keys, e.Key)
		}
	}
	return keys
}

// IsRevoked reports whether key appears in a @revoked line that applies to hostname.
func (h *HostKeys) IsRevoked(hostname string, key ssh.PublicKey) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.entries {
		if e.Marker == MarkerRevoked && e.Matches(hostname) && keysEqual(e.Key, key) {
			return true
		}
	}
	return false
}

// Entries returns a copy of the entries.
func (h *HostKeys) Entries() []*HostKeyEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*HostKeyEntry(nil), h.entries...)
}

// Len is the number of entries.
func (h *HostKeys) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.entries)
}

// Save writes every entry to path in known_hosts format (entries read from a
// file are written as they were read), through a temporary file and rename.
func (h *HostKeys) Save(path string) error {
	h.mu.Lock()
	var b strings.Builder
	for _, e := range h.entries {
		b.WriteString(e.Line())
		b.WriteByte('\n')
	}
	h.mu.Unlock()
	if dir := filepath.Dir(path); dir != "" {
		_ = os.MkdirAll(dir, 0o700)
	}
	tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return newError(KindIO, err, "cannot write known_hosts %s: %v", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return newError(KindIO, err, "cannot write known_hosts %s: %v", path, err)
	}
	return nil
}

// keysEqual compares two public keys by their wire form.
func keysEqual(a, b ssh.PublicKey) bool {
	return bytes.Equal(a.Marshal(), b.Marshal())
}
