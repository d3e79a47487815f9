package core

import (
	"fmt"
	"sync/atomic"
)

// Version is gossh's version, reported in the client's SSH banner and by
// gossh_version().
const Version = "0.1.0"

// Log levels, as Python's logging module numbers them.
const (
	LevelDebug = 10
	LevelInfo  = 20
	LevelWarn  = 30
	LevelError = 40
)

// LogSink receives log records: a level, a logger name relative to the
// library's (e.g. "transport", "channel") and a message. Secrets are never logged.
type LogSink func(level int, name, msg string)

// Logger sends records to a sink that can be swapped at run time.
type Logger struct {
	sink atomic.Pointer[LogSink]
}

// defaultLogger is shared by clients until one gets its own.
var defaultLogger = &Logger{}

// DefaultLogger returns the process-wide logger that clients use.
func DefaultLogger() *Logger { return defaultLogger }

// SetSink installs a sink; nil discards records.
func (l *Logger) SetSink(s LogSink) {
	if s == nil {
		l.sink.Store(nil)
		return
	}
	l.sink.Store(&s)
}

func (l *Logger) logf(level int, name, format string, args ...any) {
	p := l.sink.Load()
	if p == nil {
		return
	}
	(*p)(level, name, fmt.Sprintf(format, args...))
}

// Debugf logs at debug level.
func (l *Logger) Debugf(name, format string, args ...any) { l.logf(LevelDebug, name, format, args...) }

// Infof logs at info level.
func (l *Logger) Infof(name, format string, args ...any) { l.logf(LevelInfo, name, format, args...) }

// Warnf logs at warning level.
func (l *Logger) Warnf(name, format string, args ...any) { l.logf(LevelWarn, name, format, args...) }
