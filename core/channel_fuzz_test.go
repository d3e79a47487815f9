package core

// FuzzChannelTraffic: a server that sends whatever the fuzzer says on an
// open session channel — data and extended data of any type, window
// adjusts, EOF and CLOSE at odd times, data after them, exit-status and
// exit-signal requests with good and mangled payloads, other channel and
// global requests, channel opens from the server, raw messages — must never
// make the client panic, hang (every wait is bounded), or end a stream
// cleanly with more or less data than the server sent on it.
//
// The server is rawServer (rawssh_test.go) on loopback, since Connect dials
// TCP itself; the handshake is real and core.Client is used as is.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// fuzzWait bounds every wait of the channel and connect targets. It only
// guards against a hang: a correct client answers in milliseconds, so the
// bound is far above any run time, even on a loaded machine.
const fuzzWait = 20 * time.Second

// The script format. Byte 0 holds flags, byte 1 the client's write size,
// then come operations, each an opcode byte (mod opCount) and its
// arguments; missing argument bytes read as 0.
const (
	flagDrop      = 1 << 0 // end by dropping the TCP connection (else by CLOSE)
	flagRefuse    = 1 << 1 // refuse the exec request
	flagWindowLo  = 1 << 2 // bits 2-3: the window the server gives the client (windows[])
	flagReadAny   = 1 << 4 // the client reads with ReadAny (else Read per stream)
	flagReadSizLo = 1 << 5 // bits 5-7: the client's read buffer size (readSizes[])
)

const (
	opData          = iota // n: n bytes of stdout
	opBigData              // hi lo: up to 64 KiB of stdout
	opExtended             // type(4) n: extended data of any type
	opStderr               // n: extended data type 1 (stderr)
	opWindow               // n(4): window adjust
	opEOF                  // EOF
	opClose                // CLOSE
	opExitStatus           // status(4) want: a well-formed exit-status
	opExitStatusRaw        // n want bytes...: exit-status with any payload
	opExitSignal           // sig core msg want: a well-formed exit-signal
	opExitSignalRaw        // n want bytes...: exit-signal with any payload
	opChanRequest          // name want n bytes...: another channel request
	opGlobalRequest        // name want n bytes...: a global request
	opServerOpen           // type window maxpkt n bytes...: the server opens a channel
	opPause                // n: let the client run for a moment
	opRawMessage           // type withID n bytes...: any message
	opCount
)

var (
	windows     = []uint32{0, 16, 32768, 2 << 20}
	readSizes   = []int{1, 3, 64, 1000, 4096, 32768, 256 << 10, 1 << 20}
	writeSizes  = []int{0, 1, 100, 4096, 40000}
	signalNames = []string{"TERM", "KILL", "SEGV", "", "\xff\x00", strings.Repeat("X", 300)}
	errorTexts  = []string{"", "core dumped", strings.Repeat("e", 1000)}
	reqNames    = []string{"exit-status", "exit-signal", "keepalive@openssh.com", "eow@openssh.com",
		"xon-xoff", "signal", "", "\x00"}
	globalNames = []string{"keepalive@openssh.com", "hostkeys-00@openssh.com", "tcpip-forward", "", "\xff"}
	openTypes   = []string{"forwarded-tcpip", "x11", "auth-agent@openssh.com", "session", "direct-tcpip", ""}
	maxPackets  = []uint32{0, 1, 9, 32768, 1 << 31, math.MaxUint32}
)

// strictConnectionEnd turns on the check that a stream the server ended with
// EOF or CLOSE ends cleanly even when the server hangs up at once after it
// (seed: the "hangs up at once" script below). It was off while gossh could
// only tell a real end from a dead connection's (x/crypto ends streams with
// the same io.EOF for both) by a keepalive round trip after the end, which a
// connection that died within it failed: a complete stream read as cut off.
// A CI run also found testdata/fuzz/FuzzChannelTraffic/7e0e033f67215e72:
// under CPU load the script's server sends a message for the channel after
// x/crypto removed it following the CLOSE exchange, and x/crypto kills the
// connection ("ssh: invalid channel 0") within that round trip. The patched
// x/crypto now records the server's EOF and CLOSE (PeerEnded, PeerClosed),
// so these ends are clean, and the check is on.
//
// The opposite case (a stream cut off in mid-flight, e.g. when x/crypto drops
// the connection over an overflowing window adjust, ends cleanly: data lost
// silently) is always checked.
const strictConnectionEnd = true

// maxScriptData caps what one script sends, below the client's initial
// 2 MiB window, so that the window never runs out.
const maxScriptData = 1 << 20

// chanModel is what the server sent, as the client may see it.
type chanModel struct {
	all       [2][]byte // every byte the client can receive, per stream (0 stdout, 1 stderr)
	pre       [2][]byte // those sent before the first EOF or CLOSE
	eofSent   bool      // an EOF or CLOSE went out before any kill
	closeSent bool
	// exit statuses as the client may record them (status, signal), in order
	statuses []exitRecord
	// killed: a message went out that makes x/crypto drop the connection
	// (a window adjust overflowing the client's window, channel traffic
	// after CLOSE); nothing after it reaches the client.
	killed    bool
	uncertain bool // a message of unknown effect went out: only the weak checks apply
	// replyInLoop: a message went out that x/crypto answers from its read
	// loop; if the server drops the connection, that answer fails and
	// x/crypto drops the messages it has read but not yet handled.
	replyInLoop bool
	dropped     bool // the server dropped the connection at the end
	aborted     bool // a write failed: the server gave up
}

type exitRecord struct {
	status int
	signal string
}

// live reports whether the client still receives this channel's messages.
func (m *chanModel) live() bool { return !m.killed && !m.closeSent && !m.aborted }

// scriptReader hands out a script's bytes, 0 past the end.
type scriptReader struct {
	b []byte
}

func (r *scriptReader) more() bool { return len(r.b) > 0 }

func (r *scriptReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *scriptReader) u32() uint32 {
	var v uint32
	for range 4 {
		v = v<<8 | uint32(r.byte())
	}
	return v
}

func (r *scriptReader) bytes(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = r.byte()
	}
	return out
}

// pattern returns n bytes of stream's data starting at offset off: each
// byte tells its stream and position, so that lost, repeated or swapped
// bytes show.
func pattern(stream, off, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte((off+i)%251) ^ byte(stream*0x80)
	}
	return out
}

// runScript plays the script on s and returns the model of what was sent.
func runScript(s *rawSession, conn net.Conn, flags byte, clientWrite int, r *scriptReader) *chanModel {
	m := &chanModel{}
	id := s.id()
	total := 0
	// The client's send window as x/crypto tracks it, for the overflow
	// rule: at least winMin (if the client sent all it writes), at most
	// winMax (if it sent nothing).
	winMax := uint64(windows[flags>>2&3])
	winMin := int64(winMax) - int64(clientWrite)
	send := func(p []byte) {
		if m.aborted {
			return
		}
		if err := s.t.writePacket(p); err != nil {
			m.aborted = true
		}
	}
	// channelMsg sends a message that only an open channel may receive:
	// after CLOSE it is for an unknown channel, and x/crypto drops the
	// connection.
	channelMsg := func(p []byte) {
		send(p)
		if m.closeSent {
			m.killed = true
		}
	}
	data := func(stream int, ext uint32, isExt bool, n int) {
		if total+n > maxScriptData {
			n = maxScriptData - total
		}
		n, maxPkt := s.take(n)
		total += n
		for n > 0 {
			k := min(n, maxPkt)
			n -= k
			// Where x/crypto delivers it: type 0 and plain data to
			// stdout, type 1 to stderr, others nowhere.
			target := -1
			switch {
			case !isExt || ext == 0:
				target = Stdout
			case ext == 1:
				target = Stderr
			}
			off := 0
			if target >= 0 {
				off = len(m.all[target])
			}
			p := pattern(max(target, 0), off, k)
			if target >= 0 && m.live() {
				m.all[target] = append(m.all[target], p...)
				if !m.eofSent {
					m.pre[target] = append(m.pre[target], p...)
				}
			}
			msg := appendU32([]byte{rawMsgChannelData}, id)
			if isExt {
				msg = appendU32(appendU32([]byte{rawMsgChannelExtended}, id), ext)
			}
			channelMsg(appendStr(msg, p))
		}
	}
	request := func(name string, want bool, payload []byte) {
		msg := appendStr(appendU32([]byte{rawMsgChannelRequest}, id), []byte(name))
		send(append(appendBool(msg, want), payload...))
	}
	// exitRequest records an exit-status or exit-signal as gossh reads
	// it: the RFC 4254 section 6.10 payload, exactly, else ignored.
	exitRequest := func(name string, want bool, payload []byte) {
		live := m.live()
		request(name, want, payload)
		if !live {
			return
		}
		var status struct{ Status uint32 }
		var sig struct {
			Signal     string
			CoreDumped bool
			Error      string
			Lang       string
		}
		switch {
		case name == "exit-status" && ssh.Unmarshal(payload, &status) == nil:
			m.statuses = append(m.statuses, exitRecord{int(status.Status), m.signal()})
		case name == "exit-signal" && ssh.Unmarshal(payload, &sig) == nil:
			m.statuses = append(m.statuses, exitRecord{-1, sig.Signal})
		}
	}
	for r.more() && !m.aborted {
		switch code := int(r.byte() % opCount); code {
		case opData:
			data(Stdout, 0, false, int(r.byte()))
		case opBigData:
			data(Stdout, 0, false, int(r.byte())<<8|int(r.byte()))
		case opExtended:
			data(0, r.u32(), true, int(r.byte()))
		case opStderr:
			data(Stderr, 1, true, int(r.byte()))
		case opWindow:
			n := r.u32()
			channelMsg(appendU32(appendU32([]byte{rawMsgChannelWindow}, id), n))
			if n != 0 && !m.closeSent {
				switch {
				case winMin+int64(n) > math.MaxUint32:
					m.killed = true
				case winMax+uint64(n) > math.MaxUint32:
					m.uncertain = true // depends on how much the client has sent
				}
				winMax += uint64(n)
				winMin += int64(n)
			}
		case opEOF:
			live := m.live()
			channelMsg(appendU32([]byte{rawMsgChannelEOF}, id))
			m.eofSent = m.eofSent || live
		case opClose:
			live := m.live()
			channelMsg(appendU32([]byte{rawMsgChannelClose}, id))
			s.mu.Lock()
			s.closeSent = true
			s.mu.Unlock()
			if live {
				m.eofSent, m.closeSent = true, true
			}
		case opExitStatus:
			status := binary.BigEndian.AppendUint32(nil, r.u32())
			exitRequest("exit-status", r.byte()&1 == 1, status)
		case opExitStatusRaw, opExitSignalRaw:
			name := "exit-status"
			if code == opExitSignalRaw {
				name = "exit-signal"
			}
			n, want := int(r.byte()%32), r.byte()&1 == 1
			exitRequest(name, want, r.bytes(n))
		case opExitSignal:
			p := appendStr(nil, []byte(signalNames[int(r.byte())%len(signalNames)]))
			p = appendBool(p, r.byte()&1 == 1)
			p = appendStr(appendStr(p, []byte(errorTexts[int(r.byte())%len(errorTexts)])), nil)
			exitRequest("exit-signal", r.byte()&1 == 1, p)
		case opChanRequest:
			name := reqNames[int(r.byte())%len(reqNames)]
			want, n := r.byte()&1 == 1, int(r.byte()%64)
			exitRequest(name, want, r.bytes(n))
		case opGlobalRequest:
			msg := appendStr([]byte{rawMsgGlobalRequest}, []byte(globalNames[int(r.byte())%len(globalNames)]))
			msg = appendBool(msg, r.byte()&1 == 1)
			send(append(msg, r.bytes(int(r.byte()%64))...))
		case opServerOpen:
			msg := appendStr([]byte{rawMsgChannelOpen}, []byte(openTypes[int(r.byte())%len(openTypes)]))
			msg = appendU32(msg, 1000+uint32(r.byte()))
			msg = appendU32(msg, uint32(r.byte())<<10)
			maxPkt := maxPackets[int(r.byte())%len(maxPackets)]
			send(append(appendU32(msg, maxPkt), r.bytes(int(r.byte()%64))...))
			// x/crypto refuses this one from its read loop; if that write
			// fails because the server has gone, the loop ends without
			// handling the packets it has already read.
			m.replyInLoop = m.replyInLoop || maxPkt < 9 || maxPkt > 1<<31
		case opPause:
			time.Sleep(time.Duration(r.byte()%4) * 200 * time.Microsecond)
		case opRawMessage:
			typ := r.byte()
			if typ == rawMsgChannelData || typ == rawMsgChannelExtended {
				typ = rawMsgIgnore // data the model could not account for
			}
			msg := []byte{typ}
			if r.byte()&1 == 1 {
				msg = appendU32(msg, id)
			}
			send(append(msg, r.bytes(int(r.byte()%32))...))
			m.uncertain = true
		}
	}
	// A script of unknown effect may have left the client in a state our
	// server cannot finish (a re-key it began): end by dropping.
	if flags&flagDrop != 0 || m.uncertain || m.aborted {
		// Half-close, so the client reads all that was sent and then the
		// end: a full close with the client's last bytes unread would
		// send a reset, and the client's kernel could drop data still
		// queued for it.
		m.dropped = true
		m.uncertain = m.uncertain || m.replyInLoop
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.CloseWrite()
		} else {
			conn.Close()
		}
		return m
	}
	if !m.closeSent && !m.killed {
		live := m.live()
		s.mu.Lock()
		sent := s.closeSent
		s.closeSent = true
		s.mu.Unlock()
		if !sent {
			send(appendU32([]byte{rawMsgChannelClose}, id))
		}
		if live {
			m.eofSent, m.closeSent = true, true
		}
	}
	return m
}

// signal is the exit signal the client holds now (a later exit-status
// does not clear it).
func (m *chanModel) signal() string {
	if n := len(m.statuses); n > 0 {
		return m.statuses[n-1].signal
	}
	return ""
}

// chanScript builds a seed: flags, the client's write size index, ops.
func chanScript(flags, write byte, ops ...[]byte) []byte {
	out := []byte{flags, write}
	for _, op := range ops {
		out = append(out, op...)
	}
	return out
}

func op(code int, args ...byte) []byte { return append([]byte{byte(code)}, args...) }

func u32b(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func FuzzChannelTraffic(f *testing.F) {
	win2M := byte(3 * flagWindowLo)
	for _, s := range [][]byte{
		// A well-behaved command: output, stderr, EOF, exit-status, CLOSE.
		chanScript(win2M, 0, op(opData, 5), op(opStderr, 3), op(opEOF), op(opExitStatus, append(u32b(0), 0)...), op(opClose)),
		// The same, ended by a dropped connection after the exit status.
		chanScript(win2M|flagDrop, 0, op(opData, 200), op(opExitStatus, append(u32b(3), 1)...)),
		// Dropped before any exit status: the streams must say so.
		chanScript(win2M|flagDrop, 0, op(opData, 10), op(opStderr, 10)),
		// Killed by a signal, with core dump and a message.
		chanScript(win2M|flagReadAny, 0, op(opData, 1), op(opExitSignal, 1, 1, 1, 1), op(opEOF), op(opClose)),
		// Data after EOF, then EOF again, then CLOSE.
		chanScript(win2M, 0, op(opData, 4), op(opEOF), op(opData, 4), op(opStderr, 2), op(opEOF), op(opClose)),
		// Extended data of types 0, 2 and 0xffffffff.
		chanScript(win2M, 0, op(opExtended, append(u32b(0), 5)...), op(opExtended, append(u32b(2), 9)...),
			op(opExtended, append(u32b(math.MaxUint32), 9)...), op(opStderr, 1)),
		// Mangled exit-status and exit-signal payloads, then a good one.
		chanScript(win2M, 0, op(opExitStatusRaw, 3, 1, 0, 0, 1), op(opExitStatusRaw, 8, 0, 0, 0, 0, 1, 0, 0, 0, 1),
			op(opExitSignalRaw, 2, 0, 0xff, 0xff), op(opExitStatus, append(u32b(math.MaxUint32), 0)...)),
		// Window adjusts: small, zero, and one that overflows: x/crypto drops
		// the connection (see strictConnectionEnd).
		chanScript(win2M, 2, op(opWindow, u32b(100)...), op(opWindow, u32b(0)...), op(opData, 3),
			op(opWindow, u32b(math.MaxUint32)...), op(opData, 3)),
		// A client writing into a zero window that the server opens later.
		chanScript(0, 3, op(opPause, 3), op(opWindow, u32b(4096)...), op(opData, 1)),
		// CLOSE first, then data for the closed channel.
		chanScript(win2M, 0, op(opData, 2), op(opClose), op(opData, 2), op(opExitStatus, append(u32b(1), 0)...)),
		// Channel and global requests wanting replies, server channel opens.
		chanScript(win2M, 0, op(opChanRequest, 2, 1, 0), op(opGlobalRequest, 0, 1, 0), op(opServerOpen, 0, 1, 1, 3, 0),
			op(opServerOpen, 1, 2, 0, 0, 0), op(opData, 7)),
		// A large transfer in small reads.
		chanScript(win2M|1<<5, 0, op(opBigData, 0xff, 0xff), op(opBigData, 0x80, 0), op(opStderr, 255), op(opClose)),
		// An exec the server refuses.
		chanScript(win2M|flagRefuse, 0),
		// EOF and CLOSE, then the server hangs up at once (see strictConnectionEnd).
		chanScript(win2M|flagDrop, 0, op(opData, 5), op(opEOF), op(opClose)),
		// Raw messages: IGNORE, DEBUG, UNIMPLEMENTED, a channel EOF for another id, DISCONNECT.
		chanScript(win2M, 0, op(opRawMessage, 2, 0, 0), op(opRawMessage, 4, 0, 3, 0, 0, 0), op(opRawMessage, 3, 0, 4, 0, 0, 0, 9),
			op(opRawMessage, rawMsgChannelEOF, 0, 4, 0, 0, 0, 99), op(opData, 1), op(opRawMessage, rawMsgDisconnect, 0, 0)),
		// A re-key the server never finishes.
		chanScript(win2M, 0, op(opData, 1), op(opRawMessage, rawMsgKexInit, 0, 20)),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) > 4096 {
			return // long scripts add time, not cases
		}
		fuzzChannel(t, script)
	})
}

// fuzzLog collects error records (a recovered panic logs one) per client.
var fuzzLog struct {
	sync.Mutex
	n       int
	records map[string][]string
}

// fuzzClient returns a client whose error records go to fuzzLog; the
// returned function gives them.
func fuzzClient(t *testing.T) (*Client, func() []string) {
	fuzzLog.Lock()
	fuzzLog.n++
	name := fmt.Sprintf("fuzz%d", fuzzLog.n)
	if fuzzLog.records == nil {
		fuzzLog.records = map[string][]string{}
	}
	fuzzLog.Unlock()
	SetLogSink(func(level int, logger, msg string) {
		fuzzLog.Lock()
		defer fuzzLog.Unlock()
		ch, _, _ := strings.Cut(logger, ".")
		if fuzzLog.records != nil {
			fuzzLog.records[ch] = append(fuzzLog.records[ch], msg)
		}
	}, LevelError)
	c := NewClient()
	c.SetLogChannel(name)
	t.Cleanup(func() {
		c.Close()
		fuzzLog.Lock()
		delete(fuzzLog.records, name)
		fuzzLog.Unlock()
	})
	return c, func() []string {
		fuzzLog.Lock()
		defer fuzzLog.Unlock()
		return append([]string(nil), fuzzLog.records[name]...)
	}
}

// fuzzConfig is a config for a fuzz server on port: no keys, "none" auth.
func fuzzConfig(port int) *Config {
	cfg := NewConfig()
	cfg.Hostname, cfg.Port, cfg.Username = "127.0.0.1", port, "fuzz"
	cfg.AllowAgent, cfg.LookForKeys = false, false
	cfg.Timeout, cfg.BannerTimeout, cfg.AuthTimeout = fuzzWait, fuzzWait, fuzzWait
	return cfg
}

// streamResult is how one stream of the client ended.
type streamResult struct {
	data []byte
	err  error // nil: a clean end
}

func fuzzChannel(t *testing.T, script []byte) {
	r := &scriptReader{b: script}
	flags := r.byte()
	clientWrite := writeSizes[int(r.byte())%len(writeSizes)]
	key := fuzzHostKey()
	models := make(chan *chanModel, 1)
	port, _ := rawListen(t, key, windows[flags>>2&3], flags&flagRefuse != 0, func(s *rawSession, conn net.Conn) {
		select {
		case ok := <-s.execd:
			if !ok {
				models <- &chanModel{}
				return
			}
		case <-time.After(fuzzWait):
			models <- nil
			return
		}
		models <- runScript(s, conn, flags, clientWrite, r)
	})

	c, records := fuzzClient(t)
	c.HostKeys().Add(HostKeyName("127.0.0.1", port), key.PublicKey())
	if err := c.Connect(fuzzConfig(port)); err != nil {
		t.Fatalf("connect to the raw server: %v", err)
	}
	ch, err := c.Exec("fuzz", fuzzWait)
	if flags&flagRefuse != 0 {
		if KindOf(err) != KindChannel {
			t.Fatalf("refused exec: got %v (%v), want a channel error", KindOf(err), err)
		}
		return
	}
	if err != nil {
		t.Fatalf("exec: %v", err)
	}
	defer ch.Close()

	// The client writes to stdin while it reads; the window may be
	// closed, so the write may time out, or end with the channel.
	wrote := make(chan error, 1)
	go func() {
		if clientWrite == 0 {
			wrote <- nil
			return
		}
		_, err := ch.Write(make([]byte, clientWrite), 200*time.Millisecond)
		wrote <- err
	}()

	var res [2]streamResult
	size := readSizes[flags>>5]
	if flags&flagReadAny != 0 {
		buf := make([]byte, size)
		for {
			s, n, err := ch.ReadAny(buf, fuzzWait)
			if err != nil {
				res[0].err, res[1].err = err, err
				break
			}
			if s < 0 {
				break
			}
			res[s].data = append(res[s].data, buf[:n]...)
		}
	} else {
		var wg sync.WaitGroup
		for i := range res {
			wg.Go(func() {
				buf := make([]byte, size)
				for {
					n, err := ch.Read(i, buf, fuzzWait)
					if err != nil {
						res[i].err = err
						return
					}
					if n == 0 {
						return
					}
					res[i].data = append(res[i].data, buf[:n]...)
				}
			})
		}
		wg.Wait()
	}
	var m *chanModel
	select {
	case m = <-models:
	case <-time.After(fuzzWait):
	}
	if m == nil {
		t.Fatal("the server never got the exec request")
	}
	if err := <-wrote; err != nil && KindOf(err) != KindTimeout && KindOf(err) != KindClosed {
		t.Errorf("write ended with %v: %v", KindOf(err), err)
	}

	for i, r := range res {
		name := []string{"stdout", "stderr"}[i]
		if KindOf(r.err) == KindTimeout {
			t.Fatalf("%s: read hung (%v)", name, r.err)
		}
		if r.err != nil && KindOf(r.err) != KindClosed {
			t.Errorf("%s: read ended with %v: %v", name, KindOf(r.err), r.err)
		}
		if !bytes.HasPrefix(m.all[i], r.data) {
			t.Errorf("%s: got %d bytes that the server did not send in that order (it sent %d)", name, len(r.data), len(m.all[i]))
			continue
		}
		if m.uncertain || m.aborted || r.err != nil {
			continue
		}
		// A clean end only after an EOF or CLOSE, with all that came before
		// it (data after EOF may or may not arrive).
		switch {
		case m.eofSent && !bytes.HasPrefix(r.data, m.pre[i]):
			t.Errorf("%s: clean end after %d bytes, but the server sent %d before EOF", name, len(r.data), len(m.pre[i]))
		case !m.eofSent:
			// An exit status does not excuse it: OpenSSH may send one
			// before the last of the output.
			t.Errorf("%s: clean end after %d bytes, but the server sent no EOF or CLOSE (it sent %d)", name, len(r.data), len(m.all[i]))
		}
	}
	// A stream the server ended with EOF or CLOSE ends cleanly, at least
	// while the connection stays up.
	if strictConnectionEnd && m.eofSent && !m.killed && !m.uncertain && !m.aborted {
		for i, r := range res {
			if r.err != nil {
				t.Errorf("%s: the server sent EOF, but the read ended with %v", []string{"stdout", "stderr"}[i], r.err)
			}
		}
	}

	status, err := ch.ExitStatus(fuzzWait)
	switch {
	case KindOf(err) == KindTimeout:
		t.Fatalf("exit status: wait hung (%v)", err)
	case err != nil && KindOf(err) != KindClosed:
		t.Errorf("exit status: %v: %v", KindOf(err), err)
	case m.uncertain || m.aborted:
	case len(m.statuses) > 0:
		// Any status sent may be the one seen first; once every request
		// is handled, it is the last.
		if err != nil {
			t.Errorf("exit status: the server sent one, but got %v", err)
		} else if sig := ch.ExitSignal(); !hasStatus(m.statuses, status, sig) {
			t.Errorf("exit status %d signal %q: the server sent %v", status, sig, m.statuses)
		}
	case status != -1:
		t.Errorf("exit status %d, but the server sent none", status)
	case strictConnectionEnd && m.closeSent && !m.killed && err != nil:
		t.Errorf("exit status: the channel was closed cleanly, but got %v", err)
	case !m.closeSent && err == nil:
		t.Errorf("exit status: the connection was lost with no exit status, but got no error")
	}
	for _, rec := range records() {
		if strings.Contains(rec, "internal error") {
			t.Errorf("a background task panicked: %s", rec)
		}
	}
}

// hasStatus reports whether status and signal are among those of recs (the
// two are read at different times, so each is checked on its own).
func hasStatus(recs []exitRecord, status int, signal string) bool {
	okStatus, okSignal := false, false
	for _, r := range recs {
		okStatus = okStatus || r.status == status
		okSignal = okSignal || r.signal == signal
	}
	return okStatus && okSignal
}
