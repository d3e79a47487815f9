package core

import (
	"errors"
	"io/fs"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Secrets never reach a message or a log record. Two rules keep it so:
//
//   - At the root, every message that repeats something the user gave (a
//     path, an option name) renders it with ShowPath or ShowName, which show
//     it only when it looks like what it should be; option values and
//     passwords are never repeated at all.
//   - As a last line of defence, newError, AsError and the logger pass every
//     message through Redact, which cuts out PEM blocks and anything that
//     names a private key, should some path still let one through.

// Placeholders for values that are not shown.
const (
	keyMaterialHidden = "<key material, not shown>"
	valueHidden       = "<value not shown>"
)

// maxShownPath is the longest path ShowPath repeats. A real path is rarely
// longer; a private key (even on one line) always is.
const maxShownPath = 256

// looksLikeKeyMaterial tells PEM armour or a private key's text.
func looksLikeKeyMaterial(s string) bool {
	return strings.Contains(s, "-----BEGIN") || strings.Contains(s, "-----END") ||
		strings.Contains(s, "PRIVATE KEY") || strings.Contains(s, "PuTTY-User-Key-File") ||
		strings.Contains(s, "Private-Lines:")
}

// ShowPath renders a user-supplied path (a key file, certificate,
// known_hosts file, agent socket) for an error message or a log record. The
// path is shown as it is when it looks like a path: valid UTF-8, one line
// of printable characters, at most 256 bytes, and no PEM armour or "PRIVATE
// KEY". Anything else (most often the text of a key given where a path was
// expected) is replaced by a placeholder, so that a message can never carry
// key material or another secret the caller passed by mistake.
func ShowPath(s string) string {
	if looksLikeKeyMaterial(s) || strings.ContainsAny(s, "\r\n") {
		return keyMaterialHidden
	}
	if len(s) > maxShownPath || !utf8.ValidString(s) {
		return valueHidden
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return valueHidden
		}
	}
	return s
}

// nameRE is what ShowName repeats: an identifier such as an option name, a
// key type or a log channel.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9_.@+-]{1,64}$`)

// ShowName renders a user-supplied name (an option name, an info name, a key
// type) for a message, quoted, when it looks like one (at most 64 letters,
// digits and "_.@+-"); anything else is replaced by a placeholder, since a
// caller who swapped name and value would otherwise see the value repeated.
func ShowName(s string) string {
	if !nameRE.MatchString(s) {
		return valueHidden
	}
	return `"` + s + `"`
}

// Redact returns s with every PEM block (from "-----BEGIN" to the matching
// "-----END ...-----", or to the end of s when there is none) and every line
// that mentions "PRIVATE KEY" or a PuTTY key replaced by "<key material, not
// shown>". It is the last line of defence for messages and log records; the
// root fix is to never format a secret into them (ShowPath, ShowName).
func Redact(s string) string {
	if !looksLikeKeyMaterial(s) {
		return s
	}
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "-----BEGIN")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		b.WriteString(keyMaterialHidden)
		after := rest[i+len("-----BEGIN"):]
		j := strings.Index(after, "-----END")
		if j < 0 {
			rest = ""
			break
		}
		after = after[j+len("-----END"):]
		// The END line closes with "-----" (its label in between).
		if k := strings.Index(after, "-----"); k >= 0 && !strings.ContainsAny(after[:k], "\n") {
			after = after[k+len("-----"):]
		}
		rest = after
	}
	out := b.String()
	if !looksLikeKeyMaterial(strings.ReplaceAll(out, keyMaterialHidden, "")) {
		return out
	}
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if looksLikeKeyMaterial(strings.ReplaceAll(l, keyMaterialHidden, "")) {
			lines[i] = keyMaterialHidden
		}
	}
	return strings.Join(lines, "\n")
}

// fileError splits a file operation's error into a cause that no longer
// holds the path (the *fs.PathError's errno, so that errors.Is(err,
// fs.ErrNotExist) still works) and a short reason for the message ("no such
// file or directory"). The path is left to the caller, to show with
// ShowPath.
func fileError(err error) (cause error, reason string) {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err, pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err, le.Err.Error()
	}
	return err, Redact(err.Error())
}

// PanicError turns a recovered panic into a KindInternal error whose message
// is "internal error in <where>: <panic value>", and logs the stack (without
// argument values) at error level through l (DefaultLogger when nil). The
// message carries no stack and no addresses.
func PanicError(l *Logger, where string, r any) *Error {
	if l == nil {
		l = DefaultLogger()
	}
	e := newError(KindInternal, nil, "internal error in %s: %v", where, r)
	l.Errorf("transport", "%s (please report)\n%s", e.Msg, stackWithoutArgs(debug.Stack()))
	return e
}

// stackWithoutArgs strips from a goroutine stack trace the argument values
// (words that may be pointers or pieces of a secret) and the goroutine
// header, keeping function names, files and lines.
func stackWithoutArgs(stack []byte) string {
	lines := strings.Split(strings.TrimRight(string(stack), "\n"), "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "goroutine "):
			continue
		case strings.HasPrefix(l, "\t"):
			// "\t/path/file.go:12 +0x1d": drop the pc offset.
			if i := strings.LastIndex(l, " +0x"); i > 0 {
				l = l[:i]
			}
		case strings.HasSuffix(l, ")"):
			// "main.(*T).f(0xc000010000, {0x5?, 0x1})": the argument list
			// is the last parenthesis, whatever its values look like
			// (an optimised build marks uncertain ones with "?").
			if i := strings.LastIndex(l, "("); i > 0 {
				l = l[:i] + "(...)"
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
