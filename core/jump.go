package core

import (
	"context"
	"net"
	"strconv"
	"strings"
)

// This file holds OpenSSH's ProxyJump: connecting through a chain of jump
// hosts, each a client of its own whose connection carries the next.

// JumpHost is one hop of a ProxyJump list.
type JumpHost struct {
	User string // "" : the local user, as OpenSSH's ssh -J
	Host string
	Port int
}

// ParseProxyJump reads OpenSSH's ProxyJump syntax: hops separated by ",",
// each [user@]host[:port] or ssh://[user@]host[:port], an IPv6 address in
// brackets. "none" and "" give no hops.
func ParseProxyJump(s string) ([]JumpHost, error) {
	if proxySetting(s) == "" {
		return nil, nil
	}
	var hops []JumpHost
	for i, part := range strings.Split(s, ",") {
		h, err := parseJumpHost(strings.TrimSpace(part), i+1)
		if err != nil {
			return nil, err
		}
		hops = append(hops, h)
	}
	return hops, nil
}

// parseJumpHost reads hop n. An error does not repeat the text (an option
// error never shows a value: it may be a secret given to the wrong option).
func parseJumpHost(s string, n int) (JumpHost, error) {
	bad := func(why string) (JumpHost, error) {
		return JumpHost{}, InvalidArgument("proxy_jump: hop %d is not [user@]host[:port]: %s", n, why)
	}
	h := JumpHost{Port: DefaultPort}
	rest := strings.TrimPrefix(s, "ssh://")
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		h.User, rest = rest[:at], rest[at+1:]
		if h.User == "" {
			return bad("empty user name")
		}
	}
	port := ""
	switch {
	case strings.HasPrefix(rest, "["):
		end := strings.Index(rest, "]")
		if end < 0 {
			return bad("unclosed [")
		}
		h.Host, rest = rest[1:end], rest[end+1:]
		if rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return bad("text after ]")
			}
			port = rest[1:]
		}
	case strings.Count(rest, ":") == 1:
		i := strings.Index(rest, ":")
		h.Host, port = rest[:i], rest[i+1:]
	default:
		h.Host = rest // a host name, or a bare IPv6 address
	}
	if h.Host == "" {
		return bad("empty host")
	}
	if strings.ContainsAny(h.Host, " \t/") {
		return bad("bad host name")
	}
	if port != "" || strings.HasSuffix(rest, ":") {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return bad("port not in 1..65535")
		}
		h.Port = p
	}
	return h, nil
}

// String gives the hop back in ProxyJump syntax.
func (h JumpHost) String() string {
	s := net.JoinHostPort(h.Host, strconv.Itoa(h.Port))
	if h.User != "" {
		s = h.User + "@" + s
	}
	return s
}

// hopConfig is the configuration of a jump host: cfg's authentication and
// timeouts (as ssh -J uses the target's options for every hop), the hop's
// own address and user (the local user if the hop names none), no proxy,
// no step authentication and no given host key.
func hopConfig(cfg *Config, h JumpHost) *Config {
	hc := cfg.hopBase(h.User != "") // the caller's Config, before the target's ssh_config
	hc.Hostname, hc.Port = h.Host, h.Port
	hc.Username = h.User
	if hc.Username == "" {
		hc.Username = localUsername()
	}
	hc.ProxyCommand, hc.ProxyJump = "", ""
	// The target's own: a hop authenticates at once and is checked
	// against the stores (not against the key given for the target).
	hc.StepAuth, hc.HostKey = false, ""
	return hc
}

// newHop returns a client for a jump host that checks host keys against c's
// stores by c's policy, and logs under c's channel.
func (c *Client) newHop() *Client {
	hop := NewClient()
	c.mu.Lock()
	policy := c.policy
	c.mu.Unlock()
	hop.SetPolicy(policy)
	hop.ShareHostKeys(c)
	hop.SetLogChannel(c.LogChannel())
	return hop
}

// dialJump connects to every hop in turn, each through the one before, and
// returns a channel of the last to cfg's host and port. The hops live as
// long as that conn: closing it closes them, last first. Closing the client
// (ctx cancelled) while a hop connects ends that connect.
func (c *Client) dialJump(ctx context.Context, hops []JumpHost, cfg *Config) (net.Conn, error) {
	var clients []*Client
	closeAll := func() {
		for i := len(clients) - 1; i >= 0; i-- {
			clients[i].Close()
		}
	}
	for i, h := range hops {
		hop := c.newHop()
		clients = append(clients, hop)
		stop := context.AfterFunc(ctx, func() { hop.Close() })
		c.log.Infof("transport", "connecting to jump host %d of %d: %s", i+1, len(hops), h)
		var err error
		if i == 0 {
			err = hop.Connect(hopConfig(cfg, h))
		} else {
			err = hop.ConnectVia(clients[i-1], hopConfig(cfg, h))
		}
		stop()
		if err != nil {
			closeAll()
			e := AsError(err)
			out := &Error{Kind: e.Kind, Msg: "jump host " + h.String() + ": " + e.Msg, Err: err}
			for k, v := range e.Details {
				out.with(k, v)
			}
			return nil, out.with("jump_host", h.String())
		}
	}
	conn, err := dialVia(clients[len(clients)-1], cfg)
	if err != nil {
		closeAll()
		return nil, err
	}
	return &withCloser{Conn: conn, after: closeAll}, nil
}
