package core

// FuzzConnectBanner: whatever a server sends before its SSH version line
// (RFC 4253 section 4.2 lets it send other lines first), Connect ends with
// success or the right error within its timeouts, and never panics or
// hangs. connect.go's phaseConn watches those lines to switch from the
// banner timeout to the auth timeout; x/crypto reads them to find the
// version line. The two must agree, which the stage of a timeout shows.

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// The server's behaviour after the fuzz bytes.
const (
	bannerThenSSH     = iota // its own version line and a real handshake
	bannerThenEOF            // end of stream
	bannerThenSilence        // nothing more, connection left open
	bannerModes
)

const fuzzServerVersion = "SSH-2.0-gossh_fuzz"

// versionScan is what x/crypto's readVersion makes of b: the version line
// (without "\r"), or overflow (a line of 255 bytes or more, or 1024 lines
// before the version), or neither yet (it would read on).
type versionScan struct {
	version  string
	found    bool
	overflow bool
}

func scanVersion(b []byte) versionScan {
	var line []byte
	lines := 0
	for _, c := range b {
		if len(line) >= 255 || lines >= 1024 {
			return versionScan{overflow: true}
		}
		if c != '\n' {
			line = append(line, c)
			continue
		}
		if bytes.HasPrefix(line, []byte("SSH-")) {
			return versionScan{version: strings.TrimSuffix(string(line), "\r"), found: true}
		}
		line = line[:0]
		lines++
	}
	if len(line) >= 255 || lines >= 1024 {
		return versionScan{overflow: true}
	}
	return versionScan{}
}

func FuzzConnectBanner(f *testing.F) {
	for _, s := range []struct {
		mode    byte
		garbage string
	}{
		{bannerThenSSH, ""},
		{bannerThenSSH, "Welcome to the server\r\n"},
		{bannerThenSSH, "line one\nline two\r\n\r\n"},
		{bannerThenSSH, "\x00\xff\x7f binary junk\r\n"},
		{bannerThenSSH, strings.Repeat("x", 254) + "\n"}, // the longest line x/crypto takes
		{bannerThenSSH, strings.Repeat("x", 255) + "\n"}, // one too long
		{bannerThenSSH, strings.Repeat("a\n", 1023)},     // the most lines x/crypto skips
		{bannerThenSSH, strings.Repeat("a\n", 1024)},     // one too many
		{bannerThenSSH, "SSH-2.0-impostor\r\n"},          // a version line before the real one
		{bannerThenSSH, "SSH-1.99-old\r\n"},
		{bannerThenSSH, "SSH-\n"},
		{bannerThenEOF, ""},
		{bannerThenEOF, "HTTP/1.1 400 Bad Request\r\n\r\n"},
		{bannerThenEOF, "SSH-2.0-then-nothing\r\n"},
		{bannerThenEOF, "no newline"},
		{bannerThenSilence, ""},
		{bannerThenSilence, "SSH-2.0-x\r\n"},                     // version, then no key exchange: auth stage
		{bannerThenSilence, "SSH-2.0-x"},                         // no end of line: banner stage
		{bannerThenSilence, "please wait\r\n"},                   // banner stage
		{bannerThenSilence, strings.Repeat("y", 300)},            // overflow without a newline
		{bannerThenSilence, "SSH-2.0-x\r\n\x00\x00\x00\x0c\x0a"}, // version, then half a packet
	} {
		f.Add(s.mode, []byte(s.garbage))
	}
	f.Fuzz(func(t *testing.T, mode byte, garbage []byte) {
		if len(garbage) > 300<<10 {
			return // past x/crypto's limits: more of the same
		}
		fuzzBanner(t, mode%bannerModes, garbage)
	})
}

func fuzzBanner(t *testing.T, mode byte, garbage []byte) {
	key := fuzzHostKey()
	if mode == bannerThenSSH && len(garbage) > 0 && garbage[len(garbage)-1] != '\n' {
		// Else the last line and the version line would be one line, and
		// the client would wait for a version line that never comes.
		garbage = append(garbage, '\n')
	}
	sc := scanVersion(garbage)
	// With the server's version line after the garbage, where does x/crypto stop?
	full := scanVersion(append(append([]byte(nil), garbage...), fuzzServerVersion+"\r\n"...))

	port := serveTCP(t, func(c net.Conn) {
		defer c.Close()
		_ = c.SetWriteDeadline(time.Now().Add(fuzzWait))
		if _, err := c.Write(garbage); err != nil {
			return
		}
		switch mode {
		case bannerThenSSH:
			cfg := &ssh.ServerConfig{NoClientAuth: true, ServerVersion: fuzzServerVersion}
			cfg.AddHostKey(key)
			sconn, chans, reqs, err := ssh.NewServerConn(c, cfg)
			if err != nil {
				return
			}
			go ssh.DiscardRequests(reqs)
			go func() {
				for nc := range chans {
					nc.Reject(ssh.Prohibited, "no channels here")
				}
			}()
			sconn.Wait()
		case bannerThenEOF:
			// Half-close and read on, so that the client's version line,
			// unread, does not turn the close into a reset.
			if tc, ok := c.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			io.Copy(io.Discard, c)
		case bannerThenSilence:
			io.Copy(io.Discard, c) // until the client gives up
		}
	})

	c, records := fuzzClient(t)
	c.HostKeys().Add(HostKeyName("127.0.0.1", port), key.PublicKey())
	cfg := fuzzConfig(port)
	switch {
	case mode == bannerThenSilence:
		cfg.BannerTimeout, cfg.AuthTimeout = 100*time.Millisecond, 100*time.Millisecond
	case sc.found:
		// The client takes the fake version line, then reads the real one
		// and the key exchange as packets: it fails, perhaps only when it
		// has waited for the rest of a packet.
		cfg.AuthTimeout = 200 * time.Millisecond
	}
	done := make(chan error, 1)
	go func() { done <- c.Connect(cfg) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(3 * fuzzWait): // a hang guard only: every timeout above is shorter
		t.Fatalf("Connect hung (mode %d, %d bytes before the banner)", mode, len(garbage))
	}
	kind := KindOf(err)
	stage := ""
	if e, ok := err.(*Error); ok {
		stage = e.Detail("stage")
	}
	switch {
	case kind == KindInternal:
		t.Fatalf("internal error: %v", err)
	case mode == bannerThenSSH && full.found && full.version == fuzzServerVersion:
		if err != nil {
			t.Fatalf("the server's version line came after %d bytes the client should skip, but: %v (%v)", len(garbage), err, kind)
		}
		info, ierr := c.Info()
		if ierr != nil || info.ServerVersion != fuzzServerVersion {
			t.Fatalf("connected, but the server version is %q (%v)", info.ServerVersion, ierr)
		}
	case err == nil:
		t.Fatalf("connected, but x/crypto should have stopped at %+v", full)
	case sc.overflow || (mode == bannerThenSSH && full.overflow):
		if kind != KindProtocol {
			t.Fatalf("an over-long pre-banner gave %v (%v), want a protocol error", kind, err)
		}
	case sc.found:
		// Past the banner: a timeout must name the auth stage.
		if kind == KindTimeout && stage != "auth" {
			t.Fatalf("timeout after the version line %q names stage %q", sc.version, stage)
		}
		if kind != KindTimeout && kind != KindProtocol && kind != KindClosed {
			t.Fatalf("after a fake version line: %v (%v)", kind, err)
		}
	case mode == bannerThenSilence:
		if kind != KindTimeout || stage != "banner" {
			t.Fatalf("no version line and a silent server gave %v stage %q (%v), want a banner timeout", kind, stage, err)
		}
	case mode == bannerThenEOF:
		if kind != KindProtocol {
			t.Fatalf("no version line before the end gave %v (%v), want a protocol error", kind, err)
		}
	default:
		t.Fatalf("unexpected outcome %v (%v), scan %+v", kind, err, sc)
	}
	for _, rec := range records() {
		if strings.Contains(rec, "internal error") {
			t.Errorf("a background task panicked: %s", rec)
		}
	}
}
