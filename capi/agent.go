package main

/*
#include <stdint.h>
#include <stddef.h>
*/
import "C"

import (
	"encoding/base64"
	"strings"
	"time"
	"unsafe"

	"github.com/gossh/gossh/core"
)

// agentCommentReplacer keeps a key's comment on its one line.
var agentCommentReplacer = strings.NewReplacer("\r", " ", "\n", " ")

//export gossh_agent_list
func gossh_agent_list(socket *C.char, out **C.char, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = nil
	keys, err := core.AgentKeys(cString(socket))
	if err != nil {
		return finish(err, errOut)
	}
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k.Type + " " + base64.StdEncoding.EncodeToString(k.Blob))
		if k.Comment != "" {
			b.WriteString(" " + agentCommentReplacer.Replace(k.Comment))
		}
		b.WriteString("\n")
	}
	return finish(putString(out, b.String()), errOut)
}

//export gossh_agent_sign
func gossh_agent_sign(socket *C.char, blob unsafe.Pointer, bloblen C.size_t, data unsafe.Pointer, n C.size_t, algorithm *C.char, sig *unsafe.Pointer, siglen *C.size_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if sig == nil || siglen == nil {
		return finish(core.InvalidArgument("sig and siglen must not be NULL"), errOut)
	}
	*sig, *siglen = nil, 0
	if blob == nil || bloblen == 0 {
		return finish(core.InvalidArgument("no public key blob given"), errOut)
	}
	pub, err := goBytes(blob, bloblen, maxBlobLen, "public key blob")
	if err != nil {
		return finish(err, errOut)
	}
	b, err := goBytes(data, n, maxSignDataLen, "data")
	if err != nil {
		return finish(err, errOut)
	}
	s, err := core.AgentSign(cString(socket), pub, b, cString(algorithm))
	if err != nil {
		return finish(err, errOut)
	}
	return finish(putBytes(sig, siglen, s), errOut)
}

//export gossh_channel_request_forward_agent
func gossh_channel_request_forward_agent(h C.uintptr_t, timeoutMs C.int, accepted *C.int, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if accepted != nil {
		*accepted = 0
	}
	return timedChannelCall(h, timeoutMs, errOut, func(ch *core.Channel, timeout time.Duration) error {
		ok, err := ch.RequestAgentForwarding(timeout)
		if ok && accepted != nil {
			*accepted = 1
		}
		return err
	})
}

//export gossh_agent_key
func gossh_agent_key(socket *C.char, blob unsafe.Pointer, bloblen C.size_t, out *C.uintptr_t, errOut *C.uintptr_t) (rc C.int) {
	defer guard(&rc, errOut)
	if out == nil {
		return finish(core.InvalidArgument("out is NULL"), errOut)
	}
	*out = 0
	if blob == nil || bloblen == 0 {
		return finish(core.InvalidArgument("no public key blob given"), errOut)
	}
	pub, err := goBytes(blob, bloblen, maxBlobLen, "public key blob")
	if err != nil {
		return finish(err, errOut)
	}
	k, err := core.NewAgentKey(cString(socket), pub)
	if err != nil {
		return finish(err, errOut)
	}
	*out = putHandle(kindKey, k)
	return finish(nil, errOut)
}
