package core

import (
	"os"
	"path/filepath"
	"testing"
)

// Key text is unlocked at connect by the one rule key files follow: the
// passphrase, else the password.
func TestKeyDataUnlocksAsKeyFiles(t *testing.T) {
	s := sshd(t)
	data, err := os.ReadFile(filepath.Join(s.keydir, "id_ed25519_enc"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                 string
		passphrase, password string
		kind                 Kind // 0: connects
	}{
		{"passphrase", s.passphrase, "", 0},
		{"password when no passphrase", "", s.passphrase, 0},
		{"nothing", "", "", KindPasswordRequired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := NewOptions()
			o.AddKeyData(data)
			cfg := o.Config()
			base := s.config()
			cfg.Hostname, cfg.Port, cfg.Username = base.Hostname, base.Port, base.Username
			cfg.AllowAgent, cfg.LookForKeys = false, false
			cfg.Passphrase, cfg.Password = tc.passphrase, tc.password
			err := s.client(t).Connect(cfg)
			if tc.kind == 0 && err != nil {
				t.Fatal(err)
			}
			if tc.kind != 0 {
				wantKind(t, err, tc.kind)
			}
		})
	}
	cfg := s.config()
	cfg.KeyData = [][]byte{[]byte("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n")}
	wantKind(t, s.client(t).Connect(cfg), KindKey)
}
