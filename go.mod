module github.com/gossh/gossh

go 1.26.8

require (
	github.com/pkg/sftp v1.13.12
	golang.org/x/crypto v0.59.0
)

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/kr/fs v0.1.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace golang.org/x/crypto => ./third_party/golang.org/x/crypto
