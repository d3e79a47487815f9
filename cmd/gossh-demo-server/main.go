// Command gossh-demo-server is the embedded default server for `make demo`:
// an in-process SSH server (core/sshtest) on 127.0.0.1 that runs commands as
// the current user, so the examples work on a machine without sshd.
//
// It writes into -dir (a new temporary directory by default):
//
//	ssh_host_ed25519_key  the server's host key (reused if present)
//	id_ed25519            a client private key the server accepts (0600; reused if present)
//	id_ed25519.pub        its public key
//	known_hosts           the host key for [127.0.0.1]:PORT
//	env.sh                exports GOSSH_DEMO_HOST, GOSSH_DEMO_PORT, GOSSH_DEMO_USER,
//	                      GOSSH_DEMO_PASSWORD, GOSSH_DEMO_KEY, GOSSH_DEMO_KNOWN_HOSTS
//
// then prints "ready" and the contents of env.sh on stdout, and serves until
// SIGINT or SIGTERM (or, with -stdin-lifetime, until stdin is closed).
//
// This server runs commands for anyone who has the password; it listens on
// loopback only. Use it for demos and tests, nothing else.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/crypto/ssh"

	"github.com/gossh/gossh/core"
	"github.com/gossh/gossh/core/sshtest"
)

func main() {
	port := flag.Int("port", 0, "TCP port on 127.0.0.1 (0: a free port)")
	dir := flag.String("dir", "", "directory for keys, known_hosts and env.sh (default: a new temporary directory)")
	password := flag.String("password", "demo", "password the server accepts (for any user name)")
	stdinLifetime := flag.Bool("stdin-lifetime", false, "exit when stdin is closed")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gossh-demo-server: ")

	if *dir == "" {
		d, err := os.MkdirTemp("", "gossh-demo.")
		if err != nil {
			log.Fatal(err)
		}
		*dir = d
	} else if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}

	hostKey, err := loadOrCreateKey(filepath.Join(*dir, "ssh_host_ed25519_key"), "gossh-demo-server host key")
	if err != nil {
		log.Fatal(err)
	}
	clientKey, err := loadOrCreateKey(filepath.Join(*dir, "id_ed25519"), "gossh-demo client key")
	if err != nil {
		log.Fatal(err)
	}
	keyPath := filepath.Join(*dir, "id_ed25519")
	if err := os.WriteFile(keyPath+".pub", ssh.MarshalAuthorizedKey(clientKey.PublicKey()), 0o644); err != nil {
		log.Fatal(err)
	}

	srv, err := sshtest.Start(sshtest.Config{
		Password:       *password,
		AuthorizedKeys: []ssh.PublicKey{clientKey.PublicKey()},
		HostKey:        hostKey,
		Addr:           "127.0.0.1:" + strconv.Itoa(*port),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	khPath := filepath.Join(*dir, "known_hosts")
	if err := writeFileAtomic(khPath, []byte(strings.Join(srv.KnownHostsLines(), "\n")+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	env := []struct{ k, v string }{
		{"GOSSH_DEMO_HOST", "127.0.0.1"},
		{"GOSSH_DEMO_PORT", strconv.Itoa(srv.Port())},
		{"GOSSH_DEMO_USER", currentUser()},
		{"GOSSH_DEMO_PASSWORD", *password},
		{"GOSSH_DEMO_KEY", keyPath},
		{"GOSSH_DEMO_KNOWN_HOSTS", khPath},
		{"GOSSH_DEMO_DIR", *dir},
	}
	var sb strings.Builder
	for _, e := range env {
		fmt.Fprintf(&sb, "export %s=%s\n", e.k, shellQuote(e.v))
	}
	// Written last, atomically: its presence means the server is ready.
	if err := writeFileAtomic(filepath.Join(*dir, "env.sh"), []byte(sb.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print("ready\n" + sb.String())
	os.Stdout.Sync()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	stdinClosed := make(chan struct{})
	if *stdinLifetime {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			close(stdinClosed)
		}()
	}
	select {
	case <-stop:
	case <-stdinClosed:
	}
}

// loadOrCreateKey reads an OpenSSH private key from path, or generates an
// ed25519 key and writes it there (0600, OpenSSH format).
func loadOrCreateKey(path, comment string) (ssh.Signer, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return ssh.ParsePrivateKey(b)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	k, err := core.GenerateKey("ed25519", 0)
	if err != nil {
		return nil, err
	}
	text, err := k.MarshalPrivate("", comment)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, text, 0o600); err != nil {
		return nil, err
	}
	return k.Signer(), nil
}

// writeFileAtomic writes data to a temporary file next to path and renames it
// into place, so readers never see a partial file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "demo"
}

// shellQuote quotes s for POSIX sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
