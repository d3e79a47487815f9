package main

/*
#include <stdint.h>
*/
import "C"

import (
	"strings"

	"github.com/gossh/gossh/core"
)

// The gossh_hostkeys handle: a known_hosts store. Translation only; every
// rule lives in core/hostkeys.go.

// needString returns the C string, or an invalid-argument error for NULL.
func needString(s *C.char, what string) (string, error) {
	if s == nil {
		return "", core.InvalidArgument("%s is NULL", what)
	}
	return C.GoString(s), nil
}

//export gossh_hostkeys_new
func gossh_hostkeys_new(out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = putHandle(kindHostKeys, core.NewHostKeys())
	return finish(nil, errOut)
}

//export gossh_hostkeys_free
func gossh_hostkeys_free(h C.uintptr_t) {
	defer guardVoid()
	dropHandle(h, kindHostKeys)
}

//export gossh_hostkeys_load
func gossh_hostkeys_load(h C.uintptr_t, path *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return withHostKeys(h, errOut, func(hk *core.HostKeys) error {
		p, err := needString(path, "path")
		if err != nil {
			return err
		}
		return hk.Load(p)
	})
}

//export gossh_hostkeys_save
func gossh_hostkeys_save(h C.uintptr_t, path *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return withHostKeys(h, errOut, func(hk *core.HostKeys) error {
		p, err := needString(path, "path")
		if err != nil {
			return err
		}
		return hk.Save(p)
	})
}

//export gossh_hostkeys_add
func gossh_hostkeys_add(h C.uintptr_t, hostname, key *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return withHostKeys(h, errOut, func(hk *core.HostKeys) error {
		host, err := needString(hostname, "hostname")
		if err != nil {
			return err
		}
		text, err := needString(key, "key")
		if err != nil {
			return err
		}
		if host == "" {
			return core.InvalidArgument("hostname is empty")
		}
		k, err := core.ParsePublicKeyText(text)
		if err != nil {
			return err
		}
		hk.Add(host, k)
		return nil
	})
}

//export gossh_hostkeys_add_line
func gossh_hostkeys_add_line(h C.uintptr_t, line *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return withHostKeys(h, errOut, func(hk *core.HostKeys) error {
		l, err := needString(line, "line")
		if err != nil {
			return err
		}
		return hk.AddLine(l)
	})
}

//export gossh_hostkeys_remove
func gossh_hostkeys_remove(h C.uintptr_t, hostname, keyType *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	removed := false
	rc = withHostKeys(h, errOut, func(hk *core.HostKeys) error {
		host, err := needString(hostname, "hostname")
		if err != nil {
			return err
		}
		removed = hk.RemoveType(host, cString(keyType))
		return nil
	})
	if rc == 0 && removed {
		return 1
	}
	return rc
}

//export gossh_hostkeys_clear
func gossh_hostkeys_clear(h C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return withHostKeys(h, errOut, func(hk *core.HostKeys) error {
		hk.Clear()
		return nil
	})
}

//export gossh_hostkeys_lookup
func gossh_hostkeys_lookup(h C.uintptr_t, hostname *C.char, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out != nil {
		*out = nil
	}
	return withHostKeys(h, errOut, func(hk *core.HostKeys) error {
		host, err := needString(hostname, "hostname")
		if err != nil {
			return err
		}
		if out == nil {
			return core.InvalidArgument("out is NULL")
		}
		var lines []string
		for _, k := range hk.LookupFirstPerType(host) {
			lines = append(lines, core.PublicKeyText(k))
		}
		return putString(out, joinLines(lines))
	})
}

// joinLines joins with "\n" after each line ("" for none).
func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

//export gossh_hostkeys_check
func gossh_hostkeys_check(h C.uintptr_t, hostname, key *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	hk, err := getHostKeys(h)
	if err != nil {
		return finish(err, errOut)
	}
	if hostname == nil || key == nil {
		return finish(core.InvalidArgument("hostname and key must not be NULL"), errOut)
	}
	k, err := core.ParsePublicKeyText(C.GoString(key))
	if err != nil {
		return finish(err, errOut)
	}
	finish(nil, errOut)
	return boolInt(hk.Check(C.GoString(hostname), k))
}

//export gossh_hostkeys_count
func gossh_hostkeys_count(h C.uintptr_t) (rc C.int) {
	defer guard(&rc, nil)
	hk, err := getHostKeys(h)
	if err != nil {
		return code(core.KindOf(err))
	}
	return C.int(hk.Len())
}

//export gossh_hostkeys_entries
func gossh_hostkeys_entries(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out != nil {
		*out = nil
	}
	return withHostKeys(h, errOut, func(hk *core.HostKeys) error {
		return putString(out, hk.Text())
	})
}

//export gossh_hostkeys_hostnames
func gossh_hostkeys_hostnames(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out != nil {
		*out = nil
	}
	return withHostKeys(h, errOut, func(hk *core.HostKeys) error {
		return putString(out, joinLines(hk.Hostnames()))
	})
}

//export gossh_hostkeys_hash_host
func gossh_hostkeys_hash_host(hostname, salt *C.char, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out != nil {
		*out = nil
	}
	host, err := needString(hostname, "hostname")
	if err != nil {
		return finish(err, errOut)
	}
	hashed, err := core.HashHostnameSalt(host, cString(salt))
	if err != nil {
		return finish(err, errOut)
	}
	return finish(putString(out, hashed), errOut)
}

// clientStore hands out a new handle to one of a client's live stores.
func clientStore(h C.uintptr_t, out *C.uintptr_t, errOut *C.uintptr_t, f func(*core.Client) *core.HostKeys) C.int {
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = 0
	c, err := getClient(h)
	if err != nil {
		return finish(err, errOut)
	}
	*out = putHandle(kindHostKeys, f(c))
	return finish(nil, errOut)
}

//export gossh_client_get_host_keys
func gossh_client_get_host_keys(h C.uintptr_t, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return clientStore(h, out, errOut, (*core.Client).HostKeys)
}

//export gossh_client_get_system_host_keys
func gossh_client_get_system_host_keys(h C.uintptr_t, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return clientStore(h, out, errOut, (*core.Client).SystemHostKeys)
}

//export gossh_client_share_host_keys
func gossh_client_share_host_keys(h C.uintptr_t, from C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	c, err := getClient(h)
	if err != nil {
		return finish(err, errOut)
	}
	f, err := getClient(from)
	if err != nil {
		return finish(err, errOut)
	}
	c.ShareHostKeys(f)
	return finish(nil, errOut)
}
