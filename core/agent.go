// The SSH agent: listing its keys and signing with them (paramiko's Agent
// and AgentKey), and agent forwarding (paramiko's AgentRequestHandler).

package core

import (
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// agentDialTimeout bounds connecting to the agent's socket.
const agentDialTimeout = 2 * time.Second

// agentSocket is the agent socket to use: socket, else SSH_AUTH_SOCK ("" if
// neither is set).
func agentSocket(socket string) string {
	if socket != "" {
		return socket
	}
	return os.Getenv("SSH_AUTH_SOCK")
}

// AgentKey is one key the agent holds: its public key blob (wire form),
// type and comment.
type AgentKey struct {
	Blob    []byte
	Type    string
	Comment string
}

// dialAgent connects to the agent at socket (or SSH_AUTH_SOCK). No socket
// is KindConnect with detail reason "no_agent"; a socket that does not
// answer is KindConnect with reason "agent".
func dialAgent(socket string) (agent.ExtendedAgent, net.Conn, error) {
	sock := agentSocket(socket)
	if sock == "" {
		return nil, nil, newError(KindConnect, nil, "no SSH agent: SSH_AUTH_SOCK is not set and no agent socket was given").with("reason", "no_agent")
	}
	conn, err := net.DialTimeout("unix", sock, agentDialTimeout)
	if err != nil {
		return nil, nil, newError(KindConnect, err, "cannot connect to the SSH agent at %s: %v", sock, unwrapOpError(err)).with("reason", "agent")
	}
	return agent.NewClient(conn), conn, nil
}

// AgentKeys lists the keys of the agent at socket (or SSH_AUTH_SOCK), in
// the agent's order (paramiko's Agent.get_keys).
func AgentKeys(socket string) ([]AgentKey, error) {
	a, conn, err := dialAgent(socket)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	keys, err := a.List()
	if err != nil {
		return nil, newError(KindProtocol, err, "the SSH agent did not list its keys: %v", err)
	}
	out := make([]AgentKey, 0, len(keys))
	for _, k := range keys {
		out = append(out, AgentKey{Blob: k.Blob, Type: k.Format, Comment: k.Comment})
	}
	return out, nil
}

// agentSignFlags maps a signature algorithm to the agent's request flag.
var agentSignFlags = map[string]agent.SignatureFlags{
	"":                   0,
	ssh.KeyAlgoRSA:       0,
	ssh.KeyAlgoRSASHA256: agent.SignatureFlagRsaSha256,
	ssh.KeyAlgoRSASHA512: agent.SignatureFlagRsaSha512,
}

// AgentSign asks the agent at socket (or SSH_AUTH_SOCK) to sign data with
// the key whose public blob is blob, and returns the signature in its wire
// form (string algorithm, string signature: what paramiko's
// AgentKey.sign_ssh_data returns). algorithm picks an RSA signature
// ("rsa-sha2-256", "rsa-sha2-512"; "" or "ssh-rsa" is SHA-1); for other keys
// it must be "" or the key's own. The agent may ask its user to confirm: no
// time limit is set on its answer beyond five minutes.
func AgentSign(socket string, blob, data []byte, algorithm string) ([]byte, error) {
	pub, err := ssh.ParsePublicKey(blob)
	if err != nil {
		return nil, newError(KindKey, err, "not a public key blob: %v", err)
	}
	flags, ok := agentSignFlags[algorithm]
	if !ok {
		if algorithm != underlyingAlgorithm(pub.Type()) && algorithm != pub.Type() {
			return nil, InvalidArgument("signature algorithm %q does not fit a %s key", algorithm, pub.Type())
		}
	} else if flags != 0 && underlyingAlgorithm(pub.Type()) != ssh.KeyAlgoRSA {
		return nil, InvalidArgument("signature algorithm %q does not fit a %s key", algorithm, pub.Type())
	}
	a, conn, err := dialAgent(socket)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Minute))
	sig, err := a.SignWithFlags(pub, data, flags)
	if err != nil {
		return nil, newError(KindKey, err, "the SSH agent refused to sign with the %s key %s: %v", pub.Type(), ssh.FingerprintSHA256(pub), err)
	}
	return ssh.Marshal(sig), nil
}

// The agent-forwarding channel request and the channel type the server
// opens for each use of the forwarded agent (OpenSSH's names).
const (
	agentForwardRequest = "auth-agent-req@openssh.com"
	agentChannelType    = "auth-agent@openssh.com"
)

// enableAgentForwarding makes the live connection accept the server's
// "auth-agent@openssh.com" channels and connect each to the local agent.
// x/crypto allows one handler per channel type and connection, so it is
// registered once per connection. It reports false (logged) when there is
// no agent to forward to.
func (c *Client) enableAgentForwarding() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return false
	}
	if c.agentFwdOn {
		return true
	}
	if c.agentSock == "" {
		c.log.Warnf("transport", "agent forwarding requested, but there is no agent (SSH_AUTH_SOCK is not set): not forwarding")
		return false
	}
	if err := agent.ForwardToRemote(c.conn, c.agentSock); err != nil {
		c.log.Warnf("transport", "agent forwarding: %v: not forwarding", err)
		return false
	}
	c.agentFwdOn = true
	return true
}

// RequestAgentForwarding asks the server to forward the agent on this
// session (paramiko's AgentRequestHandler(channel), OpenSSH's -A), before
// exec or shell. It reports whether the server agreed. A refusal, or no
// local agent, is logged, not an error: the session works without it.
// Errors are those of any channel request on a lost or closed channel, or a
// timeout (by the one rule).
func (ch *Channel) RequestAgentForwarding(timeout time.Duration) (bool, error) {
	if err := ch.usable(); err != nil {
		return false, err
	}
	if !ch.client.enableAgentForwarding() {
		return false, nil
	}
	err := ch.request(agentForwardRequest, nil, timeout)
	if err != nil && KindOf(err) == KindChannel {
		ch.client.log.Infof("channel", "the server refused agent forwarding on channel %d: continuing without", ch.id)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ch.client.log.Debugf("channel", "agent forwarding on channel %d", ch.id)
	return true, nil
}

// agentSigner signs with a key the agent holds, connecting to the agent for
// each signature (so a Key made from it holds no connection and may be
// used from any goroutine).
type agentSigner struct {
	socket string
	pub    ssh.PublicKey
}

func (s *agentSigner) PublicKey() ssh.PublicKey { return s.pub }

func (s *agentSigner) Sign(_ io.Reader, data []byte) (*ssh.Signature, error) {
	return s.SignWithAlgorithm(nil, data, "")
}

func (s *agentSigner) SignWithAlgorithm(_ io.Reader, data []byte, algorithm string) (*ssh.Signature, error) {
	blob, err := AgentSign(s.socket, s.pub.Marshal(), data, algorithm)
	if err != nil {
		return nil, err
	}
	sig := new(ssh.Signature)
	if err := ssh.Unmarshal(blob, sig); err != nil {
		return nil, newError(KindProtocol, err, "the SSH agent's signature does not parse: %v", err)
	}
	return sig, nil
}

// NewAgentKey returns a Key whose private half is in the agent at socket
// (or SSH_AUTH_SOCK when socket is ""): the key whose public blob is blob,
// as AgentKeys lists it. It signs through the agent (paramiko's AgentKey
// used as pkey); it cannot be written out. The agent is not asked until a
// signature is needed. A certificate blob gives its key with the
// certificate attached.
func NewAgentKey(socket string, blob []byte) (*Key, error) {
	pub, err := ssh.ParsePublicKey(blob)
	if err != nil {
		return nil, newError(KindKey, err, "not a public key blob: %v", err)
	}
	socket = agentSocket(socket)
	if cert, ok := pub.(*ssh.Certificate); ok {
		return &Key{signer: &agentSigner{socket: socket, pub: cert.Key}, public: cert.Key,
			cert: cert, certSigner: &agentSigner{socket: socket, pub: cert}}, nil
	}
	return &Key{signer: &agentSigner{socket: socket, pub: pub}, public: pub}, nil
}
