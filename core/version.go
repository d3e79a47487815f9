package core

// Version is gossh's version, reported in the client's SSH banner and by
// gossh_version().
const Version = "0.1.0"
