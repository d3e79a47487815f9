package core

// rawServer is a minimal SSH server for fuzz tests, written at the packet
// level: x/crypto's server refuses to send what a fuzz target needs to send
// (data after EOF, extended data of types other than stderr, window adjusts
// of any size, malformed requests, messages for channels that do not
// exist). It speaks just enough of RFC 4253 (curve25519-sha256, ssh-ed25519,
// aes128-ctr, hmac-sha2-256, no re-key), RFC 4252 ("none" authentication
// only) and RFC 4254 (channel open, requests, window) to bring a
// core.Client up to an open session channel, then writes whatever packets
// the test gives it. Test support only: it checks nothing it need not.

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/gossh/gossh/core/sshtest"
)

// SSH message numbers (RFC 4250 section 4.1.2).
const (
	rawMsgDisconnect         = 1
	rawMsgIgnore             = 2
	rawMsgServiceRequest     = 5
	rawMsgServiceAccept      = 6
	rawMsgKexInit            = 20
	rawMsgNewKeys            = 21
	rawMsgKexECDHInit        = 30
	rawMsgKexECDHReply       = 31
	rawMsgUserAuthRequest    = 50
	rawMsgUserAuthFailure    = 51
	rawMsgUserAuthSuccess    = 52
	rawMsgGlobalRequest      = 80
	rawMsgRequestSuccess     = 81
	rawMsgRequestFailure     = 82
	rawMsgChannelOpen        = 90
	rawMsgChannelOpenConfirm = 91
	rawMsgChannelOpenFailure = 92
	rawMsgChannelWindow      = 93
	rawMsgChannelData        = 94
	rawMsgChannelExtended    = 95
	rawMsgChannelEOF         = 96
	rawMsgChannelClose       = 97
	rawMsgChannelRequest     = 98
	rawMsgChannelSuccess     = 99
	rawMsgChannelFailure     = 100
)

const rawServerVersion = "SSH-2.0-gossh_rawfuzz"

// rawWriteTimeout bounds every write of the raw server, so that a client
// that stops reading cannot block a fuzz iteration.
const rawWriteTimeout = 5 * time.Second

// rawKeys is one direction's cipher and MAC after NEWKEYS.
type rawKeys struct {
	stream cipher.Stream
	mac    hash.Hash
}

// rawConn is the server side of the binary packet protocol.
type rawConn struct {
	conn net.Conn
	r    *bufio.Reader

	wmu  sync.Mutex
	wseq uint32
	wk   *rawKeys

	rseq uint32
	rk   *rawKeys
}

// wire encoding helpers (RFC 4251 section 5).
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func appendStr(b []byte, s []byte) []byte { return append(appendU32(b, uint32(len(s))), s...) }
func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendMpint appends a non-negative integer given as big-endian bytes.
func appendMpint(b []byte, n []byte) []byte {
	v := new(big.Int).SetBytes(n).Bytes()
	if len(v) > 0 && v[0]&0x80 != 0 {
		v = append([]byte{0}, v...)
	}
	return appendStr(b, v)
}

// rawReader reads wire fields; a short message sets err.
type rawReader struct {
	b   []byte
	err error
}

func (r *rawReader) u32() uint32 {
	if len(r.b) < 4 {
		r.err = errors.New("short message")
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *rawReader) str() []byte {
	n := r.u32()
	if r.err != nil || uint32(len(r.b)) < n {
		r.err = errors.New("short message")
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *rawReader) bool() bool {
	if len(r.b) < 1 {
		r.err = errors.New("short message")
		return false
	}
	v := r.b[0] != 0
	r.b = r.b[1:]
	return v
}

// writePacket sends one packet (payload starts with the message number).
func (t *rawConn) writePacket(payload []byte) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	bs := 8
	if t.wk != nil {
		bs = aes.BlockSize
	}
	pad := bs - (5+len(payload))%bs
	if pad < 4 {
		pad += bs
	}
	pkt := make([]byte, 5+len(payload)+pad)
	binary.BigEndian.PutUint32(pkt, uint32(1+len(payload)+pad))
	pkt[4] = byte(pad)
	copy(pkt[5:], payload)
	out := pkt
	if t.wk != nil {
		t.wk.mac.Reset()
		t.wk.mac.Write(binary.BigEndian.AppendUint32(nil, t.wseq))
		t.wk.mac.Write(pkt)
		sum := t.wk.mac.Sum(nil)
		t.wk.stream.XORKeyStream(pkt, pkt)
		out = append(pkt, sum...)
	}
	t.wseq++
	_ = t.conn.SetWriteDeadline(time.Now().Add(rawWriteTimeout))
	_, err := t.conn.Write(out)
	return err
}

// readPacket returns the next packet's payload.
func (t *rawConn) readPacket() ([]byte, error) {
	bs := 8
	if t.rk != nil {
		bs = aes.BlockSize
	}
	first := make([]byte, bs)
	if _, err := io.ReadFull(t.r, first); err != nil {
		return nil, err
	}
	if t.rk != nil {
		t.rk.stream.XORKeyStream(first, first)
	}
	length := binary.BigEndian.Uint32(first)
	if length < 5 || length > 1<<18 || (length+4)%uint32(bs) != 0 {
		return nil, fmt.Errorf("bad packet length %d", length)
	}
	pkt := make([]byte, 4+length)
	copy(pkt, first)
	if _, err := io.ReadFull(t.r, pkt[bs:]); err != nil {
		return nil, err
	}
	if t.rk != nil {
		t.rk.stream.XORKeyStream(pkt[bs:], pkt[bs:])
		sum := make([]byte, t.rk.mac.Size())
		if _, err := io.ReadFull(t.r, sum); err != nil {
			return nil, err
		}
		t.rk.mac.Reset()
		t.rk.mac.Write(binary.BigEndian.AppendUint32(nil, t.rseq))
		t.rk.mac.Write(pkt)
		if !hmac.Equal(sum, t.rk.mac.Sum(nil)) {
			return nil, errors.New("bad MAC")
		}
	}
	t.rseq++
	pad := uint32(pkt[4])
	if pad+1 > length {
		return nil, errors.New("bad padding")
	}
	return pkt[5 : 4+length-pad], nil
}

// expect reads packets, skipping IGNORE, until one of type typ.
func (t *rawConn) expect(typ byte) ([]byte, error) {
	for {
		p, err := t.readPacket()
		if err != nil {
			return nil, err
		}
		if len(p) == 0 || p[0] == rawMsgIgnore {
			continue
		}
		if p[0] != typ {
			return nil, fmt.Errorf("got message %d, want %d", p[0], typ)
		}
		return p, nil
	}
}

// deriveKeys is RFC 4253 section 7.2 for sha256 (one hash is long enough
// for aes128's key and IV and hmac-sha2-256's key).
func deriveKeys(k, h []byte, iv, key, mac byte) *rawKeys {
	d := func(tag byte) []byte {
		s := sha256.New()
		s.Write(k)
		s.Write(h)
		s.Write([]byte{tag})
		s.Write(h) // the session id is the first exchange hash
		return s.Sum(nil)
	}
	block, err := aes.NewCipher(d(key)[:16])
	if err != nil {
		panic(err)
	}
	return &rawKeys{stream: cipher.NewCTR(block, d(iv)[:16]), mac: hmac.New(sha256.New, d(mac))}
}

// rawHandshake runs the server side of version exchange, key exchange and
// "none" authentication on conn.
func rawHandshake(conn net.Conn, hostKey ssh.Signer) (*rawConn, error) {
	t := &rawConn{conn: conn, r: bufio.NewReader(conn)}
	_ = conn.SetWriteDeadline(time.Now().Add(rawWriteTimeout))
	if _, err := io.WriteString(conn, rawServerVersion+"\r\n"); err != nil {
		return nil, err
	}
	var clientVersion string
	for {
		line, err := t.r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(line, "SSH-") {
			clientVersion = strings.TrimRight(line, "\r\n")
			break
		}
	}

	serverInit := []byte{rawMsgKexInit}
	cookie := make([]byte, 16)
	_, _ = rand.Read(cookie)
	serverInit = append(serverInit, cookie...)
	for _, l := range []string{"curve25519-sha256", ssh.KeyAlgoED25519, "aes128-ctr", "aes128-ctr",
		"hmac-sha2-256", "hmac-sha2-256", "none", "none", "", ""} {
		serverInit = appendStr(serverInit, []byte(l))
	}
	serverInit = appendBool(serverInit, false)
	serverInit = appendU32(serverInit, 0)
	if err := t.writePacket(serverInit); err != nil {
		return nil, err
	}
	clientInit, err := t.expect(rawMsgKexInit)
	if err != nil {
		return nil, err
	}
	p, err := t.expect(rawMsgKexECDHInit)
	if err != nil {
		return nil, err
	}
	rr := &rawReader{b: p[1:]}
	qc := rr.str()
	if rr.err != nil {
		return nil, rr.err
	}
	peer, err := ecdh.X25519().NewPublicKey(qc)
	if err != nil {
		return nil, err
	}
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	secret, err := priv.ECDH(peer)
	if err != nil {
		return nil, err
	}
	qs := priv.PublicKey().Bytes()
	ks := hostKey.PublicKey().Marshal()
	k := appendMpint(nil, secret)
	var hb []byte
	for _, s := range [][]byte{[]byte(clientVersion), []byte(rawServerVersion), clientInit, serverInit, ks, qc, qs} {
		hb = appendStr(hb, s)
	}
	hb = append(hb, k...)
	sum := sha256.Sum256(hb)
	h := sum[:]
	sig, err := hostKey.Sign(rand.Reader, h)
	if err != nil {
		return nil, err
	}
	reply := []byte{rawMsgKexECDHReply}
	reply = appendStr(reply, ks)
	reply = appendStr(reply, qs)
	reply = appendStr(reply, ssh.Marshal(sig))
	if err := t.writePacket(reply); err != nil {
		return nil, err
	}
	if err := t.writePacket([]byte{rawMsgNewKeys}); err != nil {
		return nil, err
	}
	t.wmu.Lock()
	t.wk = deriveKeys(k, h, 'B', 'D', 'F')
	t.wmu.Unlock()
	if _, err := t.expect(rawMsgNewKeys); err != nil {
		return nil, err
	}
	t.rk = deriveKeys(k, h, 'A', 'C', 'E')

	if _, err := t.expect(rawMsgServiceRequest); err != nil {
		return nil, err
	}
	if err := t.writePacket(appendStr([]byte{rawMsgServiceAccept}, []byte("ssh-userauth"))); err != nil {
		return nil, err
	}
	for {
		p, err := t.expect(rawMsgUserAuthRequest)
		if err != nil {
			return nil, err
		}
		rr := &rawReader{b: p[1:]}
		rr.str() // user
		rr.str() // service
		if method := rr.str(); string(method) == "none" {
			return t, t.writePacket([]byte{rawMsgUserAuthSuccess})
		}
		fail := appendStr([]byte{rawMsgUserAuthFailure}, []byte("none"))
		if err := t.writePacket(appendBool(fail, false)); err != nil {
			return nil, err
		}
	}
}

// rawSession is the server side of one session channel on a rawConn: it
// answers the client's packets on its own goroutine (serve) while a test
// writes the channel's traffic with send.
type rawSession struct {
	t *rawConn

	mu          sync.Mutex
	peerID      uint32 // the client's channel number
	peerWindow  uint32 // bytes we may still send
	peerMaxPkt  uint32
	closeSent   bool
	opened      chan struct{} // closed when the client has opened the channel
	execd       chan bool     // receives the answer given to the exec request
	refuseExec  bool
	localWindow uint32 // the window we give the client (its stdin)
}

// serve answers the client until the connection ends: it confirms the
// first session channel, answers exec (true unless refuseExec), records
// window adjusts, answers a close with a close, and refuses every other
// request that wants a reply.
func (s *rawSession) serve() {
	const localID = 7
	opened := false
	for {
		p, err := s.t.readPacket()
		if err != nil || len(p) == 0 {
			return
		}
		rr := &rawReader{b: p[1:]}
		switch p[0] {
		case rawMsgChannelOpen:
			typ := rr.str()
			sender, window, maxPkt := rr.u32(), rr.u32(), rr.u32()
			if rr.err != nil || opened || string(typ) != "session" {
				fail := appendU32([]byte{rawMsgChannelOpenFailure}, sender)
				fail = appendU32(fail, 1)
				_ = s.t.writePacket(appendStr(appendStr(fail, []byte("no")), nil))
				continue
			}
			opened = true
			s.mu.Lock()
			s.peerID, s.peerWindow, s.peerMaxPkt = sender, window, maxPkt
			s.mu.Unlock()
			conf := appendU32([]byte{rawMsgChannelOpenConfirm}, sender)
			conf = appendU32(conf, localID)
			conf = appendU32(conf, s.localWindow)
			conf = appendU32(conf, 32768)
			if s.t.writePacket(conf) != nil {
				return
			}
			close(s.opened)
		case rawMsgChannelRequest:
			rr.u32()
			typ := rr.str()
			want := rr.bool()
			exec := string(typ) == "exec"
			ok := exec && !s.refuseExec
			if want {
				s.mu.Lock()
				id := s.peerID
				s.mu.Unlock()
				msg := byte(rawMsgChannelFailure)
				if ok {
					msg = rawMsgChannelSuccess
				}
				if s.t.writePacket(appendU32([]byte{msg}, id)) != nil {
					return
				}
			}
			if exec { // after the reply, so that no traffic overtakes it
				select {
				case s.execd <- ok:
				default:
				}
			}
		case rawMsgChannelWindow:
			rr.u32()
			n := rr.u32()
			s.mu.Lock()
			if s.peerWindow+n >= s.peerWindow {
				s.peerWindow += n
			}
			s.mu.Unlock()
		case rawMsgChannelClose:
			s.mu.Lock()
			sent := s.closeSent
			s.closeSent = true
			id := s.peerID
			s.mu.Unlock()
			if !sent && s.t.writePacket(appendU32([]byte{rawMsgChannelClose}, id)) != nil {
				return
			}
		case rawMsgGlobalRequest:
			rr.str()
			if rr.bool() && s.t.writePacket([]byte{rawMsgRequestFailure}) != nil {
				return
			}
		case rawMsgDisconnect:
			return
		}
	}
}

// take reserves up to n bytes of the client's window and returns how many
// may be sent, in packets of at most the client's maximum packet size.
func (s *rawSession) take(n int) (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if uint64(n) > uint64(s.peerWindow) {
		n = int(s.peerWindow)
	}
	s.peerWindow -= uint32(n)
	maxPkt := int(s.peerMaxPkt)
	if maxPkt <= 0 || maxPkt > 32768 {
		maxPkt = 32768
	}
	return n, maxPkt
}

// id is the client's number for the channel.
func (s *rawSession) id() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peerID
}

// rawListen starts a raw server on loopback for one connection. handle runs
// with the session once the client has authenticated; the listener and
// connection close when the test ends. It returns the port.
func rawListen(t *testing.T, hostKey ssh.Signer, localWindow uint32, refuseExec bool, handle func(*rawSession, net.Conn)) (int, <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var conn net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		if conn != nil {
			conn.Close()
		}
		mu.Unlock()
		<-done
	})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		mu.Lock()
		conn = c
		mu.Unlock()
		defer c.Close()
		rc, err := rawHandshake(c, hostKey)
		if err != nil {
			return
		}
		s := &rawSession{t: rc, opened: make(chan struct{}), execd: make(chan bool, 1),
			refuseExec: refuseExec, localWindow: localWindow}
		served := make(chan struct{})
		go func() {
			defer close(served)
			s.serve()
		}()
		handle(s, c)
		<-served
	}()
	return ln.Addr().(*net.TCPAddr).Port, done
}

// fuzzHostKey is the host key of the fuzz targets' servers, made once per
// process.
var fuzzHostKey = sync.OnceValue(sshtest.MustNewSigner)
