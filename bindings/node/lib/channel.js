'use strict';
// A channel and the pump that moves its data, driven by readiness events.
//
// The channel is watched (gossh_channel_watch): the library writes its
// handle to the process's readiness pipe (lib/events.js) when something we
// wait for may have changed. A woken channel drains: gossh_channel_read_any
// (or gossh_channel_read of the one stream wanted) with timeout 0, in
// 1 MiB chunks, until GOSSH_E_TIMEOUT, which re-arms the watch; then the
// exit status, also with timeout 0, once no stream is wanted. Writes hand
// data over with timeout 0 and continue on the next event. These calls
// never wait, so they are made on the main thread (native.tryNow, about a
// microsecond each), at most TURN_BYTES per turn of the event loop. No call
// waits on libuv's thread pool and nothing polls: an idle channel costs
// nothing.
// Backpressure: a stream whose push() returned false is not read again until
// its _read() is called; libgossh keeps draining the channel in the
// background, so leaving one stream unread never stalls the other.

const { Readable, Writable, Duplex } = require('stream');
const { EventEmitter } = require('events');
const native = require('./native');
const events = require('./events');
const arena = require('./readarena');
const { ClosedError, SSHError, TimeoutError, BadHandleError } = require('./errors');

// At most this much per read call. Reads land in slabs (lib/readarena.js):
// a thousand idle channels hold no read buffer.
const READ_CHUNK = 1024 * 1024;
const WRITE_CHUNK = 1024 * 1024; // at most this much per write call
const STREAM_HWM = 1024 * 1024;
// At most this much is read in one turn of the event loop.
const TURN_BYTES = 8 * 1024 * 1024;

const isClosedLike = (e) => e instanceof ClosedError || e instanceof BadHandleError;

class Sink {
  constructor() {
    this.want = true;     // the consumer wants more data
    this.ended = false;   // EOF seen (or gave up)
    this.discard = false; // the consumer went away: read and drop
    this.onData = null;   // (chunk) => boolean (false: stop reading this stream)
    this.onEnd = null;    // () => void
    this.onFail = null;   // (err) => void: the stream was cut off (default: end)
  }
  push(chunk) {
    if (this.ended || this.discard) return;
    if (this.onData(chunk) === false) this.want = false;
  }
  end() {
    if (this.ended) return;
    this.ended = true;
    this.want = false;
    this.onEnd();
  }
  /** The stream was cut off (the library said so): an error, never an end. */
  fail(err) {
    if (this.ended) return;
    this.ended = true;
    this.want = false;
    if (this.onFail) this.onFail(err); else this.onEnd();
  }
}

/** Reads a library-owned string fact about a channel (gossh_channel_info), or null. */
function channelInfo(handle, name) {
  const out = [null];
  try {
    native.callSync('gossh_channel_info', handle, name, out);
  } catch (_) {
    return null;
  }
  return native.takeString(out[0]);
}

/**
 * The binding's side of one gossh_channel. Not public: users see `exec()`
 * results, `Process` objects and `Channel` streams.
 *
 * `hasExit`: a session channel, whose end is an exit status. Other channels
 * (direct-tcpip, forwarded-tcpip) end when both directions are done: the
 * loop stops at the server's EOF and the handle is released once the writer
 * is done too (`writerOpen` false) or the channel is closed.
 */
// How long a cleanly ended Duplex waits for the exit status before its
// auto-destroy closes the channel anyway.
const AUTO_DESTROY_GRACE_MS = 5000;

class ChannelCore {
  constructor(handle, owner, { hasExit = true } = {}) {
    this.handle = handle;
    this.owner = owner;           // the Client; notified on release
    this.hasExit = hasExit;
    this.sinks = [new Sink(), new Sink()];
    this.closing = false;         // close() called by us
    this.released = false;        // native handle freed
    this.closeReason = null;      // an error to report instead of ClosedError
    this.wantExit = false;
    this.exit = undefined;        // exit status once known
    this.exitSignal = null;       // e.g. 'TERM' when the command was killed by a signal
    this.exitError = null;
    this.failure = null;          // a read-side error that stopped the pump
    this.writesInFlight = 0;
    this.writerOpen = false;      // a Duplex's writable side is still open
    this._exitWaiters = [];
    this.loopDone = false;
    this._pump = null;            // resolves when the pump has stopped
    this._pumpDone = null;
    this._key = null;             // our key in events.js
    this._watched = false;        // gossh_channel_watch done: a drain's TIMEOUT arms
    this._primed = false;         // the first drain's turn has come (start())
    this._draining = false;       // a drain is running
    this._again = false;          // woken during a drain: drain once more
    this._events = 0;             // records and wakes seen (a writer's "anything new?")
    this._writeWaiters = [];      // writers waiting for the next record
  }

  /**
   * Watches the channel (once): its records come to onEvent from now on.
   * Before the first call that can arm it (a read or a write with timeout
   * 0): an arming before the watch would be no arming at all, and a write
   * waiting for its chunk would wait for a record that never comes.
   */
  _watch() {
    if (this._watched) return;
    this._key = events.register(this.handle, this);
    native.callSync('gossh_channel_watch', this.handle);
    this._watched = true;
  }

  /** Starts the pump (once the sinks have consumers). */
  start() {
    if (this._pump) return this;
    this._pump = new Promise((resolve) => { this._pumpDone = resolve; });
    events.hold();
    try {
      this._watch();
    } catch (err) {
      this.failure = this.closing ? null : err;
      this._finish();
      return this;
    }
    // The first drain (what arrived before the watch, and the arming) on
    // the next turn of the event loop, after the code that awaited spawn()
    // or exec() has wired its consumers: a stream cut before anyone listens
    // only closes, so draining in this turn would hide the cut from a
    // listener attached right after the await.
    setImmediate(() => {
      this._primed = true;
      this._kick();
    });
    return this;
  }

  /** Resolves when the pump has stopped (at once if it never started). */
  get _loop() {
    return this._pump || Promise.resolve();
  }

  /** A readiness record for this channel: something may have changed. */
  onEvent() {
    this._events++;
    this._kick();
    const waiters = this._writeWaiters;
    if (waiters.length) {
      this._writeWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Our own side changed (a stream is wanted again, the exit status, close). */
  wake() {
    this.onEvent();
  }

  /** Runs a drain, or asks the running one to go round once more. */
  _kick() {
    if (this.loopDone || !this._pump) return;
    if (!this._primed || this._draining) {
      this._again = true;
      return;
    }
    this._draining = true;
    this._drain();
  }

  async _drain() {
    let done = false;
    try {
      do {
        this._again = false;
        done = await this._step();
      } while (!done && this._again);
    } catch (err) {
      this.failure = this.closing ? null : err;
      done = true;
    }
    this._draining = false;
    if (done) this._finish();
  }

  _stream() {
    const [o, e] = this.sinks;
    const wo = o.want && !o.ended;
    const we = e.want && !e.ended;
    if (wo && we) return 'any';
    if (wo) return native.STREAM_STDOUT;
    if (we) return native.STREAM_STDERR;
    return null;
  }

  /** One call with timeout 0: true if it did something, false on GOSSH_E_TIMEOUT (which re-arms). */
  _try(name, ...args) {
    return native.tryNow(name, this.handle, ...args);
  }

  /**
   * Does everything that can be done now without waiting: reads the wanted
   * streams until GOSSH_E_TIMEOUT, then the exit status if it is wanted and
   * no stream is. Returns true when the pump is done.
   */
  async _step() {
    const [o, e] = this.sinks;
    const nread = [0];
    const stream = [0];
    const status = [0];
    let turn = 0;
    for (;;) {
      if (this.closing) return true;
      const which = this._stream();
      if (which === null) break;
      if (turn >= TURN_BYTES) {
        // The reads are synchronous: let the event loop run between turns
        // of a stream that keeps coming.
        await new Promise(setImmediate);
        turn = 0;
        continue;
      }
      const r = arena.reserve(READ_CHUNK);
      let got;
      nread[0] = 0; stream[0] = -1;
      try {
        got = which === 'any'
          ? this._try('gossh_channel_read_any', r.view, READ_CHUNK, 0, stream, nread)
          : this._try('gossh_channel_read', which, r.view, READ_CHUNK, 0, nread);
      } catch (err) {
        arena.commit(r, 0);
        throw err;
      }
      const chunk = arena.commit(r, got ? Number(nread[0]) : 0);
      if (!got) break;
      turn += chunk === null ? 0 : chunk.length;
      const i = which === 'any' ? stream[0] : which;
      if (chunk === null) {
        // The end: of both streams (read_any's -1) or of the one read.
        if (i === -1) { o.end(); e.end(); } else if (which !== 'any') this.sinks[i].end();
        continue;
      }
      this.sinks[i].push(chunk);
    }
    if (this.closing) return true;
    // The exit status once the output is read (or not wanted for now), as
    // a child process reports 'exit' after its output.
    if (this.hasExit && this.exit === undefined && !this.exitError && this._stream() === null &&
        (this.wantExit || (o.ended && e.ended))) {
      if (this._try('gossh_channel_exit_status', 0, status)) {
        // No exit status: killed by a signal, whose name the server may have sent.
        if (status[0] === -1) this.exitSignal = channelInfo(this.handle, 'exit_signal') || null;
        this._setExit(status[0], null);
      }
    }
    if (this.closing) return true;
    return o.ended && e.ended && (!this.hasExit || this.exit !== undefined || this.exitError !== null);
  }

  /** The pump has stopped: end the sinks and the exit promise, release if we can. */
  _finish() {
    if (this.loopDone) return;
    this.loopDone = true;
    events.drop();
    const err = this.closeReason || this.failure ||
      new ClosedError('the channel was closed before the command exited', 'GOSSH_E_CLOSED');
    // A stream the library reported cut off fails; a local close ends it.
    for (const s of this.sinks) {
      if (this.failure) s.fail(this.failure); else s.end();
    }
    if (this.hasExit && this.exit === undefined && !this.exitError) this._setExit(undefined, err);
    this._pumpDone();
    this._maybeRelease();
  }

  _setExit(code, err) {
    if (err) this.exitError = err; else this.exit = code;
    const waiters = this._exitWaiters;
    this._exitWaiters = [];
    for (const [resolve, reject] of waiters) {
      if (err) reject(err); else resolve(code);
    }
    this._maybeRelease();
  }

  /** Resolves with the exit status (-1 if the server sent none). */
  waitExit() {
    if (this.exit !== undefined) return Promise.resolve(this.exit);
    if (this.exitError) return Promise.reject(this.exitError);
    this.wantExit = true;
    const p = new Promise((resolve, reject) => this._exitWaiters.push([resolve, reject]));
    this.wake();
    return p;
  }

  _closedError() {
    return this.closeReason || this.failure || new ClosedError('the channel is closed', 'GOSSH_E_CLOSED');
  }

  /** Resolves at the next record for this channel (or at once if one came since `seen`). */
  _nextEvent(seen) {
    if (this._events !== seen || this.closing || this.released) return Promise.resolve();
    events.hold(); // a write waiting for window space keeps the process alive, as a socket's would
    return new Promise((resolve) => this._writeWaiters.push(resolve)).finally(() => events.drop());
  }

  /**
   * Hands all of buf to the library with writes of timeout 0, waiting for
   * the channel's next record whenever the window is full. An empty buf
   * waits until the chunk in flight has gone out (a flush).
   */
  async _writeAll(buf) {
    const written = [0];
    let off = 0;
    if (!this.closing && !this.released) this._watch();
    for (;;) {
      if (this.closing || this.released) throw this._closedError();
      const len = Math.min(buf.length - off, WRITE_CHUNK);
      const seen = this._events;
      written[0] = 0;
      const all = await native.callNoWait('gossh_channel_write', this.handle,
        off === 0 && len === buf.length ? buf : buf.subarray(off, off + len), len, 0, written);
      if (all) {
        off += len;
        if (off >= buf.length) return;
        continue;
      }
      off += Number(written[0]);
      await this._nextEvent(seen);
    }
  }

  /** Writes all of buf to the channel (the command's stdin). */
  async write(buf) {
    if (this.closing || this.released) throw this._closedError();
    this.writesInFlight++;
    try {
      await this._writeAll(buf);
    } catch (e) {
      throw (this.closing && this.closeReason) ? this.closeReason : e;
    } finally {
      this.writesInFlight--;
      this._maybeRelease();
    }
  }

  async sendEof() {
    if (this.closing || this.released) return;
    this.writesInFlight++;
    try {
      // Flush first, so that send_eof finds no chunk in flight and does not
      // wait on the thread pool; whether a closed channel is an error is
      // send_eof's to say.
      try {
        await this._writeAll(Buffer.alloc(0));
      } catch (e) {
        if (!isClosedLike(e) || this.released) throw e;
      }
      await native.callAsync('gossh_channel_send_eof', this.handle);
    } finally {
      this.writesInFlight--;
      this._maybeRelease();
    }
  }

  /** The writer is done (EOF sent, or it went away). */
  writerDone() {
    this.writerOpen = false;
    this._maybeRelease();
  }

  /**
   * Sends a signal ('TERM' by default; 'SIGTERM' works too) to the remote
   * process. Does not wait. Returns true if sent, false if the channel is
   * already closed. OpenSSH honours signals for commands without a pty.
   */
  kill(signal = 'TERM') {
    if (signal === null) signal = 'TERM';
    if (typeof signal !== 'string' || !signal) {
      throw new TypeError('signal must be a name such as "TERM" or "SIGTERM"');
    }
    if (this.closing || this.released) return false;
    try {
      native.callSync('gossh_channel_signal', this.handle, signal.replace(/^SIG/, ''));
      return true;
    } catch (e) {
      if (isClosedLike(e)) return false;
      throw e;
    }
  }

  /** window-change: the terminal's new size. Does not wait. */
  resize(cols, rows, width = 0, height = 0) {
    for (const [n, v] of [['cols', cols], ['rows', rows], ['width', width], ['height', height]]) {
      // The range is the library's to check (GOSSH_E_INVALID); only the type is ours.
      if (!Number.isInteger(v)) throw new TypeError(`${n} must be an integer`);
    }
    if (this.closing || this.released) throw this._closedError();
    native.callSync('gossh_channel_resize_pty', this.handle, cols, rows, width, height);
  }

  /** A fact from gossh_channel_info ('type', 'origin', 'dest', 'exit_signal'). */
  info(name) {
    if (this.released) return null;
    return channelInfo(this.handle, name);
  }

  /**
   * Closes the channel: pending calls end with GOSSH_E_CLOSED, unread output
   * is dropped. `reason` (optional) is what pending exit waiters get.
   */
  async close(reason) {
    if (this.closing) return this._closePromise;
    this.closing = true;
    if (reason) this.closeReason = reason;
    this.wake();
    this._closePromise = (async () => {
      if (!this.released) {
        await native.callClose('gossh_channel_close', this.handle);
      }
      if (this._pump) await this._pump; else this.loopDone = true;
      this._maybeRelease();
    })();
    return this._closePromise;
  }

  /** Marks the channel closed because its client closed (no native call). */
  detach(reason) {
    if (!this.closing) {
      this.closing = true;
      if (reason) this.closeReason = reason;
      this.wake();
    }
    if (!this._pump) this.loopDone = true;
    this._maybeRelease(); // also a channel whose pump had already finished
  }

  /** Resolves when the pump has stopped. */
  settled() {
    return this._loop;
  }

  _maybeRelease() {
    if (this.released || !this.loopDone || this.writesInFlight > 0) return;
    if (!this.closing) {
      if (this.hasExit && this.exit === undefined && !this.exitError) return;
      if (!this.hasExit && this.writerOpen) return;
    }
    this.released = true;
    events.unregister(this._key);
    native.fn.gossh_channel_free(this.handle); // closes too; cheap once the pump is done
    if (this.owner) this.owner._forgetChannel(this);
    if (this.onRelease) this.onRelease();
  }
}

/** A Readable fed by one of a channel's sinks. */
function makeReadable(core, sink) {
  const r = new Readable({
    highWaterMark: STREAM_HWM,
    // Only a stream that had stopped needs a kick: a wanted one is armed.
    read() { if (!sink.want) { sink.want = true; core.wake(); } },
  });
  sink.onData = (chunk) => r.push(chunk);
  sink.onEnd = () => { if (!r.destroyed) r.push(null); };
  // A cut stream errors for whoever consumes it; one nobody reads (never
  // flowing, no 'error' listener) just closes, so an unread stderr cannot
  // crash the process with an unhandled 'error'.
  sink.onFail = (err) => {
    if (r.destroyed) return;
    if (r.readableFlowing !== null || r.listenerCount('error') > 0) r.destroy(err); else r.destroy();
  };
  // A stream destroyed before its end: keep draining so the channel can finish.
  r.once('close', () => {
    if (!sink.ended) { sink.discard = true; sink.want = true; core.wake(); }
  });
  return r;
}

/** A sink whose data nobody wants (stderr of a non-session channel): drained and dropped. */
function drainSink(sink) {
  sink.onData = () => true;
  sink.onEnd = () => {};
  sink.onFail = () => {};
  sink.discard = true;
}

/**
 * A running remote command, shaped like Node's ChildProcess:
 * `stdout`/`stderr` are Readable streams, `stdin` a Writable (end() sends
 * EOF), `exit` a Promise of the exit status. Emits 'exit' (code, signal) once
 * the status is known and 'close' (code, signal) once both output streams
 * have ended too.
 */
class Process extends EventEmitter {
  constructor(core, command) {
    super();
    this._core = core;
    this.command = command;
    this.exitCode = null;
    this.signalCode = null;
    this.stdout = makeReadable(core, core.sinks[0]);
    this.stderr = makeReadable(core, core.sinks[1]);
    this.stdin = new Writable({
      highWaterMark: 256 * 1024,
      write(chunk, _enc, cb) { core.write(chunk).then(() => cb(), cb); },
      writev(chunks, cb) {
        core.write(Buffer.concat(chunks.map((c) => c.chunk))).then(() => cb(), cb);
      },
      final(cb) { core.sendEof().then(() => cb(), cb); },
    });
    core.start();
    // Every stream of a child process ends with its channel, never hangs.
    this._exit = core.waitExit();
    this._exit.then((code) => {
      this.exitCode = code;
      this.signalCode = core.exitSignal;
      this.emit('exit', code, core.exitSignal);
    }, () => {});
    // 'close' once both output streams are done: ended, or cut off (then
    // they emitted 'error').
    let ended = 0;
    const onEnd = () => {
      if (++ended === 2) {
        this._exit.then((code) => this.emit('close', code, core.exitSignal), () => this.emit('close', null, null));
      }
    };
    this.stdout.once('close', onEnd);
    this.stderr.once('close', onEnd);
  }

  /** Promise of the exit status (-1 if the server sent none, e.g. killed by a signal). */
  get exit() {
    return this._exit;
  }

  /** Sends a signal (default 'TERM'); false if the channel is already closed. */
  kill(signal = 'TERM') {
    return this._core.kill(signal);
  }

  /** Closes the channel (idempotent). Unread output is dropped. */
  async close() {
    await this._core.close();
    if (!this.stdin.destroyed && !this.stdin.writableFinished) this.stdin.destroy();
  }
}

/**
 * A channel as one Duplex stream: what is written goes to the channel (the
 * shell's or subsystem's stdin, or the forwarded connection), what is read
 * is its output. For session channels (shell, subsystem) `stderr` is a
 * Readable and `exit` a Promise of the exit status; 'exit' is emitted with
 * (code, signal). end() sends EOF. Forwarded channels (forwardOut,
 * forwardIn) have no exit status; if the connection is lost they are
 * destroyed with the error, like a reset socket.
 */
class Channel extends Duplex {
  constructor(core, { type = 'session', session = true } = {}) {
    super({ highWaterMark: STREAM_HWM, writableHighWaterMark: 256 * 1024, allowHalfOpen: true });
    this._core = core;
    this.type = type;
    core.writerOpen = true;
    const out = core.sinks[0];
    out.onData = (chunk) => this.push(chunk);
    out.onEnd = () => { if (!this.destroyed) this.push(null); };
    out.onFail = (err) => { if (!this.destroyed) this.destroy(err); };
    this._sink = out;
    this.stderr = null;
    if (session) {
      this.stderr = makeReadable(core, core.sinks[1]);
    } else {
      drainSink(core.sinks[1]);
    }
    core.start();
    this.exitCode = null;
    this.signalCode = null;
    this._exit = null;
    if (session) {
      this._exit = core.waitExit();
      this._exit.then((code) => {
        this.exitCode = code;
        this.signalCode = core.exitSignal;
        this.emit('exit', code, core.exitSignal);
      }, () => {});
    }
    core.settled().then(() => {
      if (!session && core.failure && !this.destroyed) this.destroy(core.failure);
    });
    // Once the channel is gone, writing is over: end the writable side so
    // that 'close' follows the readable's 'end'.
    core.onRelease = () => {
      if (!this.writableEnded && !this.destroyed) this.end();
    };
  }

  /** Promise of the exit status (session channels; null for forwarded ones). */
  get exit() {
    return this._exit;
  }

  _read() {
    if (!this._sink.want) {
      this._sink.want = true;
      this._core.wake();
    }
  }

  _write(chunk, _enc, cb) {
    this._core.write(chunk).then(() => cb(), cb);
  }

  _writev(chunks, cb) {
    this._core.write(Buffer.concat(chunks.map((c) => c.chunk))).then(() => cb(), cb);
  }

  _final(cb) {
    this._core.sendEof().then(() => { this._core.writerDone(); cb(); }, (e) => { this._core.writerDone(); cb(e); });
  }

  _destroy(err, cb) {
    const core = this._core;
    if (this.stderr && !this.stderr.destroyed) this.stderr.destroy();
    if (!this._sink.ended) { this._sink.discard = true; this._sink.want = true; }
    core.writerOpen = false;
    if (core.released) return cb(err);
    if (!err && this.readableEnded && this.writableFinished && !core.closing) {
      // autoDestroy after a clean end of both sides: the command is done
      // or about to be, so let the pump fetch its exit status instead of
      // closing the channel under it (which rejected `exit` under load).
      // Bounded, so that 'close' always comes.
      const timer = setTimeout(() => { core.close().catch(() => {}); }, AUTO_DESTROY_GRACE_MS);
      const done = () => { clearTimeout(timer); cb(null); };
      core.settled().then(done, done);
      return;
    }
    core.close().then(() => cb(err), () => cb(err));
  }

  /** Resizes the pseudo-terminal (ssh2's argument order: rows, cols, height, width). */
  setWindow(rows, cols, height = 0, width = 0) {
    this._core.resize(cols, rows, width, height);
  }

  /** Resizes the pseudo-terminal: `{ cols, rows, width, height }` (pixels optional). */
  resize({ cols, rows, width = 0, height = 0 } = {}) {
    this._core.resize(cols, rows, width, height);
  }

  /** Sends a signal (default 'TERM'); false if the channel is already closed. */
  kill(signal = 'TERM') {
    return this._core.kill(signal);
  }

  /** Closes the channel now (idempotent); unread output is dropped. */
  close() {
    if (!this.destroyed) this.destroy();
    return this._core.close().catch(() => {});
  }
}

/** Runs a command to completion and collects its output. */
async function runToCompletion(core, { stdin, encoding = 'utf8', timeout } = {}) {
  const out = [];
  const err = [];
  core.sinks[0].onData = (c) => { out.push(c); return true; };
  core.sinks[1].onData = (c) => { err.push(c); return true; };
  core.sinks[0].onEnd = core.sinks[1].onEnd = () => {};
  core.sinks[0].onFail = core.sinks[1].onFail = () => {};
  core.start();
  let timer = null;
  if (timeout !== undefined && timeout !== null) {
    timer = setTimeout(() => {
      core.close(new TimeoutError(`command timed out after ${timeout} ms`, 'GOSSH_E_TIMEOUT', { stage: 'wait' }));
    }, timeout);
  }
  try {
    const work = [core.waitExit()];
    if (stdin !== undefined && stdin !== null) {
      const data = Buffer.isBuffer(stdin) ? stdin : Buffer.from(String(stdin), 'utf8');
      work.push((async () => {
        if (data.length) await core.write(data);
        await core.sendEof();
      })());
    }
    const [code] = await Promise.all(work);
    await core.settled();
    // An exit status does not make output complete: a cut stream is an error.
    if (core.failure) throw core.failure;
    const decode = (chunks) => {
      const b = Buffer.concat(chunks);
      return (encoding === 'buffer' || encoding === null) ? b : b.toString(encoding);
    };
    const result = { stdout: decode(out), stderr: decode(err), code };
    if (core.exitSignal) result.signal = core.exitSignal;
    return result;
  } catch (e) {
    await core.close().catch(() => {});
    throw core.closeReason || e;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

module.exports = { ChannelCore, Process, Channel, runToCompletion, READ_CHUNK };
