package core

import (
	"fmt"
	"sync/atomic"
)

// Log levels, as Python's logging module numbers them.
const (
	LevelDebug = 10
	LevelInfo  = 20
	LevelWarn  = 30
	LevelError = 40
)

// LogSink receives log records: a level, a logger name ("<channel>.<area>",
// e.g. "gossh.transport") and a message. Secrets are never logged.
type LogSink func(level int, name, msg string)

// The process-wide sink and the lowest level it wants.
var (
	logSink     atomic.Pointer[LogSink]
	logMinLevel atomic.Int32
)

// SetLogSink installs the process-wide sink for records at minLevel and
// above; nil discards every record.
func SetLogSink(s LogSink, minLevel int) {
	logMinLevel.Store(int32(minLevel))
	if s == nil {
		logSink.Store(nil)
		return
	}
	logSink.Store(&s)
}

// Logger names a client's records: its channel (paramiko's log channel,
// "gossh" by default) followed by the area ("transport", "channel").
type Logger struct {
	channel atomic.Pointer[string]
}

// NewLogger returns a logger whose records are named after channel.
func NewLogger(channel string) *Logger {
	l := &Logger{}
	l.SetChannel(channel)
	return l
}

// defaultLogger serves code that runs outside any client.
var defaultLogger = NewLogger("gossh")

// DefaultLogger returns the logger used outside any client.
func DefaultLogger() *Logger { return defaultLogger }

// SetChannel renames the logger (paramiko's set_log_channel).
func (l *Logger) SetChannel(name string) { l.channel.Store(&name) }

// Channel returns the logger's channel name.
func (l *Logger) Channel() string { return *l.channel.Load() }

func (l *Logger) logf(level int, area, format string, args ...any) {
	p := logSink.Load()
	if p == nil || int32(level) < logMinLevel.Load() {
		return
	}
	// Redact is the last line of defence: messages never format a secret
	// (see ShowPath), and if one slipped through it is cut out here.
	(*p)(level, l.Channel()+"."+area, Redact(fmt.Sprintf(format, args...)))
}

// Debugf logs at debug level.
func (l *Logger) Debugf(area, format string, args ...any) { l.logf(LevelDebug, area, format, args...) }

// Infof logs at info level.
func (l *Logger) Infof(area, format string, args ...any) { l.logf(LevelInfo, area, format, args...) }

// Warnf logs at warning level.
func (l *Logger) Warnf(area, format string, args ...any) { l.logf(LevelWarn, area, format, args...) }

// Errorf logs at error level.
func (l *Logger) Errorf(area, format string, args ...any) { l.logf(LevelError, area, format, args...) }

// goSafe runs f on a new goroutine that recovers a panic, logs it, and hands
// onPanic (if not nil) an internal error for whoever waits on f's result.
// A bug in a background task must never take down the host program (a
// Python or Node process, or a C program), nor leave a caller waiting.
func goSafe(l *Logger, what string, f func(), onPanic func(*Error)) {
	go func() {
		defer func() {
			if r := recover(); r != nil {
				e := PanicError(l, what, r)
				if onPanic != nil {
					onPanic(e)
				}
			}
		}()
		f()
	}()
}
