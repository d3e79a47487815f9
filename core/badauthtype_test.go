package core

import (
	"net"
	"strconv"
	"testing"

	"github.com/gossh/gossh/core/sshtest"
	"golang.org/x/crypto/ssh"
)

// A password given to a server that takes only public keys: paramiko's last
// attempt, auth_password, raises BadAuthenticationType listing the allowed
// types, with or without keys tried before it.
func TestPasswordToPublicKeyOnlyServerIsBadAuthType(t *testing.T) {
	good := NewKeyFromSigner(sshtest.MustNewSigner())
	wrong := NewKeyFromSigner(sshtest.MustNewSigner())
	srv, err := sshtest.Start(sshtest.Config{AuthorizedKeys: []ssh.PublicKey{good.Signer().PublicKey()}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	host, port, _ := net.SplitHostPort(srv.Addr())
	p, _ := strconv.Atoi(port)
	for _, keys := range [][]*Key{nil, {wrong}} {
		cfg := hermeticConfig(host, p)
		cfg.Username, cfg.Password, cfg.Keys = "u", "pw", keys
		e := wantKind(t, autoAddClient(t).Connect(cfg), KindBadAuthType)
		if got := e.Detail("allowed_types"); got != "publickey" {
			t.Fatalf("keys %d: allowed_types %q, want publickey", len(keys), got)
		}
	}
	// No password: a plain authentication failure, as before.
	cfg := hermeticConfig(host, p)
	cfg.Username, cfg.Keys = "u", []*Key{wrong}
	wantKind(t, autoAddClient(t).Connect(cfg), KindAuth)
	// The right key still wins over the password.
	cfg = hermeticConfig(host, p)
	cfg.Username, cfg.Password, cfg.Keys = "u", "pw", []*Key{good}
	if err := autoAddClient(t).Connect(cfg); err != nil {
		t.Fatal(err)
	}
}

// KindAuth says which case it is (detail "reason"), so bindings can use
// their own words (paramiko's "Authentication failed.").
func TestAuthFailureReason(t *testing.T) {
	good := NewKeyFromSigner(sshtest.MustNewSigner())
	wrong := NewKeyFromSigner(sshtest.MustNewSigner())
	srv, err := sshtest.Start(sshtest.Config{Password: "pw", AuthorizedKeys: []ssh.PublicKey{good.Signer().PublicKey()}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	host, port, _ := net.SplitHostPort(srv.Addr())
	p, _ := strconv.Atoi(port)
	cfg := hermeticConfig(host, p)
	cfg.Username, cfg.Keys = "u", []*Key{wrong}
	if e := wantKind(t, autoAddClient(t).Connect(cfg), KindAuth); e.Detail("reason") != "failed" {
		t.Fatalf("wrong key: reason %q", e.Detail("reason"))
	}
	cfg = hermeticConfig(host, p)
	cfg.Username = "u"
	if e := wantKind(t, autoAddClient(t).Connect(cfg), KindAuth); e.Detail("reason") != "no_methods" {
		t.Fatalf("nothing given: reason %q", e.Detail("reason"))
	}
}
