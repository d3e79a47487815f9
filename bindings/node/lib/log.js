'use strict';
// Logging: libgossh's process-wide log callback (gossh_set_log_callback),
// routed to a module-level logger (setLogger) and to per-client loggers
// (connect({ log })).
//
// Records are produced on Go threads; koffi queues each call to the main
// thread and the Go thread waits for it. That is safe because every blocking
// call of this binding is asynchronous, so the main thread is free to run the
// callback. A log function must be quick and must not call gossh
// synchronously in a way that waits on the library.
//
// One koffi callback is registered on first use and kept for the life of the
// process: a Go thread may already be on its way into it when logging is
// turned off, and calling an unregistered trampoline would crash. When no
// logger is set, the library's callback is set to NULL (no records are made).
// A registered callback does not keep the event loop alive.
//
// A client with its own `log` function gets a log channel of its own
// (gossh_client_set_log_channel, "gossh.<n>" unless `logChannel` is given),
// and its records, named "<channel>.transport" / "<channel>.channel", are
// routed by that prefix.

const native = require('./native');

const LEVELS = Object.freeze({ debug: 10, info: 20, warning: 30, warn: 30, error: 40 });
const LEVEL_NAMES = { 10: 'debug', 20: 'info', 30: 'warning', 40: 'error' };

let globalSink = null;          // { fn, level }
const clientSinks = new Map();  // log channel name -> Set of { fn, level }
let trampoline = null;          // the registered koffi callback
let installedLevel = null;      // min level given to the library, null if off
let nextClient = 0;

function parseLevel(level, dflt = LEVELS.info) {
  if (level === undefined || level === null) return dflt;
  if (typeof level === 'number' && Number.isFinite(level)) return level;
  if (typeof level === 'string' && LEVELS[level.toLowerCase()] !== undefined) return LEVELS[level.toLowerCase()];
  throw new TypeError(`log level must be 'debug', 'info', 'warning', 'error' or a number, not ${String(level)}`);
}

const warned = new WeakSet(); // log functions already reported as throwing

function deliver(sink, level, name, message) {
  if (level < sink.level) return;
  try {
    sink.fn(level, name, message);
  } catch (e) {
    // Never let a logger's exception reach the library (it cannot report
    // it): warn once per log function, drop the record.
    if (warned.has(sink.fn)) return;
    warned.add(sink.fn);
    try { process.emitWarning(`gossh log function threw: ${e && e.stack ? e.stack : e}`, 'GosshLogWarning'); } catch (_) { /* ignore */ }
  }
}

function dispatch(level, name, message) {
  if (globalSink) deliver(globalSink, level, name, message);
  if (clientSinks.size && typeof name === 'string') {
    const dot = name.lastIndexOf('.');
    const set = clientSinks.get(dot > 0 ? name.slice(0, dot) : name);
    if (set) for (const s of set) deliver(s, level, name, message);
  }
}

/** Tells the library the lowest level anyone wants, or turns it off. */
function refresh() {
  let min = null;
  if (globalSink) min = globalSink.level;
  for (const set of clientSinks.values()) {
    for (const s of set) if (min === null || s.level < min) min = s.level;
  }
  if (min === installedLevel) return;
  if (min === null) {
    native.callSync('gossh_set_log_callback', null, 0, null);
  } else {
    if (!trampoline) trampoline = native.registerLogCallback(dispatch);
    native.callSync('gossh_set_log_callback', trampoline, min, null);
  }
  installedLevel = min;
}

/**
 * Sets the module-level logger, which receives every record of every client:
 * fn(level, name, message) with level 10/20/30/40 (debug/info/warning/error)
 * and name "<channel>.transport" or "<channel>.channel". `level` is the
 * lowest level delivered (default 'info'). setLogger(null) turns it off.
 */
function setLogger(fn, level) {
  if (fn === null || fn === undefined) {
    globalSink = null;
  } else {
    if (typeof fn !== 'function') throw new TypeError('setLogger(fn, level): fn must be a function or null');
    globalSink = { fn, level: parseLevel(level) };
  }
  refresh();
}

/**
 * Gives a client its own logger; returns a function that removes it.
 * Called before connect so that the connection's records are included.
 */
function attachClientLogger(handle, fn, level, channel) {
  if (typeof fn !== 'function') throw new TypeError('log must be a function (level, name, message) => void');
  const name = channel === undefined || channel === null ? `gossh.${++nextClient}` : String(channel);
  native.callSync('gossh_client_set_log_channel', handle, name);
  const sink = { fn, level: parseLevel(level) };
  let set = clientSinks.get(name);
  if (!set) clientSinks.set(name, (set = new Set()));
  set.add(sink);
  refresh();
  return () => {
    const s = clientSinks.get(name);
    if (s) {
      s.delete(sink);
      if (s.size === 0) clientSinks.delete(name);
    }
    refresh();
  };
}

module.exports = { setLogger, attachClientLogger, parseLevel, LEVELS, LEVEL_NAMES };
