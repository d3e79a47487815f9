package core

// sshconfig_apply.go applies a resolved ssh_config to a Config at Connect,
// when Config.SSHConfig asks for it. The rule: a value given explicitly
// wins over the file (Config.Explicit), and only values the file sets are
// applied, never OpenSSH's defaults (gossh's, paramiko's, stay). Applied:
//
//	HostName, User, Port, IdentityFile, IdentitiesOnly, CertificateFile,
//	HostKeyAlias, UserKnownHostsFile, GlobalKnownHostsFile, StrictHostKeyChecking,
//	HostKeyAlgorithms, Ciphers, KexAlgorithms, MACs, ConnectTimeout,
//	ServerAliveInterval, ServerAliveCountMax, Compression (logged: none),
//	ProxyJump and ProxyCommand (see applySSHConfigProxy).

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// The "ssh_config" option joins the names Set knows (added here, not in
// options.go's list, so that branches adding options merge cleanly).
func init() { optionNames = append(optionNames, "ssh_config") }

// sshConfigOption reads the "ssh_config" option: "1" or "default" for
// the default files, "" for none, else a path.
func sshConfigOption(v string) string {
	switch strings.TrimSpace(v) {
	case "1", SSHConfigDefault:
		return SSHConfigDefault
	}
	return v
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}

// MarkExplicit records that the option name (Set's names) was given by
// the caller, so that an ssh_config does not override it. Set marks the
// options it sets; a Go caller who fills fields directly marks a field set
// to its default value (a non-default value counts as explicit anyway).
func (c *Config) MarkExplicit(name string) {
	if c.explicit == nil {
		c.explicit = map[string]bool{}
	}
	c.explicit[name] = true
}

// UnmarkExplicit forgets that options were given by the caller (a jump
// host started from a Config takes its user and port from its own spec,
// else from the ssh_config, as ssh -J does).
func (c *Config) UnmarkExplicit(names ...string) {
	for _, n := range names {
		delete(c.explicit, n)
	}
}

// Explicit reports whether the option name was given by the caller:
// marked (MarkExplicit, Set), or away from NewConfig's default.
func (c *Config) Explicit(name string) bool {
	if c.explicit[name] {
		return true
	}
	switch name {
	case "username":
		return c.Username != "" && c.Username != localUsername()
	case "port":
		return c.Port != 0 && c.Port != DefaultPort
	case "timeout":
		return c.Timeout != 0
	case "allow_agent":
		return !c.AllowAgent
	case "look_for_keys":
		return !c.LookForKeys
	}
	return false
}

// applySSHConfig resolves cfg.Hostname in cfg.SSHConfig and applies the
// result to cfg (and, for the known_hosts files and the missing-host-key
// policy, to this connection of c). It returns a function that undoes the
// policy change once the handshake is over.
func (c *Client) applySSHConfig(cfg *Config) (restore func(), err error) {
	restore = func() {}
	sc, err := OpenSSHConfig(cfg.SSHConfig)
	if err != nil {
		return restore, err
	}
	q := &SSHConfigQuery{}
	if cfg.Explicit("username") {
		q.User = cfg.Username
	}
	if cfg.Explicit("port") {
		q.Port = cfg.Port
	}
	res, err := sc.Lookup(cfg.Hostname, q)
	if err != nil {
		return restore, err
	}
	c.log.Debugf("transport", "ssh_config %s: %s resolves to %s", ShowPath(cfg.SSHConfig), cfg.Hostname, res.values["hostname"][0])
	return c.applySSHConfigResult(cfg, res)
}

func (c *Client) applySSHConfigResult(cfg *Config, res *SSHConfigResult) (restore func(), err error) {
	restore = func() {}
	bad := func(k, v, why string) error {
		return InvalidArgument("ssh_config %s: %s %q: %s", ShowPath(cfg.SSHConfig), k, v, why)
	}
	get := func(k string) (string, bool) { return res.Get(k) }

	if h, _ := get("hostname"); h != "" {
		cfg.Hostname = h
	}
	if v, ok := get("user"); ok && !cfg.Explicit("username") {
		cfg.Username = v
	}
	if v, ok := get("port"); ok && !cfg.Explicit("port") {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return restore, bad("Port", v, "not a port number")
		}
		cfg.Port = p
	}
	if v, ok := get("hostkeyalias"); ok && cfg.HostKeyAlias == "" && !strings.EqualFold(v, "none") {
		cfg.HostKeyAlias = strings.ToLower(v) // ssh lowers it
	}
	if v, ok := get("connecttimeout"); ok && !cfg.Explicit("timeout") {
		d, err := parseConvtime(v)
		if err != nil {
			return restore, bad("ConnectTimeout", v, "not a time")
		}
		cfg.Timeout = d
	}

	// Keys: IdentityFile as key_filename (after the explicit ones; a
	// missing file is skipped, as ssh does). As ssh, the default ~/.ssh/id_*
	// are tried only when the file names no IdentityFile.
	files := res.GetAll("identityfile")
	for _, f := range files {
		if strings.EqualFold(f, "none") {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			c.log.Debugf("transport", "ssh_config IdentityFile %s: not found, skipped", ShowPath(f))
			continue
		}
		if !contains(cfg.KeyFilenames, f) {
			cfg.KeyFilenames = append(cfg.KeyFilenames, f)
		}
	}
	if len(files) > 0 && !cfg.Explicit("look_for_keys") {
		cfg.LookForKeys = false
	}
	if v, ok := get("identitiesonly"); ok && sshConfigYes(v) {
		// OpenSSH's: only the agent keys that are identity files given
		// (Config.IdentitiesOnly); with none given, ssh offers its default
		// files alone, so the agent's keys are not offered.
		if !cfg.Explicit("identities_only") {
			cfg.IdentitiesOnly = true
		}
		if len(cfg.Keys)+len(cfg.KeyData)+len(cfg.KeyFilenames) == 0 && !cfg.Explicit("allow_agent") {
			cfg.AllowAgent = false
		}
	}
	for _, f := range res.GetAll("certificatefile") {
		if !strings.EqualFold(f, "none") && !contains(cfg.CertificateFiles, f) {
			cfg.CertificateFiles = append(cfg.CertificateFiles, f)
		}
	}

	// Algorithms.
	for _, a := range []struct {
		keyword string
		field   *[]string
		base    []string
		known   []string
	}{
		{"ciphers", &cfg.Ciphers, ssh.SupportedAlgorithms().Ciphers, append(ssh.SupportedAlgorithms().Ciphers, ssh.InsecureAlgorithms().Ciphers...)},
		{"kexalgorithms", &cfg.KeyExchanges, ssh.SupportedAlgorithms().KeyExchanges, append(ssh.SupportedAlgorithms().KeyExchanges, ssh.InsecureAlgorithms().KeyExchanges...)},
		{"macs", &cfg.MACs, ssh.SupportedAlgorithms().MACs, append(ssh.SupportedAlgorithms().MACs, ssh.InsecureAlgorithms().MACs...)},
		// The base is gossh's default order (ed25519 first), so that
		// "+ssh-rsa" and "-..." keep it.
		{"hostkeyalgorithms", &cfg.HostKeyAlgorithms, defaultHostKeyOrder(), append(ssh.SupportedAlgorithms().HostKeys, ssh.InsecureAlgorithms().HostKeys...)},
	} {
		v, ok := get(a.keyword)
		if !ok || *a.field != nil {
			continue
		}
		list, dropped := resolveAlgorithms(v, a.base, a.known)
		if len(dropped) > 0 {
			c.log.Debugf("transport", "ssh_config %s: %s not supported, skipped", a.keyword, strings.Join(dropped, ","))
		}
		if len(list) == 0 {
			return restore, bad(a.keyword, v, "no algorithm gossh supports")
		}
		*a.field = list
	}

	// Keepalives.
	if v, ok := get("serveraliveinterval"); ok && cfg.KeepaliveInterval == 0 {
		d, err := parseConvtime(v)
		if err != nil {
			return restore, bad("ServerAliveInterval", v, "not a time")
		}
		cfg.KeepaliveInterval = d
	}
	if v, ok := get("serveralivecountmax"); ok && cfg.KeepaliveCountMax == 0 {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return restore, bad("ServerAliveCountMax", v, "not a positive number")
		}
		cfg.KeepaliveCountMax = n
	}
	if v, ok := get("compression"); ok && sshConfigYes(v) {
		compressionOnce.Do(func() {
			c.log.Infof("transport", "ssh_config asks for Compression, which gossh does not have (x/crypto/ssh offers none): connecting without (said once)")
		})
	}

	// Host keys: the files are read into the client's stores (the first
	// UserKnownHostsFile as its own, saved to on AcceptAdd, unless the
	// caller loaded one; the others as system keys, never written).
	c.loadSSHConfigKnownHosts(res)
	if v, ok := get("stricthostkeychecking"); ok {
		var p Policy
		switch strings.ToLower(v) {
		case "yes", "true", "on":
			p = RejectPolicy{}
		case "no", "false", "off", "accept-new":
			// "no" adds new keys as "accept-new" does; a changed key is
			// refused whatever the file says.
			p = AutoAddPolicy{}
		}
		c.mu.Lock()
		if p != nil && !c.policySet {
			prev := c.policy
			c.policy = p
			restore = func() {
				c.mu.Lock()
				if !c.policySet {
					c.policy = prev
				}
				c.mu.Unlock()
			}
		}
		c.mu.Unlock()
	}

	if err := applySSHConfigProxy(cfg, res.host, res); err != nil {
		return restore, err
	}
	return restore, nil
}

// CallerConfig returns the Config as the caller gave it, before its
// ssh_config was applied (cfg itself when none was).
func (c *Config) CallerConfig() *Config {
	if c.sshBase != nil {
		return c.sshBase
	}
	return c
}

// sshConfigMaxJumps bounds jump hosts that lead to jump hosts through an
// ssh_config (ssh has no bound: `Host a` with `ProxyJump a-alias` that
// resolves back to a recurses until something runs out).
const sshConfigMaxJumps = 16

// hopBase is the Config a jump host's connect starts from: the caller's
// Config before the target's ssh_config was applied, so that each hop is
// resolved in the ssh_config on its own, as ssh -J does (the target's
// HostName, HostKeyAlias or Ciphers must not follow a hop), with the
// target added to its jump chain (for loops); the user counts as given
// only when the hop's spec names one, the port only when it is not the
// default.
func (c *Config) hopBase(userGiven bool) *Config {
	caller := c.CallerConfig()
	hc := caller.Clone()
	hc.jumpChain = append(append([]string(nil), c.jumpChain...), caller.Hostname)
	if !userGiven {
		hc.Username = localUsername()
		hc.UnmarkExplicit("username")
	}
	hc.UnmarkExplicit("port")
	return hc
}

// sshConfigProxy is what an ssh_config says about proxies for cfg, looked
// up as alias: at most one of a ProxyJump and a ProxyCommand (the resolver
// keeps the first, as ssh), "none" read as nothing. A ProxyJump through
// the host itself or through a host it is already a jump host for (by the
// names written), or one sshConfigMaxJumps deep, is a loop: an error
// (ssh recurses without bound through an alias that leads back).
func sshConfigProxy(cfg *Config, alias string, res *SSHConfigResult) (jump, command string, err error) {
	if v, ok := res.Get("proxyjump"); ok && !strings.EqualFold(v, "none") {
		if len(cfg.jumpChain) >= sshConfigMaxJumps {
			return "", "", InvalidArgument("ssh_config: jump hosts %d deep at %s: a ProxyJump loop?", len(cfg.jumpChain), alias)
		}
		seen := append([]string{alias}, cfg.jumpChain...)
		for _, hop := range strings.Split(v, ",") {
			host := strings.TrimPrefix(strings.TrimSpace(hop), "ssh://")
			if i := strings.LastIndexByte(host, '@'); i >= 0 {
				host = host[i+1:]
			}
			if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
				host = host[:i]
			}
			host = strings.Trim(host, "[]")
			for _, s := range seen {
				if strings.EqualFold(host, s) {
					return "", "", InvalidArgument("ssh_config: jump host loop: %s jumps through %s (exclude it: Host * !%s)", alias, host, host)
				}
			}
		}
		return v, "", nil
	}
	if v, ok := res.raw["proxycommand"]; ok && !strings.EqualFold(v[0], "none") {
		return "", v[0], nil // as written: the proxy code expands its tokens
	}
	return "", "", nil
}

// applySSHConfigProxy copies the ssh_config's ProxyJump or ProxyCommand
// onto cfg unless the caller gave one ("none" included). Jump hosts are
// then resolved in the ssh_config each on its own (hopBase in hopConfig,
// prepareConnect in ConnectVia for the second and later hops).
func applySSHConfigProxy(cfg *Config, alias string, res *SSHConfigResult) error {
	jump, command, err := sshConfigProxy(cfg, alias, res)
	if err != nil {
		return err
	}
	if cfg.ProxyJump != "" || cfg.ProxyCommand != "" {
		return nil
	}
	cfg.ProxyJump, cfg.ProxyCommand = jump, command
	return nil
}

// loadSSHConfigKnownHosts reads UserKnownHostsFile and GlobalKnownHostsFile.
func (c *Client) loadSSHConfigKnownHosts(res *SSHConfigResult) {
	system, _ := c.stores()
	load := func(path string) {
		if err := system.load(path, c.log); err != nil && !IsNotExist(err) {
			c.log.Warnf("transport", "ssh_config known hosts: %v", err)
		}
	}
	if v, ok := res.Get("userknownhostsfile"); ok && !strings.EqualFold(v, "none") {
		for i, f := range strings.Fields(v) {
			c.mu.Lock()
			own := i == 0 && c.hostKeysFile == ""
			c.mu.Unlock()
			if own {
				if err := c.LoadHostKeys(f); err != nil {
					c.log.Warnf("transport", "ssh_config known hosts: %v", err)
				}
				continue
			}
			load(f)
		}
	}
	if v, ok := res.Get("globalknownhostsfile"); ok && !strings.EqualFold(v, "none") {
		for _, f := range strings.Fields(v) {
			load(expandTilde(f, sshEnvNow().home))
		}
	}
}

// compressionOnce says once per process that Compression is not there.
var compressionOnce sync.Once

func sshConfigYes(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "true", "on":
		return true
	}
	return false
}

// resolveAlgorithms reads an OpenSSH algorithm list: "+a,b" appends to
// base, "-a,b*" removes (patterns allowed), "^a,b" puts first, else the
// list itself. Names gossh does not know are dropped (returned as dropped).
func resolveAlgorithms(v string, base, known []string) (list, dropped []string) {
	isKnown := map[string]bool{}
	for _, k := range known {
		isKnown[k] = true
	}
	var want []string
	names := func(s string) []string {
		var out []string
		for _, n := range strings.Split(s, ",") {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, n)
			}
		}
		return out
	}
	switch {
	case strings.HasPrefix(v, "+"):
		want = append(append([]string{}, base...), names(v[1:])...)
	case strings.HasPrefix(v, "^"):
		want = append(names(v[1:]), base...)
	case strings.HasPrefix(v, "-"):
		for _, b := range base {
			if matchPatternList(b, v[1:], false) != 1 {
				want = append(want, b)
			}
		}
	default:
		want = names(v)
	}
	seen := map[string]bool{}
	for _, n := range want {
		if seen[n] {
			continue
		}
		seen[n] = true
		if isKnown[n] {
			list = append(list, n)
		} else {
			dropped = append(dropped, n)
		}
	}
	return list, dropped
}

// parseConvtime reads an OpenSSH time ("30", "1m30s", "none" for 0), as
// misc.c's convtime: a number with an optional unit s, m, h, d or w, and
// such pairs one after the other.
func parseConvtime(v string) (time.Duration, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "none" || v == "0" {
		return 0, nil
	}
	if v == "" {
		return 0, strconv.ErrSyntax
	}
	var total time.Duration
	for v != "" {
		i := 0
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, strconv.ErrSyntax
		}
		n, err := strconv.Atoi(v[:i])
		if err != nil {
			return 0, err
		}
		unit := time.Second
		v = v[i:]
		if v != "" {
			switch v[0] {
			case 's':
			case 'm':
				unit = time.Minute
			case 'h':
				unit = time.Hour
			case 'd':
				unit = 24 * time.Hour
			case 'w':
				unit = 7 * 24 * time.Hour
			default:
				return 0, strconv.ErrSyntax
			}
			v = v[1:]
		}
		total += time.Duration(n) * unit
	}
	return total, nil
}

// addCertificates puts, before each signer that one of files certifies, a
// signer for that certificate (ssh offers the certificate, then the plain
// key). A file that cannot be read or certifies none of the keys is logged
// and skipped.
func addCertificates(files []string, signers []ssh.Signer) []ssh.Signer {
	log := DefaultLogger()
	if len(files) == 0 {
		return signers
	}
	certs := map[string][]*ssh.Certificate{} // by the certified key's wire form
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			log.Debugf("transport", "certificate %s: %v, skipped", ShowPath(f), err)
			continue
		}
		pk, _, _, _, err := ssh.ParseAuthorizedKey(data)
		cert, ok := pk.(*ssh.Certificate)
		if err != nil || !ok {
			log.Warnf("transport", "certificate %s: not an OpenSSH certificate, skipped", ShowPath(f))
			continue
		}
		certs[string(cert.Key.Marshal())] = append(certs[string(cert.Key.Marshal())], cert)
	}
	var out []ssh.Signer
	for _, s := range signers {
		for _, cert := range certs[string(s.PublicKey().Marshal())] {
			if cs, err := ssh.NewCertSigner(cert, s); err == nil {
				out = append(out, cs)
			}
		}
		out = append(out, s)
	}
	return out
}

// prepareConnect is what Connect does first when cfg asks for an ssh_config
// or keepalives: it returns a copy of cfg with the ssh_config applied, and
// done, which Connect defers: done undoes the connection's policy change
// and, if the connect made the client active, starts the keepalive
// (KeepaliveInterval, KeepaliveCountMax).
func (c *Client) prepareConnect(cfg *Config) (*Config, func(), error) {
	base := cfg.Clone()
	cfg = cfg.Clone()
	wasActive := c.IsActive()
	restore := func() {}
	if cfg.SSHConfig != "" {
		cfg.sshBase = base
		var err error
		restore, err = c.applySSHConfig(cfg)
		if err != nil {
			restore()
			c.log.Infof("transport", "%v", err)
			return nil, nil, err
		}
	}
	return cfg, func() {
		restore()
		if !wasActive && c.IsActive() && cfg.KeepaliveInterval > 0 {
			c.setKeepaliveMax(cfg.KeepaliveCountMax)
			_ = c.SetKeepalive(cfg.KeepaliveInterval)
		}
	}, nil
}
