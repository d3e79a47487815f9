package core

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 7, "nothing leaked": no key text, password or passphrase in any
// error message, error detail or log record.

const (
	leakPassword   = "pw-Xq7zLr2v-never-shown"
	leakPassphrase = "pp-Mn4wTk9s-never-shown"
)

// secretKeyText returns a fresh private key in OpenSSH format and the
// strings that must never appear anywhere: the whole text, each line of its
// base64 body, the password and the passphrase.
func secretKeyText(t *testing.T) (string, []string) {
	t.Helper()
	k, err := GenerateKey("ed25519", 0)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := k.MarshalPrivate("", "")
	if err != nil {
		t.Fatal(err)
	}
	text := string(pem)
	secrets := []string{text, strings.TrimSpace(text), leakPassword, leakPassphrase}
	for _, l := range strings.Split(text, "\n") {
		if l != "" && !strings.HasPrefix(l, "-----") {
			secrets = append(secrets, l)
		}
	}
	return text, secrets
}

// noSecret fails the test if text holds one of secrets.
func noSecret(t *testing.T, where, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s repeats a secret (%.20q...): %q", where, s, text)
			return
		}
	}
	if strings.Contains(text, "PRIVATE KEY") || strings.Contains(text, "-----BEGIN") {
		t.Errorf("%s holds key armour: %q", where, text)
	}
}

// errNoSecret checks an error's message, its details and (unless
// chainToo is false) the messages of its causes.
func errNoSecret(t *testing.T, err error, secrets []string, chainToo bool) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	e := AsError(err)
	noSecret(t, "message", e.Msg, secrets)
	noSecret(t, "Error()", err.Error(), secrets)
	for k, v := range e.Details {
		noSecret(t, "detail "+k, v, secrets)
	}
	if chainToo {
		for c := errors.Unwrap(err); c != nil; c = errors.Unwrap(c) {
			noSecret(t, "cause", c.Error(), secrets)
		}
	}
}

func logNoSecret(t *testing.T, recs []string, secrets []string) {
	t.Helper()
	for _, r := range recs {
		noSecret(t, "log record", r, secrets)
	}
}

func TestKeyTextAsKeyFilenameIsNeverRepeated(t *testing.T) {
	s := sshd(t)
	text, secrets := secretKeyText(t)
	_, err := LoadPrivateKeyFile(text, leakPassphrase)
	wantKind(t, err, KindIO)
	errNoSecret(t, err, secrets, true)
	if !strings.Contains(err.Error(), "<key material, not shown>") {
		t.Errorf("the message does not say what was wrong: %q", err)
	}

	// Through connect, with the log captured at debug level: no password
	// (the key error is the one reported), then a wrong password, a wrong
	// passphrase for an encrypted key, a key the server does not know and
	// a missing file as well.
	for _, pw := range []string{"", leakPassword} {
		recs := captureLog(t)
		cfg := s.config()
		if pw != "" {
			cfg = s.config("id_ed25519_enc", "id_wrong")
			cfg.KeyFilenames = append(cfg.KeyFilenames, filepath.Join(t.TempDir(), "missing"))
		}
		cfg.KeyFilenames = append(cfg.KeyFilenames, text)
		cfg.Password, cfg.Passphrase = pw, leakPassphrase
		err := s.client(t).Connect(cfg)
		if pw == "" {
			wantKind(t, err, KindIO)
		} else {
			wantKind(t, err, KindAuth)
		}
		errNoSecret(t, err, secrets, true)
		logNoSecret(t, recs(), secrets)
		if len(recs()) == 0 {
			t.Fatal("no log record at all: the capture does not work")
		}
	}
}

func TestLoadCertificateKeyTextIsNeverRepeated(t *testing.T) {
	text, secrets := secretKeyText(t)
	k, err := GenerateKey("ed25519", 0)
	if err != nil {
		t.Fatal(err)
	}
	err = k.LoadCertificate(text)
	wantKind(t, err, KindIO)
	errNoSecret(t, err, secrets, true)
	err = k.WritePrivateFile(filepath.Join(t.TempDir(), "missing-dir", text), "")
	wantKind(t, err, KindIO)
	errNoSecret(t, err, secrets, true)
}

func TestKnownHostsPathKeyTextIsNeverRepeated(t *testing.T) {
	text, secrets := secretKeyText(t)
	recs := captureLog(t)
	h := NewHostKeys()
	if err := h.Load(text); err != nil {
		errNoSecret(t, err, secrets, true)
	}
	h.LoadData([]byte("not a known_hosts line\n"), text, nil)
	c := NewClient()
	defer c.Close()
	if err := c.LoadHostKeys(text); err != nil {
		errNoSecret(t, err, secrets, true)
	}
	logNoSecret(t, recs(), secrets)
	if len(recs()) == 0 {
		t.Fatal("LoadData logged nothing for a malformed line")
	}
}

func TestOptionValuesAreNeverRepeated(t *testing.T) {
	_, secrets := secretKeyText(t)
	cfg := NewConfig()
	for _, name := range []string{"port", "timeout", "banner_timeout", "auth_timeout", "allow_agent", "look_for_keys"} {
		err := cfg.Set(name, leakPassword)
		e := wantKind(t, err, KindInvalid)
		errNoSecret(t, err, secrets, true)
		if !strings.Contains(e.Msg, name) {
			t.Errorf("the message does not name the option %s: %q", name, e.Msg)
		}
	}
	// A name and value swapped: the "name" is not repeated either.
	err := cfg.Set(leakPassword, "password")
	wantKind(t, err, KindInvalid)
	errNoSecret(t, err, secrets, true)
	// No value is echoed at all, even a harmless one.
	for _, v := range []string{"70000", "0", "-5"} {
		err := cfg.Set("port", v)
		wantKind(t, err, KindInvalid)
		if strings.Contains(err.Error(), v+" ") || strings.HasSuffix(err.Error(), v) || strings.Contains(err.Error(), `"`+v) {
			t.Errorf("port %s: the value is echoed: %q", v, err)
		}
	}
	if err := cfg.Set("no_such_option", "1"); err == nil || !strings.Contains(err.Error(), `"no_such_option"`) ||
		!strings.Contains(err.Error(), "hostname, port") {
		t.Errorf("the message about an unknown option does not name it and list the names: %v", err)
	}
}

func TestRedact(t *testing.T) {
	text, secrets := secretKeyText(t)
	for _, in := range []string{
		text,
		"cannot read key file " + text + ": open " + text + ": file name too long",
		"unknown option " + strings.ReplaceAll(text, "\n", `\n`), // %q-quoted
		"cut short: " + text[:len(text)/2],
		"-----BEGIN RSA PRIVATE KEY-----",
		"ssh: unsupported key type \"FOO PRIVATE KEY\"",
	} {
		out := Redact(in)
		noSecret(t, "Redact", out, secrets)
		if !strings.Contains(out, "<key material, not shown>") {
			t.Errorf("Redact(%.30q...) = %q: no placeholder", in, out)
		}
	}
	// The text around a complete block stays.
	got := Redact("before " + text + "after")
	if got != "before <key material, not shown>\nafter" && got != "before <key material, not shown>after" {
		t.Errorf("Redact kept too little or too much: %q", got)
	}
	for _, in := range []string{"", "plain message", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuQJtJXhFKsD6Pgo5U3RBqr8PZB0u05KUqj8Rs3Kmzr"} {
		if got := Redact(in); got != in {
			t.Errorf("Redact(%q) = %q", in, got)
		}
	}
}

func TestShowPathAndShowName(t *testing.T) {
	text, _ := secretKeyText(t)
	for in, want := range map[string]string{
		"/home/u/.ssh/id_ed25519":   "/home/u/.ssh/id_ed25519",
		"~/.ssh/known_hosts":        "~/.ssh/known_hosts",
		"C:\\Users\\u\\key":         "C:\\Users\\u\\key",
		text:                        "<key material, not shown>",
		"a\nb":                      "<key material, not shown>",
		strings.Repeat("a/", 200):   "<value not shown>",
		"bad\x00byte":               "<value not shown>",
		"-----BEGIN RSA PRIVATE KE": "<key material, not shown>",
	} {
		if got := ShowPath(in); got != want {
			t.Errorf("ShowPath(%.30q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"port": `"port"`, "ssh-ed25519": `"ssh-ed25519"`, "": "<value not shown>",
		"has space": "<value not shown>", strings.Repeat("x", 65): "<value not shown>",
	} {
		if got := ShowName(in); got != want {
			t.Errorf("ShowName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPanicErrorHasNoStackInItsMessage(t *testing.T) {
	recs := captureLog(t)
	var e *Error
	func() {
		defer func() { e = PanicError(nil, "gossh_test_call", recover()) }()
		var m map[string]int
		m["x"]++ // a nil map: a runtime panic
	}()
	if e.Kind != KindInternal || !strings.HasPrefix(e.Msg, "internal error in gossh_test_call: ") {
		t.Fatalf("got %v %q", e.Kind, e.Msg)
	}
	for _, bad := range []string{"goroutine", "0x", ".go:", "\n"} {
		if strings.Contains(e.Msg, bad) {
			t.Errorf("the message holds %q: %q", bad, e.Msg)
		}
	}
	var stack string
	for _, r := range recs() {
		if strings.HasPrefix(r, "40 ") && strings.Contains(r, "internal error in gossh_test_call") {
			stack = r
		}
	}
	if !strings.Contains(stack, "secrets_test.go:") {
		t.Fatalf("no stack logged at error level: %q", recs())
	}
	if strings.Contains(stack, "0xc") || strings.Contains(stack, "+0x") {
		t.Errorf("the logged stack holds argument values or offsets: %s", stack)
	}
	// An optimised build prints argument values as "0x4d2ad1654c8?": no
	// hex word at all on a function line.
	for _, l := range strings.Split(stack, "\n")[1:] {
		if !strings.HasPrefix(l, "\t") && strings.Contains(l, "0x") {
			t.Errorf("a function line of the logged stack holds a value: %q", l)
		}
	}
}

func TestPanicWithKeyTextIsRedacted(t *testing.T) {
	text, secrets := secretKeyText(t)
	recs := captureLog(t)
	e := PanicError(nil, "gossh_test_call", errors.New("bad value "+text))
	noSecret(t, "panic message", e.Msg, secrets)
	logNoSecret(t, recs(), secrets)
}
