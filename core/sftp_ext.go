package core

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/crypto/ssh"
)

// pkg/sftp v1 cannot send a raw SSH_FXP_EXTENDED request, nor does it keep a
// directory entry's longname. rawSFTP is a small SFTP v3 client of our own
// on a separate "sftp" subsystem channel, for those: limits@openssh.com,
// home-directory, expand-path@openssh.com, copy-data, check-file-name and
// batched directory reads. Requests carry ids and may be in flight at once;
// a request whose caller gave up is forgotten and its late answer dropped.

// SFTP packet types (draft-ietf-secsh-filexfer-02 and OpenSSH's PROTOCOL).
const (
	fxpInit          = 1
	fxpVersion       = 2
	fxpOpen          = 3
	fxpClose         = 4
	fxpOpendir       = 11
	fxpReaddir       = 12
	fxpStatus        = 101
	fxpHandle        = 102
	fxpName          = 104
	fxpAttrs         = 105
	fxpExtended      = 200
	fxpExtendedReply = 201
)

// Attribute flags (SSH_FILEXFER_ATTR_*).
const (
	attrSize        = 0x1
	attrUIDGID      = 0x2
	attrPermissions = 0x4
	attrACModTime   = 0x8
	attrExtended    = 0x80000000
)

// maxRawPacket bounds a packet our own client accepts (OpenSSH's limit).
const maxRawPacket = 256 << 10

type rawReply struct {
	typ  byte
	data []byte // after the id
}

type rawSFTP struct {
	ch      ssh.Channel
	wmu     sync.Mutex
	mu      sync.Mutex
	pending map[uint32]chan rawReply
	nextID  uint32
	err     error         // set when the channel ended
	done    chan struct{} // closed when the channel ended
	version uint32
	exts    [][2]string // the server's extensions, in its order
}

// startRaw runs the version exchange on an open subsystem channel and
// starts the reader.
func startRaw(ch ssh.Channel) (*rawSFTP, error) {
	r := &rawSFTP{ch: ch, pending: map[uint32]chan rawReply{}, done: make(chan struct{})}
	init := []byte{0, 0, 0, 5, fxpInit, 0, 0, 0, 3}
	if _, err := ch.Write(init); err != nil {
		return nil, err
	}
	typ, data, err := readPacket(ch)
	if err != nil {
		return nil, err
	}
	if typ != fxpVersion || len(data) < 4 {
		return nil, newError(KindProtocol, nil, "sftp: the server answered the version exchange with packet type %d", typ)
	}
	r.version = binary.BigEndian.Uint32(data)
	if r.version != 3 {
		return nil, newError(KindProtocol, nil, "sftp: the server speaks version %d, not 3", r.version)
	}
	rest := data[4:]
	for len(rest) > 0 {
		var name, value string
		var ok bool
		if name, rest, ok = fxParseStr(rest); !ok {
			break
		}
		if value, rest, ok = fxParseStr(rest); !ok {
			break
		}
		r.exts = append(r.exts, [2]string{name, value})
	}
	go r.readLoop()
	return r, nil
}

// readPacket reads one SFTP packet: its type and the rest.
func readPacket(rd io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(rd, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n < 1 || n > maxRawPacket {
		return 0, nil, newError(KindProtocol, nil, "sftp: packet of %d bytes", n)
	}
	data := make([]byte, n-1)
	if _, err := io.ReadFull(rd, data); err != nil {
		return 0, nil, err
	}
	return hdr[4], data, nil
}

func (r *rawSFTP) readLoop() {
	var err error
	defer func() {
		if rec := recover(); rec != nil {
			err = fmt.Errorf("sftp reader panicked: %v", rec)
		}
		r.mu.Lock()
		r.err = err
		for id, c := range r.pending {
			close(c)
			delete(r.pending, id)
		}
		r.mu.Unlock()
		close(r.done)
		r.ch.Close()
	}()
	for {
		var typ byte
		var data []byte
		typ, data, err = readPacket(r.ch)
		if err != nil {
			return
		}
		if len(data) < 4 {
			err = newError(KindProtocol, nil, "sftp: a packet of type %d without an id", typ)
			return
		}
		id := binary.BigEndian.Uint32(data)
		r.mu.Lock()
		c := r.pending[id]
		delete(r.pending, id)
		r.mu.Unlock()
		if c != nil {
			c <- rawReply{typ, data[4:]}
		}
	}
}

// has reports whether the server offered extension name.
func (r *rawSFTP) has(name string) bool {
	for _, e := range r.exts {
		if e[0] == name {
			return true
		}
	}
	return false
}

// errRawClosed is what a request gets once the channel has ended.
var errRawClosed = errors.New("sftp: the extension channel is closed (EOF)")

// call sends one request (type typ, then the id, then payload) and waits
// for its answer, the channel's end or abandon (closed: the caller gave up).
func (r *rawSFTP) call(typ byte, payload []byte, abandon <-chan struct{}) (rawReply, error) {
	c := make(chan rawReply, 1)
	r.mu.Lock()
	if r.err != nil || isClosed(r.done) {
		r.mu.Unlock()
		return rawReply{}, errRawClosed
	}
	r.nextID++
	id := r.nextID
	r.pending[id] = c
	r.mu.Unlock()
	pkt := make([]byte, 9, 9+len(payload))
	binary.BigEndian.PutUint32(pkt, uint32(5+len(payload)))
	pkt[4] = typ
	binary.BigEndian.PutUint32(pkt[5:], id)
	pkt = append(pkt, payload...)
	r.wmu.Lock()
	_, err := r.ch.Write(pkt)
	r.wmu.Unlock()
	if err != nil {
		r.forget(id)
		return rawReply{}, errRawClosed
	}
	select {
	case rep, ok := <-c:
		if !ok {
			return rawReply{}, errRawClosed
		}
		return rep, nil
	case <-abandon:
		r.forget(id)
		return rawReply{}, errRawClosed
	}
}

func (r *rawSFTP) forget(id uint32) {
	r.mu.Lock()
	delete(r.pending, id)
	r.mu.Unlock()
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func (r *rawSFTP) close() { r.ch.Close() }

// Wire helpers.

func fxU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func fxU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }
func fxStr(b []byte, s string) []byte {
	b = fxU32(b, uint32(len(s)))
	return append(b, s...)
}

func fxParseU32(b []byte) (uint32, []byte, bool) {
	if len(b) < 4 {
		return 0, b, false
	}
	return binary.BigEndian.Uint32(b), b[4:], true
}

func fxParseU64(b []byte) (uint64, []byte, bool) {
	if len(b) < 8 {
		return 0, b, false
	}
	return binary.BigEndian.Uint64(b), b[8:], true
}

func fxParseStr(b []byte) (string, []byte, bool) {
	n, rest, ok := fxParseU32(b)
	if !ok || uint64(n) > uint64(len(rest)) {
		return "", b, false
	}
	return string(rest[:n]), rest[n:], true
}

// parseAttrs decodes an ATTRS structure.
func parseAttrs(b []byte) (Attrs, []byte, bool) {
	var a Attrs
	var ok bool
	if a.Flags, b, ok = fxParseU32(b); !ok {
		return a, b, false
	}
	if a.Flags&attrSize != 0 {
		if a.Size, b, ok = fxParseU64(b); !ok {
			return a, b, false
		}
	}
	if a.Flags&attrUIDGID != 0 {
		if a.UID, b, ok = fxParseU32(b); !ok {
			return a, b, false
		}
		if a.GID, b, ok = fxParseU32(b); !ok {
			return a, b, false
		}
	}
	if a.Flags&attrPermissions != 0 {
		if a.Mode, b, ok = fxParseU32(b); !ok {
			return a, b, false
		}
	}
	if a.Flags&attrACModTime != 0 {
		var at, mt uint32
		if at, b, ok = fxParseU32(b); !ok {
			return a, b, false
		}
		if mt, b, ok = fxParseU32(b); !ok {
			return a, b, false
		}
		a.Atime, a.Mtime = int64(at), int64(mt)
	}
	if a.Flags&attrExtended != 0 {
		var n uint32
		if n, b, ok = fxParseU32(b); !ok {
			return a, b, false
		}
		for i := uint32(0); i < n; i++ {
			if _, b, ok = fxParseStr(b); !ok {
				return a, b, false
			}
			if _, b, ok = fxParseStr(b); !ok {
				return a, b, false
			}
		}
	}
	a.Flags &= attrSize | attrUIDGID | attrPermissions | attrACModTime
	return a, b, true
}

// rawStatus turns a STATUS reply into nil (OK) or a KindSFTP error.
func rawStatus(rep rawReply, op, path, path2 string) error {
	if rep.typ != fxpStatus {
		return newError(KindProtocol, nil, "sftp %s: unexpected reply of type %d", op, rep.typ)
	}
	code, rest, ok := fxParseU32(rep.data)
	if !ok {
		return newError(KindProtocol, nil, "sftp %s: a status reply without a code", op)
	}
	if code == fxOK {
		return nil
	}
	msg, _, _ := fxParseStr(rest)
	return sftpStatus(code, msg, op, path, path2)
}

// extended sends SSH_FXP_EXTENDED name with payload data.
func (r *rawSFTP) extended(name string, data []byte, abandon <-chan struct{}) (rawReply, error) {
	payload := fxStr(nil, name)
	return r.call(fxpExtended, append(payload, data...), abandon)
}

// limits asks limits@openssh.com: max packet, read and write lengths.
func (r *rawSFTP) limits(abandon <-chan struct{}) (maxPacket, maxRead, maxWrite uint64, err error) {
	rep, err := r.extended("limits@openssh.com", nil, abandon)
	if err != nil {
		return 0, 0, 0, err
	}
	if rep.typ != fxpExtendedReply {
		return 0, 0, 0, rawStatus(rep, "limits@openssh.com", "", "")
	}
	b := rep.data
	var ok bool
	if maxPacket, b, ok = fxParseU64(b); ok {
		if maxRead, b, ok = fxParseU64(b); ok {
			maxWrite, _, ok = fxParseU64(b)
		}
	}
	if !ok {
		return 0, 0, 0, newError(KindProtocol, nil, "sftp: a short limits@openssh.com reply")
	}
	return maxPacket, maxRead, maxWrite, nil
}

// nameReply takes the one name of a NAME reply.
func nameReply(rep rawReply, op, path string) (string, error) {
	if rep.typ != fxpName {
		return "", rawStatus(rep, op, path, "")
	}
	n, rest, ok := fxParseU32(rep.data)
	if !ok || n < 1 {
		return "", newError(KindProtocol, nil, "sftp %s: an empty name reply", op)
	}
	name, _, ok := fxParseStr(rest)
	if !ok {
		return "", newError(KindProtocol, nil, "sftp %s: a malformed name reply", op)
	}
	return name, nil
}

// openHandle opens path on the raw channel (pflags SSH_FXF_*, attrs with
// only permissions when perm >= 0).
func (r *rawSFTP) openHandle(path string, pflags uint32, perm int64, abandon <-chan struct{}) (string, error) {
	p := fxStr(nil, path)
	p = fxU32(p, pflags)
	if perm >= 0 {
		p = fxU32(p, attrPermissions)
		p = fxU32(p, uint32(perm))
	} else {
		p = fxU32(p, 0)
	}
	rep, err := r.call(fxpOpen, p, abandon)
	if err != nil {
		return "", err
	}
	return handleReply(rep, "open", path)
}

func handleReply(rep rawReply, op, path string) (string, error) {
	if rep.typ != fxpHandle {
		return "", rawStatus(rep, op, path, "")
	}
	h, _, ok := fxParseStr(rep.data)
	if !ok {
		return "", newError(KindProtocol, nil, "sftp %s: a malformed handle reply", op)
	}
	return h, nil
}

// closeHandle closes a raw handle, waiting for the answer.
func (r *rawSFTP) closeHandle(h string, abandon <-chan struct{}) error {
	rep, err := r.call(fxpClose, fxStr(nil, h), abandon)
	if err != nil {
		return err
	}
	return rawStatus(rep, "close", "", "")
}
