package main

/*
#include <stdint.h>
*/
import "C"

import (
	"strings"

	"github.com/gossh/gossh/core"
)

// The gossh_sshconfig handle: a parsed ssh_config. Translation only; the
// resolver is core/sshconfig.go. Its kind is declared here, away from the
// list in handles.go, so that branches adding kinds do not collide.
const kindSSHConfig handleKind = 64

func init() { kindName[kindSSHConfig] = "gossh_sshconfig" }

func putSSHConfig(out *C.uintptr_t, c *core.SSHConfig, err error, errOut *C.uintptr_t) C.int {
	if err != nil {
		return finish(err, errOut)
	}
	*out = putHandle(kindSSHConfig, c)
	return finish(nil, errOut)
}

//export gossh_sshconfig_from_path
func gossh_sshconfig_from_path(path *C.char, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = 0
	if path == nil {
		c, err := core.DefaultSSHConfig()
		return putSSHConfig(out, c, err, errOut)
	}
	p := C.GoString(path)
	if p == "" {
		return finish(core.InvalidArgument("path is empty"), errOut)
	}
	c, err := core.LoadSSHConfig(p)
	return putSSHConfig(out, c, err, errOut)
}

//export gossh_sshconfig_from_text
func gossh_sshconfig_from_text(text *C.char, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = 0
	t, err := needString(text, "text")
	if err != nil {
		return finish(err, errOut)
	}
	c, err := core.ParseSSHConfig([]byte(t), "ssh_config text")
	return putSSHConfig(out, c, err, errOut)
}

//export gossh_sshconfig_add_text
func gossh_sshconfig_add_text(h C.uintptr_t, text *C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	return with(h, kindSSHConfig, errOut, func(c *core.SSHConfig) error {
		t, err := needString(text, "text")
		if err != nil {
			return err
		}
		more, err := core.ParseSSHConfig([]byte(t), "ssh_config text")
		if err != nil {
			return err
		}
		c.Add(more)
		return nil
	})
}

//export gossh_sshconfig_lookup
func gossh_sshconfig_lookup(h C.uintptr_t, host, user *C.char, port C.int, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out != nil {
		*out = nil
	}
	return with(h, kindSSHConfig, errOut, func(c *core.SSHConfig) error {
		name, err := needString(host, "host")
		if err != nil {
			return err
		}
		if out == nil {
			return core.InvalidArgument("out is NULL")
		}
		if port < 0 || port > 65535 {
			return core.InvalidArgument("port %d is not in 0..65535", int(port))
		}
		res, err := c.Lookup(name, &core.SSHConfigQuery{User: cString(user), Port: int(port)})
		if err != nil {
			return err
		}
		var b strings.Builder
		for _, k := range res.Keywords() {
			for _, v := range res.GetAll(k) {
				b.WriteString(k)
				b.WriteByte('\t')
				b.WriteString(v)
				b.WriteByte('\n')
			}
		}
		return putString(out, b.String())
	})
}

//export gossh_sshconfig_hostnames
func gossh_sshconfig_hostnames(h C.uintptr_t, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out != nil {
		*out = nil
	}
	return with(h, kindSSHConfig, errOut, func(c *core.SSHConfig) error {
		if out == nil {
			return core.InvalidArgument("out is NULL")
		}
		return putString(out, joinLines(c.Hostnames()))
	})
}

//export gossh_sshconfig_multi_keywords
func gossh_sshconfig_multi_keywords(out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out != nil {
		*out = nil
	}
	return finish(putString(out, joinLines(core.SSHConfigMultiKeywords())), errOut)
}

//export gossh_sshconfig_free
func gossh_sshconfig_free(h C.uintptr_t) {
	defer guardVoid()
	dropHandle(h, kindSSHConfig)
}
