package core

// sshconfig.go is gossh's own ssh_config resolver. It follows OpenSSH's
// readconf.c (9.x), not a third-party parser (kevinburke/ssh_config fails a
// whole file on `Match final all`, which Fedora ships, and has no tokens):
//
//   - the first obtained value of a keyword wins; IdentityFile,
//     CertificateFile, LocalForward, RemoteForward, DynamicForward and
//     SendEnv accumulate (see sshConfigMulti);
//   - `Host` patterns (`*`, `?`, `!`, several per line) and `Match` with
//     host, originalhost, user, localuser, exec, canonical, final, all and
//     `!` negation, comma-separated pattern lists;
//   - `Match final` (and CanonicalizeHostname) make a second pass over the
//     files with the resolved host name, as ssh(1) does;
//   - `Include` with globs and `~`; a relative path is under ~/.ssh for a
//     user file and /etc/ssh for the system file;
//   - `%` tokens and `~` in the keywords where OpenSSH expands them
//     (sshConfigExpand);
//   - `keyword value`, `keyword=value`, quoted values and `\` escapes as
//     OpenSSH's argv_split; keywords are case-insensitive;
//   - unknown keywords are kept, not fatal.
//
// What it does not do: DNS for CanonicalizeHostname happens only through
// sshConfigResolve (net.LookupHost), without CNAME rules; `Match
// tagged`/`localnetwork` (newer than 9.2) are errors, as in OpenSSH 9.2.

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// SSHConfig is a parsed set of ssh_config files, looked up with Lookup.
// It is safe for concurrent use.
type SSHConfig struct {
	mu    sync.Mutex
	files []*sshConfigFile
}

// Add appends other's files after c's, each read as its own file (from
// the top, where every line applies), as paramiko's repeated parse().
func (c *SSHConfig) Add(other *SSHConfig) {
	files := other.snapshot()
	c.mu.Lock()
	c.files = append(c.files, files...)
	c.mu.Unlock()
}

func (c *SSHConfig) snapshot() []*sshConfigFile {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*sshConfigFile(nil), c.files...)
}

// SSHConfigMultiKeywords lists the keywords whose values accumulate
// (every other keyword takes the first value obtained).
func SSHConfigMultiKeywords() []string { return append([]string(nil), sshConfigMultiList...) }

type sshConfigFile struct {
	path  string
	user  bool // a user file: relative Includes go under ~/.ssh, and "~" is allowed in them
	lines []*sshConfigLine
}

type sshConfigLine struct {
	file    string
	num     int
	keyword string           // lower case
	args    []string         // the arguments, split as OpenSSH's argv_split (quotes and escapes removed)
	rest    string           // the text after the keyword: ProxyCommand and its kind take it whole
	match   []matchCriterion // Match
	include []*sshConfigFile // Include: the files its patterns matched, parsed
}

type matchCriterion struct {
	negate bool
	attr   string // lower case: all, canonical, final, host, originalhost, user, localuser, exec
	arg    string
}

// sshConfigMaxDepth bounds nested Includes, as OpenSSH's READCONF_MAX_DEPTH.
const sshConfigMaxDepth = 16

// SSHConfigDefault, as Config.SSHConfig, names the files ssh(1) reads:
// ~/.ssh/config, then /etc/ssh/ssh_config.
const SSHConfigDefault = "default"

// SSHConfigSystemFile is the system-wide file DefaultSSHConfig reads.
var SSHConfigSystemFile = "/etc/ssh/ssh_config"

// sshConfigMulti are the keywords whose values accumulate instead of the
// first one winning. sendenv takes each argument as a value.
var (
	sshConfigMultiList = []string{"identityfile", "certificatefile", "localforward", "remoteforward", "dynamicforward", "sendenv"}
	sshConfigMulti     = func() map[string]bool {
		m := map[string]bool{}
		for _, k := range sshConfigMultiList {
			m[k] = true
		}
		return m
	}()
)

// sshConfigRest are the keywords that take the rest of the line as one
// value, unsplit (a command line).
var sshConfigRest = map[string]bool{
	"proxycommand": true, "localcommand": true, "remotecommand": true, "knownhostscommand": true,
}

// ParseSSHConfig parses ssh_config text as a user file (as `ssh -F`):
// relative Includes are under ~/.ssh. source names it in errors.
func ParseSSHConfig(text []byte, source string) (*SSHConfig, error) {
	f, err := parseSSHConfigFile(text, source, true, 0)
	if err != nil {
		return nil, err
	}
	return &SSHConfig{files: []*sshConfigFile{f}}, nil
}

// LoadSSHConfig reads and parses one file as a user file (as `ssh -F path`).
// A missing file is a KindIO error that IsNotExist recognises.
func LoadSSHConfig(path string) (*SSHConfig, error) {
	f, err := readSSHConfigFile(expandTilde(path, sshEnvNow().homeEnv), true, 0)
	if err != nil {
		return nil, err
	}
	return &SSHConfig{files: []*sshConfigFile{f}}, nil
}

// DefaultSSHConfig reads the files ssh(1) reads when given no -F: the
// user's ~/.ssh/config, then SSHConfigSystemFile. Missing files are skipped.
func DefaultSSHConfig() (*SSHConfig, error) {
	c := &SSHConfig{}
	for _, f := range []struct {
		path string
		user bool
	}{{filepath.Join(sshEnvNow().home, ".ssh", "config"), true}, {SSHConfigSystemFile, false}} {
		parsed, err := readSSHConfigFile(f.path, f.user, 0)
		if err != nil {
			if IsNotExist(err) {
				continue
			}
			return nil, err
		}
		c.files = append(c.files, parsed)
	}
	return c, nil
}

// OpenSSHConfig resolves Config.SSHConfig's value: SSHConfigDefault (or
// "1") for DefaultSSHConfig, else a path for LoadSSHConfig.
func OpenSSHConfig(spec string) (*SSHConfig, error) {
	switch spec {
	case "":
		return nil, InvalidArgument("no ssh_config given")
	case SSHConfigDefault, "1":
		return DefaultSSHConfig()
	}
	return LoadSSHConfig(spec)
}

func readSSHConfigFile(path string, userFile bool, depth int) (*sshConfigFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		cause, reason := fileError(err)
		return nil, newError(KindIO, cause, "cannot read ssh_config %s: %s", ShowPath(path), reason).with("path", path)
	}
	return parseSSHConfigFile(data, path, userFile, depth)
}

func parseSSHConfigFile(data []byte, source string, userFile bool, depth int) (*sshConfigFile, error) {
	f := &sshConfigFile{path: source, user: userFile}
	for num, raw := range strings.Split(string(data), "\n") {
		l, err := parseSSHConfigLine(raw, source, num+1)
		if err != nil {
			return nil, err
		}
		if l == nil {
			continue
		}
		if l.keyword == "include" {
			if err := l.loadIncludes(userFile, depth); err != nil {
				return nil, err
			}
		}
		f.lines = append(f.lines, l)
	}
	return f, nil
}

func sshConfigError(file string, num int, format string, args ...any) error {
	return newError(KindInvalid, nil, "%s line %d: %s", ShowPath(file), num, fmt.Sprintf(format, args...)).
		with("path", file).with("line", strconv.Itoa(num))
}

// parseSSHConfigLine splits one line as OpenSSH's
// process_config_line_depth: a keyword, then one "=" or white space, then
// the arguments. It returns nil for blank lines and comments.
func parseSSHConfigLine(raw, file string, num int) (*sshConfigLine, error) {
	s := strings.TrimRight(raw, " \t\r\n\f")
	s = strings.TrimLeft(s, " \t")
	if s == "" || s[0] == '#' {
		return nil, nil
	}
	end := strings.IndexAny(s, " \t=")
	if end < 0 {
		return nil, sshConfigError(file, num, "no argument after keyword %q", s)
	}
	keyword := strings.ToLower(s[:end])
	// One "=" may separate, with white space around it (strdelim).
	rest := strings.TrimLeft(s[end+1:], " \t")
	if s[end] != '=' && strings.HasPrefix(rest, "=") {
		rest = strings.TrimLeft(rest[1:], " \t")
	}
	if rest == "" {
		return nil, sshConfigError(file, num, "no argument after keyword %q", keyword)
	}
	args, err := argvSplit(rest)
	if err != nil {
		return nil, sshConfigError(file, num, "invalid quotes")
	}
	l := &sshConfigLine{file: file, num: num, keyword: keyword, args: args, rest: rest}
	if rule, ok := sshConfigRules[keyword]; ok {
		if len(args) == 0 || args[0] == "" {
			return nil, sshConfigError(file, num, "missing argument")
		}
		if len(args) > 1 {
			return nil, sshConfigError(file, num, "keyword %s extra arguments at end of line", keyword)
		}
		if rule.check != nil && !rule.check(args[0]) {
			return nil, sshConfigError(file, num, "bad %s value %q: %s", keyword, args[0], rule.want)
		}
	}
	switch keyword {
	case "host":
		if len(args) == 0 {
			return nil, sshConfigError(file, num, "Host without patterns")
		}
		for _, a := range args {
			if a == "" {
				return nil, sshConfigError(file, num, "keyword host empty argument")
			}
		}
	case "match":
		m, err := parseMatch(args, file, num)
		if err != nil {
			return nil, err
		}
		l.match = m
	}
	return l, nil
}

// sshConfigRule is what a keyword that gossh applies takes: one argument,
// of which check (when not nil) approves. ssh refuses a file with such a
// line wherever it stands (active or not), and so does gossh. Keywords not
// listed are kept as written.
type sshConfigRule struct {
	check func(string) bool
	want  string
}

func oneOf(words ...string) func(string) bool {
	return func(v string) bool {
		for _, w := range words {
			if strings.EqualFold(v, w) {
				return true
			}
		}
		return false
	}
}

var (
	flagWords = oneOf("yes", "no", "true", "false")
	isPort    = func(v string) bool { p, err := strconv.Atoi(v); return err == nil && p >= 1 && p <= 65535 }
	isCount   = func(v string) bool { n, err := strconv.Atoi(v); return err == nil && n >= 0 }
	isTime    = func(v string) bool { _, err := parseConvtime(v); return err == nil }
)

var sshConfigRules = map[string]sshConfigRule{
	"hostname": {}, "user": {}, "hostkeyalias": {}, "identityfile": {}, "certificatefile": {},
	"ciphers": {}, "macs": {}, "kexalgorithms": {}, "hostkeyalgorithms": {}, "controlpath": {},
	"port":                      {isPort, "a port number in 1..65535"},
	"connecttimeout":            {isTime, "a time"},
	"serveraliveinterval":       {isTime, "a time"},
	"serveralivecountmax":       {isCount, "a number"},
	"connectionattempts":        {isCount, "a number"},
	"canonicalizemaxdots":       {isCount, "a number"},
	"identitiesonly":            {flagWords, "yes or no"},
	"batchmode":                 {flagWords, "yes or no"},
	"canonicalizefallbacklocal": {flagWords, "yes or no"},
	"compression":               {oneOf("yes", "no"), "yes or no"},
	"stricthostkeychecking":     {oneOf("yes", "no", "true", "false", "ask", "off", "accept-new"), "yes, no, ask, off or accept-new"},
	"canonicalizehostname":      {oneOf("yes", "no", "true", "false", "always"), "yes, no or always"},
}

// argvSplit is OpenSSH's argv_split with terminate_on_comment: white space
// separates, "..." and '...' quote, \ escapes a quote, a backslash or (outside
// quotes) a space, and a "#" that starts an argument ends the line.
func argvSplit(s string) ([]string, error) {
	var out []string
	i := 0
	for i < len(s) {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		if s[i] == '#' {
			break
		}
		var arg []byte
		var quote byte
		for ; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '\\' && i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '"' || s[i+1] == '\\' || (quote == 0 && s[i+1] == ' ')):
				i++
				arg = append(arg, s[i])
				continue
			case quote == 0 && (c == ' ' || c == '\t'):
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
				continue
			case quote != 0 && c == quote:
				quote = 0
				continue
			default:
				arg = append(arg, c)
				continue
			}
			break
		}
		if quote != 0 {
			return nil, strconv.ErrSyntax
		}
		out = append(out, string(arg))
	}
	return out, nil
}

// parseMatch checks a Match line's criteria as OpenSSH's match_cfg_line
// does, once, at parse time.
func parseMatch(args []string, file string, num int) ([]matchCriterion, error) {
	var out []matchCriterion
	attributes := 0
	for i := 0; i < len(args); i++ {
		c := matchCriterion{attr: strings.ToLower(args[i])}
		if strings.HasPrefix(c.attr, "!") {
			c.negate, c.attr = true, c.attr[1:]
		}
		switch c.attr {
		case "all":
			if attributes > 1 || i+1 < len(args) {
				return nil, sshConfigError(file, num, "'%s' cannot be combined with other Match attributes", args[i])
			}
			out = append(out, c)
			return out, nil
		case "canonical", "final":
			attributes++
			out = append(out, c)
			continue
		case "host", "originalhost", "user", "localuser", "exec":
			attributes++
			if i+1 >= len(args) || args[i+1] == "" {
				return nil, sshConfigError(file, num, "missing Match criteria for %s", c.attr)
			}
			i++
			c.arg = args[i]
			out = append(out, c)
		default:
			return nil, sshConfigError(file, num, "unsupported Match attribute %s", args[i])
		}
	}
	if attributes == 0 {
		return nil, sshConfigError(file, num, "one or more attributes required for Match")
	}
	return out, nil
}

// loadIncludes expands an Include line's patterns (OpenSSH: a relative path
// is under ~/.ssh for a user file, /etc/ssh for the system one; "~" only in
// user files) and parses the files they match, sorted as glob(3) sorts.
func (l *sshConfigLine) loadIncludes(userFile bool, depth int) error {
	if depth >= sshConfigMaxDepth {
		return sshConfigError(l.file, l.num, "Include nested too deeply (at most %d)", sshConfigMaxDepth)
	}
	env := sshEnvNow()
	for _, arg := range l.args {
		if arg == "" {
			return sshConfigError(l.file, l.num, "keyword include empty argument")
		}
		if strings.HasPrefix(arg, "~") && !userFile {
			return sshConfigError(l.file, l.num, "bad include path %s", arg)
		}
		pattern := arg
		if !filepath.IsAbs(arg) && !strings.HasPrefix(arg, "~") {
			if userFile {
				pattern = "~/.ssh/" + arg
			} else {
				pattern = filepath.Join(filepath.Dir(SSHConfigSystemFile), arg)
			}
		}
		pattern = expandTilde(pattern, env.homeEnv)
		matches, err := sshConfigGlob(pattern)
		if err != nil {
			return sshConfigError(l.file, l.num, "glob failed for %s", pattern)
		}
		sort.Strings(matches)
		for _, m := range matches {
			f, err := readSSHConfigFile(m, userFile, depth+1)
			if err != nil {
				if IsNotExist(err) {
					continue
				}
				return err
			}
			l.include = append(l.include, f)
		}
	}
	return nil
}

// Hostnames returns the patterns of every Host line, included files too,
// each once, in the order written (paramiko's get_hostnames).
func (c *SSHConfig) Hostnames() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(files []*sshConfigFile)
	walk = func(files []*sshConfigFile) {
		for _, f := range files {
			for _, l := range f.lines {
				if l.keyword == "host" {
					for _, a := range l.args {
						if !seen[a] {
							seen[a] = true
							out = append(out, a)
						}
					}
				}
				walk(l.include)
			}
		}
	}
	walk(c.snapshot())
	return out
}

// SSHConfigQuery is what the caller of Lookup already knows, as ssh's
// command line: a user (-l) and a port (-p) given here win over the files
// and are what `Match user` and the tokens see.
type SSHConfigQuery struct {
	User string
	Port int
}

// SSHConfigResult is a resolved host: each keyword (lower case) that the
// files set, with its values. Keywords that take one value have one; those
// in sshConfigMulti have one per occurrence. Tokens and "~" are expanded
// (see sshConfigExpand). "hostname" is always present: the HostName
// obtained, else the name looked up (lower case unless an address, as ssh).
type SSHConfigResult struct {
	host   string // the name looked up
	values map[string][]string
	raw    map[string][]string // as written, before token expansion
	order  []string
}

// Get returns a keyword's first value and whether it was set.
func (r *SSHConfigResult) Get(keyword string) (string, bool) {
	v := r.values[strings.ToLower(keyword)]
	if len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// GetAll returns all of a keyword's values (a copy).
func (r *SSHConfigResult) GetAll(keyword string) []string {
	return append([]string(nil), r.values[strings.ToLower(keyword)]...)
}

// Keywords returns the keywords set, in the order they were obtained.
func (r *SSHConfigResult) Keywords() []string { return append([]string(nil), r.order...) }

// lookupState is one lookup across its passes.
type lookupState struct {
	env       *sshEnv
	hostArg   string // the name looked up: %n, Match originalhost
	host      string // what Host lines match: the name looked up, then (final pass) the resolved host name
	final     bool
	wantFinal bool
	values    map[string][]string
	order     []string
}

func (st *lookupState) has(k string) bool { _, ok := st.values[k]; return ok }

func (st *lookupState) set(k, v string) {
	if !st.has(k) {
		st.order = append(st.order, k)
	}
	st.values[k] = append(st.values[k], v)
}

// Lookup resolves host as ssh(1) does: a first pass over the files, then,
// when a `Match final` or `Match canonical` line or CanonicalizeHostname
// asks for it, a second pass with the resolved host name. q may be nil.
func (c *SSHConfig) Lookup(host string, q *SSHConfigQuery) (*SSHConfigResult, error) {
	if host == "" {
		return nil, InvalidArgument("no host name to look up")
	}
	// A line break would end up in values (%h, %n, %r) and split a line
	// of the C API's answer; no host or user name holds one.
	if strings.ContainsAny(host, "\r\n\x00") || q != nil && strings.ContainsAny(q.User, "\r\n\x00") {
		return nil, InvalidArgument("a host or user name to look up holds a line break or NUL")
	}
	st := &lookupState{env: sshEnvNow(), hostArg: host, host: host, values: map[string][]string{}}
	if q != nil && q.User != "" {
		st.set("user", q.User)
	}
	if q != nil && q.Port != 0 {
		st.set("port", strconv.Itoa(q.Port))
	}
	files := c.snapshot()
	if err := st.pass(files); err != nil {
		return nil, err
	}
	hostname := host
	if v, ok := st.values["hostname"]; ok {
		hostname = percentExpand(v[0], map[byte]string{'h': host})
	}
	isAddr := net.ParseIP(hostname) != nil
	if !isAddr {
		hostname = strings.ToLower(hostname)
	}
	canon := strings.ToLower(st.first("canonicalizehostname"))
	if canon == "yes" || canon == "true" || canon == "always" {
		if !isAddr {
			if h, ok, tried := st.canonicalize(hostname, canon); ok {
				hostname = h
			} else if tried && sshConfigFalse(st.first("canonicalizefallbacklocal")) {
				return nil, newError(KindConnect, nil, "could not canonicalize host name %s", hostname).with("reason", "resolve")
			}
		}
		st.wantFinal = true
	}
	if st.wantFinal {
		st.values["hostname"] = []string{hostname}
		if !contains(st.order, "hostname") {
			st.order = append(st.order, "hostname")
		}
		st.host, st.final = hostname, true
		if err := st.pass(files); err != nil {
			return nil, err
		}
	}
	if !st.has("hostname") {
		st.order = append(st.order, "hostname")
	}
	st.values["hostname"] = []string{hostname}
	return st.result(), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (st *lookupState) first(k string) string {
	if v := st.values[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// sshConfigResolve resolves a candidate name for CanonicalizeHostname (a
// variable so that tests need no DNS).
var sshConfigResolve = func(name string) bool {
	addrs, err := net.DefaultResolver.LookupHost(context.Background(), name)
	return err == nil && len(addrs) > 0
}

// canonicalize tries hostname in each CanonicalDomains domain, as ssh's
// resolve_canonicalize: only names with at most CanonicalizeMaxDots dots,
// and (for "yes") only without a proxy. A name ending in "." is tried
// alone. tried reports whether some name was looked up: only then does
// CanonicalizeFallbackLocal no make a failure an error.
func (st *lookupState) canonicalize(hostname, mode string) (name string, ok, tried bool) {
	if mode != "always" && (st.has("proxycommand") && strings.ToLower(st.first("proxycommand")) != "none" || st.has("proxyjump") && strings.ToLower(st.first("proxyjump")) != "none") {
		return "", false, false
	}
	if strings.HasSuffix(hostname, ".") {
		name := strings.TrimSuffix(hostname, ".")
		if name != "" && sshConfigResolve(name) {
			return name, true, true
		}
		return "", false, false
	}
	maxDots := 1
	if v := st.first("canonicalizemaxdots"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			maxDots = n
		}
	}
	if strings.Count(hostname, ".") > maxDots {
		return "", false, false
	}
	for _, d := range strings.Fields(st.first("canonicaldomains")) {
		if strings.ToLower(d) == "none" {
			break
		}
		tried = true
		cand := hostname + "." + d
		if sshConfigResolve(cand) {
			return strings.ToLower(cand), true, true
		}
	}
	return "", false, tried
}

func sshConfigFalse(v string) bool {
	switch strings.ToLower(v) {
	case "no", "false":
		return true
	}
	return false
}

// pass applies the files in order, each starting active, as ssh's
// read_config_file.
func (st *lookupState) pass(files []*sshConfigFile) error {
	for _, f := range files {
		active := true
		if err := st.file(f, &active, false); err != nil {
			return err
		}
	}
	return nil
}

// file applies one file's lines. never is OpenSSH's SSHCONF_NEVERMATCH: an
// Include met in an inactive block is parsed but nothing in it applies.
func (st *lookupState) file(f *sshConfigFile, active *bool, never bool) error {
	for _, l := range f.lines {
		switch l.keyword {
		case "host":
			if never {
				*active = false
				continue
			}
			*active = st.matchHost(l.args)
		case "match":
			ok, err := st.matchLine(l)
			if err != nil {
				return err
			}
			*active = ok && !never
		case "include":
			outer := *active
			for _, inc := range l.include {
				if err := st.file(inc, active, never || !outer); err != nil {
					return err
				}
				*active = outer // a Match in an include does not leak out
			}
		default:
			if *active && !never {
				st.apply(l)
			}
		}
	}
	return nil
}

// apply records a line's value unless an earlier one won.
func (st *lookupState) apply(l *sshConfigLine) {
	k := l.keyword
	switch {
	case k == "sendenv":
		for _, a := range l.args {
			st.set(k, a)
		}
	case sshConfigMulti[k]:
		v := strings.Join(l.args, " ")
		if contains(st.values[k], v) {
			return // OpenSSH ignores a duplicate key, certificate or forward (not SendEnv)
		}
		st.set(k, v)
	case k == "proxycommand" || k == "proxyjump":
		// One wins for both: ProxyJump sets ProxyCommand none, and a
		// ProxyCommand after a ProxyJump is ignored.
		if st.has("proxycommand") || st.has("proxyjump") {
			return
		}
		v := l.rest
		if k == "proxyjump" {
			if i := strings.IndexByte(v, '#'); i >= 0 {
				v = v[:i]
			}
			v = strings.TrimRight(v, " \t")
		}
		st.set(k, v)
	case sshConfigRest[k]:
		if !st.has(k) {
			st.set(k, l.rest)
		}
	default:
		if !st.has(k) && len(l.args) > 0 {
			st.set(k, strings.Join(l.args, " "))
		}
	}
}

// matchHost is a Host line: some pattern matches and no negated one does.
func (st *lookupState) matchHost(patterns []string) bool {
	matched := false
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") {
			if matchPattern(st.host, p[1:]) {
				return false
			}
			continue
		}
		if matchPattern(st.host, p) {
			matched = true
		}
	}
	return matched
}

// matchLine evaluates a Match line as OpenSSH's match_cfg_line: every
// criterion must hold; exec is not run once an earlier one failed.
func (st *lookupState) matchLine(l *sshConfigLine) (bool, error) {
	port := 22
	if v := st.first("port"); v != "" {
		if p, err := strconv.Atoi(v); err == nil {
			port = p
		}
	}
	ruser := st.env.localUser
	if v := st.first("user"); v != "" {
		ruser = v
	}
	host := st.hostArg
	if st.final {
		host = st.first("hostname")
	} else if v := st.first("hostname"); v != "" {
		host = percentExpand(v, map[byte]string{'h': st.host})
	}
	result := true
	for _, c := range l.match {
		var r bool
		switch c.attr {
		case "all":
			return !c.negate && result, nil
		case "canonical", "final":
			if c.attr == "final" {
				st.wantFinal = true
			}
			r = st.final
		case "host":
			r = matchPatternList(strings.ToLower(host), c.arg, true) == 1
		case "originalhost":
			r = matchPatternList(strings.ToLower(st.hostArg), c.arg, true) == 1
		case "user":
			r = matchPatternList(ruser, c.arg, false) == 1
		case "localuser":
			r = matchPatternList(st.env.localUser, c.arg, false) == 1
		case "exec":
			if !result {
				continue
			}
			cmd := percentExpand(c.arg, st.env.tokens(host, st.hostArg, strconv.Itoa(port), ruser, ""))
			var err error
			r, err = sshConfigExec(cmd)
			if err != nil {
				return false, sshConfigError(l.file, l.num, "match exec %q: %v", cmd, err)
			}
		}
		if r == c.negate {
			result = false
		}
	}
	return result, nil
}

// sshConfigGlob and sshConfigExec are how Include finds files and Match
// exec runs commands (variables, so that the fuzz test runs none).
var (
	sshConfigGlob = filepath.Glob
	sshConfigExec = runMatchExec
)

// runMatchExec runs cmd with /bin/sh -c, stdin and stdout on /dev/null
// (OpenSSH's execute_in_shell); true on exit status 0. Its stderr goes to
// the log, not to the host process's stderr.
func runMatchExec(cmd string) (bool, error) {
	c := exec.Command("/bin/sh", "-c", cmd)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	err := c.Run()
	if stderr.Len() > 0 {
		DefaultLogger().Debugf("config", "Match exec %q: %s", cmd, strings.TrimSpace(stderr.String()))
	}
	if err == nil {
		return true, nil
	}
	if _, ok := err.(*exec.ExitError); ok {
		return false, nil
	}
	return false, err
}

// matchPattern is OpenSSH's match_pattern: "*" any run, "?" one character.
func matchPattern(s, p string) bool {
	for {
		if p == "" {
			return s == ""
		}
		if p[0] == '*' {
			for p != "" && p[0] == '*' {
				p = p[1:]
			}
			if p == "" {
				return true
			}
			for i := 0; i < len(s); i++ {
				if matchPattern(s[i:], p) {
					return true
				}
			}
			return false
		}
		if s == "" {
			return false
		}
		if p[0] != '?' && p[0] != s[0] {
			return false
		}
		s, p = s[1:], p[1:]
	}
}

// matchPatternList is OpenSSH's match_pattern_list: comma-separated
// patterns, "!" negates; -1 when a negated one matches, 1 when a plain one
// does, else 0. lower compares the patterns in lower case.
func matchPatternList(s, list string, lower bool) int {
	got := 0
	for _, p := range strings.Split(list, ",") {
		neg := strings.HasPrefix(p, "!")
		if neg {
			p = p[1:]
		}
		if lower {
			p = strings.ToLower(p)
		}
		if matchPattern(s, p) {
			if neg {
				return -1
			}
			got = 1
		}
	}
	return got
}

// sshEnv is what the tokens and "~" stand for on this machine.
type sshEnv struct {
	home      string // the user's home directory (pw_dir): %d, "~/" in values
	homeEnv   string // $HOME, as glob(3) uses for "~" in Include
	localUser string // %u
	uid       string // %i
	localHost string // %l (full), %L is up to the first "."
}

// sshEnvNow is the current process's sshEnv (a variable for tests).
var sshEnvNow = func() *sshEnv {
	e := &sshEnv{localUser: localUsername(), uid: strconv.Itoa(os.Getuid())}
	if u, err := user.Current(); err == nil && u.HomeDir != "" {
		e.home = u.HomeDir
	}
	e.homeEnv = os.Getenv("HOME")
	if e.home == "" {
		e.home = e.homeEnv
	}
	if e.homeEnv == "" {
		e.homeEnv = e.home
	}
	e.localHost, _ = os.Hostname()
	return e
}

// tokens is OpenSSH's default_client_percent_expand set (C d h i k L l n p
// r u) for a host, original host, port, remote user and host key alias.
func (e *sshEnv) tokens(host, hostArg, port, ruser, keyAlias string) map[byte]string {
	short := e.localHost
	if i := strings.IndexByte(short, '.'); i >= 0 {
		short = short[:i]
	}
	if keyAlias == "" {
		keyAlias = hostArg
	}
	sum := sha1.Sum([]byte(e.localHost + host + port + ruser))
	return map[byte]string{
		'C': hex.EncodeToString(sum[:]), 'd': e.home, 'h': host, 'i': e.uid, 'k': keyAlias,
		'L': short, 'l': e.localHost, 'n': hostArg, 'p': port, 'r': ruser, 'u': e.localUser,
	}
}

// percentExpand replaces %x by tokens[x] and %% by %. An unknown token is
// left as written.
func percentExpand(s string, tokens map[byte]string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		if s[i] == '%' {
			b.WriteByte('%')
		} else if v, ok := tokens[s[i]]; ok {
			b.WriteString(v)
		} else {
			b.WriteByte('%')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// dollarExpand replaces ${NAME} by the environment variable, as OpenSSH's
// dollar expansion (an unset one is left as written).
func dollarExpand(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		if v, ok := os.LookupEnv(name); ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

// expandTilde expands a leading "~" or "~/" with home, and "~user/" with
// that user's home.
func expandTilde(p, home string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	rest := p[1:]
	name := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		name, rest = rest[:i], rest[i:]
	} else {
		rest = ""
	}
	if name == "" {
		return home + rest
	}
	if u, err := user.Lookup(name); err == nil {
		return u.HomeDir + rest
	}
	return p
}

// sshConfigExpand names the keywords whose values gossh expands, and how:
// "hostname" takes %h; the path keywords take "~", the full token set and
// ${VAR} (as ssh does when it uses them); proxycommand takes %h %n %p %r
// (as ssh's proxy connect). Others are returned as written.
var sshConfigExpand = map[string]string{
	"identityfile": "path", "certificatefile": "path", "userknownhostsfile": "path-list",
	"controlpath": "path", "identityagent": "path", "remotecommand": "tokens",
	"proxycommand": "proxy",
}

// result expands tokens and builds the result.
func (st *lookupState) result() *SSHConfigResult {
	r := &SSHConfigResult{host: st.hostArg, values: map[string][]string{}, raw: map[string][]string{}, order: st.order}
	host := st.first("hostname")
	port := "22"
	if v := st.first("port"); v != "" {
		port = v
	}
	ruser := st.env.localUser
	if v := st.first("user"); v != "" {
		ruser = v
	}
	tok := st.env.tokens(host, st.hostArg, port, ruser, st.first("hostkeyalias"))
	for k, vals := range st.values {
		r.raw[k] = vals
		out := make([]string, len(vals))
		for i, v := range vals {
			switch sshConfigExpand[k] {
			case "path":
				if strings.ToLower(v) != "none" {
					v = dollarExpand(percentExpand(expandTilde(v, st.env.home), tok))
				}
			case "path-list":
				var parts []string
				for _, f := range strings.Fields(v) {
					parts = append(parts, dollarExpand(percentExpand(expandTilde(f, st.env.home), tok)))
				}
				v = strings.Join(parts, " ")
			case "tokens":
				v = percentExpand(v, tok)
			case "proxy":
				if strings.ToLower(v) != "none" {
					v = percentExpand(v, map[byte]string{'h': host, 'n': st.hostArg, 'p': port, 'r': ruser})
				}
			}
			out[i] = v
		}
		r.values[k] = out
	}
	return r
}
