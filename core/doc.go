// Package core is gossh's SSH client: every SSH decision lives here. It is a
// plain Go package (no cgo) that capi/ exports to C and that a Go program can
// import directly.
package core
