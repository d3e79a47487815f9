package core

import (
	"bytes"
	"math"
	"os"
	"os/user"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config holds paramiko's connect() parameters.
type Config struct {
	Hostname   string
	Port       int
	Username   string
	Password   string
	Passphrase string
	Keys       []*Key // pkey: tried first
	// KeyData are private keys as file text (PEM, OpenSSH), tried after
	// Keys; they are unlocked at connect as key files are (Passphrase, else
	// Password), so no caller decides which secret opens them.
	KeyData       [][]byte
	KeyFilenames  []string // key_filename: tried next, in order
	AllowAgent    bool     // keys from the agent at AgentSocket or SSH_AUTH_SOCK
	AgentSocket   string
	LookForKeys   bool          // ~/.ssh/id_rsa, id_dsa, id_ecdsa, id_ed25519
	Timeout       time.Duration // TCP connect; 0: none
	BannerTimeout time.Duration // server's version banner; 0: none
	AuthTimeout   time.Duration // key exchange and authentication; 0: none
	// SSHConfig applies an ssh_config file at Connect (paramiko never
	// does: it is opt-in): "" none, SSHConfigDefault for ~/.ssh/config and
	// /etc/ssh/ssh_config, else a path. Values given explicitly win over
	// the file's (see Config.Explicit); sshconfig_apply.go says what is
	// applied.
	SSHConfig string
	// HostKeyAlias is the name the host key is looked up and recorded
	// under, instead of HostKeyName(Hostname, Port) (ssh_config's
	// HostKeyAlias); "" for none.
	HostKeyAlias string
	// CertificateFiles are OpenSSH certificates offered with the keys they
	// certify (ssh_config's CertificateFile).
	CertificateFiles []string
	// Ciphers, KeyExchanges, MACs and HostKeyAlgorithms: see "Algorithms"
	// below.
	// KeepaliveInterval sends keepalive@openssh.com after connecting, as
	// SetKeepalive (ssh_config's ServerAliveInterval); 0: none.
	// KeepaliveCountMax is how many may go unanswered (0: 3).
	KeepaliveInterval time.Duration
	KeepaliveCountMax int

	explicit  map[string]bool // options given by name through Set
	sshBase   *Config         // the caller's Config before its ssh_config was applied (see CallerConfig)
	jumpChain []string        // the hosts (as given) this one is a jump host for, outermost first (see hopBase)

	// ChannelTimeout is paramiko's channel_timeout: the limit for opening
	// a channel and for each channel request when the caller gives none
	// (a negative timeout); 0: none.
	ChannelTimeout time.Duration
	// ProxyCommand is OpenSSH's ProxyCommand: a command line, run by
	// /bin/sh with %h %p %r %n %u %% expanded, whose standard input and
	// output carry the connection (see proxycommand.go). "none": none.
	ProxyCommand string
	// ProxyJump is OpenSSH's ProxyJump: [user@]host[:port][,...], jump
	// hosts connected in turn, each through the one before, with this
	// config's authentication and timeouts and the client's host keys and
	// policy (see jump.go). "none": none. It excludes ProxyCommand.
	ProxyJump string
	// StepAuth makes Connect return once the server has proved its host
	// key, before authentication, which the Auth* calls then make one at a
	// time (paramiko's Transport.start_client and auth_*; stepauth.go).
	StepAuth bool
	// HostKey, if set ("type base64"), is the one key the server may
	// present (paramiko's Transport.connect(hostkey=)): known_hosts and the
	// policy are not consulted.
	HostKey string

	// Algorithms (algorithms.go). Ciphers, KeyExchanges, MACs and
	// HostKeyAlgorithms are explicit lists in order of preference (nil:
	// the defaults; host keys: ed25519 first, the types known for the host
	// before the rest). PubkeyAlgorithms limits the signature algorithms a
	// user key may sign with. DisabledAlgorithms is paramiko's
	// disabled_algorithms: category ("ciphers", "macs", "keys" (host keys),
	// "pubkeys", "kex") to names removed from what would be offered.
	Ciphers, KeyExchanges, MACs, HostKeyAlgorithms []string
	PubkeyAlgorithms                               []string
	DisabledAlgorithms                             map[string][]string
	// Compress is paramiko's compress: x/crypto has no compression, so it
	// is logged once at connect and the connection proceeds without.
	Compress bool
	// ForwardAgent requests agent forwarding on every session the client
	// starts, to the agent at AgentSocket or SSH_AUTH_SOCK (agent.go).
	ForwardAgent bool
	// IdentitiesOnly is OpenSSH's IdentitiesOnly: when keys are given
	// (Keys, KeyData, KeyFilenames), the agent's keys are offered only if
	// they are one of those keys, and ~/.ssh/id_* are not searched.
	IdentitiesOnly bool
}

// Defaults as paramiko's.
const (
	DefaultPort          = 22
	DefaultBannerTimeout = 15 * time.Second
	DefaultAuthTimeout   = 30 * time.Second
)

// NewConfig returns paramiko's defaults: port 22, the local user, agent and
// key discovery on, banner timeout 15 s, auth timeout 30 s.
func NewConfig() *Config {
	return &Config{
		Port:          DefaultPort,
		Username:      localUsername(),
		AllowAgent:    true,
		LookForKeys:   true,
		BannerTimeout: DefaultBannerTimeout,
		AuthTimeout:   DefaultAuthTimeout,
	}
}

// localUsername is the name of the user running the process.
func localUsername() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, v := range []string{"USER", "LOGNAME"} {
		if s := os.Getenv(v); s != "" {
			return s
		}
	}
	return "root"
}

// Clone returns a copy that shares no slices with c.
func (c *Config) Clone() *Config {
	d := *c
	d.Keys = append([]*Key(nil), c.Keys...)
	d.KeyFilenames = append([]string(nil), c.KeyFilenames...)
	d.KeyData = append([][]byte(nil), c.KeyData...)
	d.CertificateFiles = append([]string(nil), c.CertificateFiles...)
	d.Ciphers = cloneStrings(c.Ciphers)
	d.KeyExchanges = cloneStrings(c.KeyExchanges)
	d.MACs = cloneStrings(c.MACs)
	d.HostKeyAlgorithms = cloneStrings(c.HostKeyAlgorithms)
	d.PubkeyAlgorithms = cloneStrings(c.PubkeyAlgorithms)
	if c.DisabledAlgorithms != nil {
		d.DisabledAlgorithms = map[string][]string{}
		for k, v := range c.DisabledAlgorithms {
			d.DisabledAlgorithms[k] = cloneStrings(v)
		}
	}
	d.explicit = make(map[string]bool, len(c.explicit))
	for k, v := range c.explicit {
		d.explicit[k] = v
	}
	return &d
}

// Set sets one option from its text form, by paramiko's parameter name. It is
// the one place where option names are known, so that C, Python and Node
// pass options through unchanged. "key_filename" appends. An error names the
// option and never repeats the value (it may be a password given to the
// wrong option).
func (c *Config) Set(name, value string) error {
	var err error
	switch name {
	case "hostname":
		c.Hostname = value
	case "port":
		var p int
		p, err = strconv.Atoi(strings.TrimSpace(value))
		if err == nil && (p < 1 || p > 65535) {
			return InvalidArgument("option port: not a port number in 1..65535")
		}
		c.Port = p
	case "username":
		c.Username = value
	case "password":
		c.Password = value
	case "passphrase":
		c.Passphrase = value
	case "key_filename":
		if value == "" {
			return InvalidArgument("option key_filename: empty path")
		}
		c.KeyFilenames = append(c.KeyFilenames, value)
	case "allow_agent":
		c.AllowAgent, err = parseBool(value)
	case "look_for_keys":
		c.LookForKeys, err = parseBool(value)
	case "agent_socket":
		c.AgentSocket = value
	case "ssh_config":
		c.SSHConfig = sshConfigOption(value)
	case "timeout":
		c.Timeout, err = parseSeconds(value)
	case "banner_timeout":
		c.BannerTimeout, err = parseSeconds(value)
	case "auth_timeout":
		c.AuthTimeout, err = parseSeconds(value)
	case "channel_timeout":
		c.ChannelTimeout, err = parseSeconds(value)
	case "proxy_command":
		c.ProxyCommand = value
	case "step_auth":
		c.StepAuth, err = parseBool(value)
	case "host_key":
		if _, err := ParsePublicKeyText(value); err != nil {
			return InvalidArgument("option host_key: not a public key (\"type base64\")")
		}
		c.HostKey = value
	case "proxy_jump":
		if _, err := ParseProxyJump(value); err != nil {
			return err
		}
		c.ProxyJump = value
	case "ciphers":
		c.Ciphers, err = parseAlgorithmList(name, AlgoCiphers, value)
		return err
	case "kex":
		c.KeyExchanges, err = parseAlgorithmList(name, AlgoKex, value)
		return err
	case "macs":
		c.MACs, err = parseAlgorithmList(name, AlgoMACs, value)
		return err
	case "host_key_algorithms":
		c.HostKeyAlgorithms, err = parseAlgorithmList(name, AlgoKeys, value)
		return err
	case "pubkey_algorithms":
		c.PubkeyAlgorithms, err = parseAlgorithmList(name, AlgoPubkeys, value)
		return err
	case "disabled_algorithms":
		c.DisabledAlgorithms, err = ParseDisabledAlgorithms(value)
		return err
	case "compress":
		c.Compress, err = parseBool(value)
	case "forward_agent":
		c.ForwardAgent, err = parseBool(value)
	case "identities_only":
		c.IdentitiesOnly, err = parseBool(value)
	default:
		// The name is repeated only when it looks like one: a caller who
		// swapped name and value must not see the value (a password?).
		shown := "name (not shown)"
		if optionNameRE.MatchString(name) {
			shown = `"` + name + `"`
		}
		return InvalidArgument("unknown option %s; the names are %s", shown, strings.Join(optionNames, ", "))
	}
	if err != nil {
		return InvalidArgument("option %s: %s", name, optionWants[name])
	}
	c.MarkExplicit(name)
	return nil
}

// optionNames lists the names Set knows, for the message about another.
var optionNames = []string{"hostname", "port", "username", "password", "passphrase", "key_filename",
	"allow_agent", "look_for_keys", "agent_socket", "timeout", "banner_timeout", "auth_timeout", "channel_timeout",
	"proxy_command", "proxy_jump", "step_auth", "host_key",
	"ciphers", "kex", "macs", "host_key_algorithms", "pubkey_algorithms", "disabled_algorithms",
	"compress", "forward_agent", "identities_only"}

// optionNameRE is what an option name looks like (lower case and "_").
var optionNameRE = regexp.MustCompile(`^[a-z][a-z_]{0,31}$`)

// optionWants says, for a value that does not parse, what the option takes.
var optionWants = map[string]string{
	"port":            "not a port number in 1..65535",
	"allow_agent":     "not a boolean (1/0, true/false, yes/no, on/off)",
	"look_for_keys":   "not a boolean (1/0, true/false, yes/no, on/off)",
	"timeout":         "not a valid number of seconds",
	"banner_timeout":  "not a valid number of seconds",
	"auth_timeout":    "not a valid number of seconds",
	"channel_timeout": "not a valid number of seconds",
	"step_auth":       "not a boolean (1/0, true/false, yes/no, on/off)",
	"compress":        "not a boolean (1/0, true/false, yes/no, on/off)",
	"forward_agent":   "not a boolean (1/0, true/false, yes/no, on/off)",
	"identities_only": "not a boolean (1/0, true/false, yes/no, on/off)",
}

// parseBool accepts 1/0, true/false, yes/no, on/off.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off", "":
		return false, nil
	}
	return false, strconv.ErrSyntax
}

// parseSeconds reads decimal seconds; "" or 0 means no timeout.
func parseSeconds(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	if f < 0 || math.IsNaN(f) || f > 1e9 {
		return 0, strconv.ErrRange
	}
	return time.Duration(f * float64(time.Second)), nil
}

// Options is a Config that is safe for concurrent use: what the C API's
// gossh_options holds.
type Options struct {
	mu  sync.Mutex
	cfg *Config
}

// NewOptions returns options holding NewConfig's defaults.
func NewOptions() *Options { return &Options{cfg: NewConfig()} }

// Set sets one option by name (see Config.Set).
func (o *Options) Set(name, value string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cfg.Set(name, value)
}

// SetList sets names[i] to values[i] in order, all or none: at the first
// name that Set refuses it returns that index and Set's error (which names
// the option) and the options are as before the call. It returns -1 and
// nil when every option was set. names and values have the same length.
func (o *Options) SetList(names, values []string) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.cfg.Clone()
	if i, err := c.SetList(names, values); err != nil {
		return i, err
	}
	o.cfg = c
	return -1, nil
}

// SetList sets names[i] to values[i] in order (see Set) and stops at the
// first one refused, returning its index and the error; -1 and nil when
// every option was set. Unlike Options.SetList it does not undo the
// options set before a refused one: call it on a Clone to have all or
// none.
func (c *Config) SetList(names, values []string) (int, error) {
	for i, name := range names {
		if err := c.Set(name, values[i]); err != nil {
			return i, err
		}
	}
	return -1, nil
}

// AddKey appends a private key to try first (paramiko's pkey).
func (o *Options) AddKey(k *Key) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cfg.Keys = append(o.cfg.Keys, k)
}

// AddKeyData appends a private key as file text, loaded at connect (see
// Config.KeyData). data is copied.
func (o *Options) AddKeyData(data []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cfg.KeyData = append(o.cfg.KeyData, bytes.Clone(data))
}

// Config returns a snapshot of the options.
func (o *Options) Config() *Config {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cfg.Clone()
}
