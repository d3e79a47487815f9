package core

import (
	"strconv"
	"strings"
	"time"
)

// Directions of a group file transfer (GroupTransfer.Direction).
const (
	GroupPut = 1 // local file to every host
	GroupGet = 2 // every host's file to a local file of its own
)

// GroupTransfer is an SFTP put or get that a group runs on every host in
// place of a session. In Local and Remote, "%h" is replaced by the host's
// name (with "/" made "_", so that a name never leaves the directory) and
// "%i" by its index, and "%%" by "%", so that a get writes one file per
// host; a get whose Local has neither %h nor %i is refused (every host
// would write the same file).
type GroupTransfer struct {
	Direction     int
	Local, Remote string
	Flags         int // XferResume, XferPreserve, XferNoVerify (as SFTP.Put and Get)
}

// RunTransfer starts t on every host and returns at once, as Run does;
// each host's result has Transferred (the file's size) and ExitStatus -1.
// The group's command timeout limits each host's transfer.
func (g *Group) RunTransfer(t *GroupTransfer) error {
	if t == nil {
		return InvalidArgument("no transfer given")
	}
	if t.Direction != GroupPut && t.Direction != GroupGet {
		return InvalidArgument("transfer direction must be %d (put) or %d (get), not %d", GroupPut, GroupGet, t.Direction)
	}
	if t.Local == "" || t.Remote == "" {
		return InvalidArgument("a transfer needs a local and a remote path")
	}
	if t.Direction == GroupGet && expandHostPath(t.Local, 0, "a") == expandHostPath(t.Local, 1, "b") {
		return InvalidArgument("a group get needs %%h or %%i in the local path: every host would write the same file")
	}
	if t.Direction == GroupGet {
		g.mu.Lock()
		seen := make(map[string]string, len(g.hosts))
		for i, h := range g.hosts {
			p := expandHostPath(t.Local, i, h.name)
			if other, dup := seen[p]; dup {
				g.mu.Unlock()
				return InvalidArgument("hosts %q and %q would write the same local file (use %%i, or distinct names)", other, h.name)
			}
			seen[p] = h.name
		}
		g.mu.Unlock()
	}
	c := *t
	return g.start(nil, &c)
}

// expandHostPath replaces %h, %i and %% in p for host i named name.
func expandHostPath(p string, i int, name string) string {
	return strings.NewReplacer("%%", "%", "%h", strings.ReplaceAll(name, "/", "_"), "%i", strconv.Itoa(i)).Replace(p)
}

// transfer runs the group's transfer on c for host i.
func (r *groupRun) transfer(i int, h *groupHost, c *Client, res *GroupResult) error {
	t := r.xfer
	timeout := time.Duration(-1)
	if r.opts.commandTimeout > 0 {
		timeout = r.opts.commandTimeout
	}
	s, err := c.OpenSFTP(timeout)
	if err != nil {
		return err
	}
	defer s.Close()
	local, remote := expandHostPath(t.Local, i, h.name), expandHostPath(t.Remote, i, h.name)
	var n uint64
	if t.Direction == GroupPut {
		n, err = s.Put(local, remote, t.Flags, nil, timeout)
	} else {
		n, err = s.Get(remote, local, t.Flags, nil, timeout)
	}
	res.Transferred = n
	if err != nil && KindOf(err) == KindTimeout && timeout > 0 {
		return newError(KindTimeout, err, "transfer did not finish within the group's command timeout").with("stage", "command")
	}
	return err
}
