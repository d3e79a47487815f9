'use strict';
// A channel and the loop that pumps it.
//
// Each channel keeps at most ONE blocking read-side call in flight on libuv's
// thread pool (plus, while stdin is being written, one write): a read of
// whichever stream is wanted, or gossh_channel_read_any when both are, with
// a bounded timeout so that the loop can re-evaluate what it wants. Data is
// moved in large chunks into a reusable Node Buffer and copied out.
// Backpressure: a stream whose push() returned false is not read again until
// its _read() is called; libgossh keeps draining the channel in the
// background, so leaving one stream unread never stalls the other.

const { Readable, Writable } = require('stream');
const { EventEmitter } = require('events');
const native = require('./native');
const { ClosedError, SSHError, TimeoutError, BadHandleError } = require('./errors');

const READ_CHUNK = 256 * 1024;
const READ_ANY_TIMEOUT_MS = 1000; // both streams wanted
const READ_ONE_TIMEOUT_MS = 250;  // one wanted: come back soon in case the other is wanted again
const EXIT_POLL_MS = 250;
const STREAM_HWM = 1024 * 1024;

const isTimeout = (e) => e instanceof SSHError && e.code === 'GOSSH_E_TIMEOUT';
const isClosedLike = (e) => e instanceof ClosedError || e instanceof BadHandleError;

class Sink {
  constructor() {
    this.want = true;     // the consumer wants more data
    this.ended = false;   // EOF seen (or gave up)
    this.discard = false; // the consumer went away: read and drop
    this.onData = null;   // (chunk) => boolean (false: stop reading this stream)
    this.onEnd = null;    // () => void
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
}

/**
 * The binding's side of one gossh_channel. Not public: users see `exec()`
 * results and `Process` objects.
 */
class ChannelCore {
  constructor(handle, owner) {
    this.handle = handle;
    this.owner = owner;           // the Client; notified on release
    this.sinks = [new Sink(), new Sink()];
    this.buf = Buffer.allocUnsafe(READ_CHUNK);
    this.closing = false;         // close() called by us
    this.released = false;        // native handle freed
    this.closeReason = null;      // an error to report instead of ClosedError
    this.wantExit = false;
    this.exit = undefined;        // exit status once known
    this.exitError = null;
    this.failure = null;          // a read-side error that stopped the loop
    this.writesInFlight = 0;
    this._wake = null;
    this._exitWaiters = [];
    this._idleWaiters = [];
    this.loopDone = false;
    this._loop = this._run();
  }

  /** Wakes the loop if it is idle. */
  wake() {
    const w = this._wake;
    this._wake = null;
    if (w) w();
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

  async _run() {
    const nread = [0];
    const stream = [0];
    const status = [0];
    try {
      for (;;) {
        if (this.closing) break;
        const [o, e] = this.sinks;
        const which = this._stream();
        try {
          if (which === 'any') {
            nread[0] = 0; stream[0] = -1;
            await native.callAsync('gossh_channel_read_any', this.handle, this.buf, this.buf.length,
              READ_ANY_TIMEOUT_MS, stream, nread);
            const n = Number(nread[0]);
            if (n === 0 && stream[0] === -1) { o.end(); e.end(); continue; }
            if (n === 0) continue;
            this.sinks[stream[0]].push(Buffer.from(this.buf.subarray(0, n)));
          } else if (which !== null) {
            nread[0] = 0;
            await native.callAsync('gossh_channel_read', this.handle, which, this.buf, this.buf.length,
              READ_ONE_TIMEOUT_MS, nread);
            const n = Number(nread[0]);
            if (n === 0) { this.sinks[which].end(); continue; }
            this.sinks[which].push(Buffer.from(this.buf.subarray(0, n)));
          } else if (this.exit === undefined && !this.exitError &&
                     (this.wantExit || (o.ended && e.ended))) {
            const both = o.ended && e.ended;
            await native.callAsync('gossh_channel_exit_status', this.handle,
              both ? -1 : EXIT_POLL_MS, status);
            this._setExit(status[0], null);
          } else if (o.ended && e.ended) {
            break; // nothing left to do
          } else {
            await new Promise((resolve) => { this._wake = resolve; });
          }
        } catch (err) {
          if (isTimeout(err)) continue;
          throw err;
        }
      }
    } catch (err) {
      this.failure = this.closing ? null : err;
    } finally {
      this.loopDone = true;
      const err = this.closeReason || this.failure ||
        new ClosedError('the channel was closed before the command exited', 'GOSSH_E_CLOSED');
      for (const s of this.sinks) s.end();
      if (this.exit === undefined && !this.exitError) this._setExit(undefined, err);
      this._maybeRelease();
    }
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

  /** Writes all of buf to the command's stdin. */
  async write(buf) {
    if (this.closing || this.released) throw this.closeReason || new ClosedError('the channel is closed', 'GOSSH_E_CLOSED');
    this.writesInFlight++;
    try {
      await native.callAsync('gossh_channel_write', this.handle, buf, buf.length, -1);
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
      await native.callAsync('gossh_channel_send_eof', this.handle);
    } finally {
      this.writesInFlight--;
      this._maybeRelease();
    }
  }

  /**
   * Closes the channel: blocked calls end with GOSSH_E_CLOSED, unread output
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
      await this._loop;
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
  }

  _maybeRelease() {
    if (this.released || !this.loopDone || this.writesInFlight > 0) return;
    if (!this.closing && this.exit === undefined && !this.exitError) return;
    this.released = true;
    native.fn.gossh_channel_free(this.handle); // closes too; cheap once the loop is done
    this.buf = null;
    if (this.owner) this.owner._forgetChannel(this);
  }
}

/**
 * A running remote command, shaped like Node's ChildProcess:
 * `stdout`/`stderr` are Readable streams, `stdin` a Writable (end() sends
 * EOF), `exit` a Promise of the exit status. Emits 'exit' (code) and
 * 'close' (code) once both output streams have ended and the status is known.
 */
class Process extends EventEmitter {
  constructor(core, command) {
    super();
    this._core = core;
    this.command = command;
    this.exitCode = null;
    const makeReadable = (sink) => {
      const r = new Readable({
        highWaterMark: STREAM_HWM,
        read() { sink.want = true; core.wake(); },
      });
      sink.onData = (chunk) => r.push(chunk);
      sink.onEnd = () => { if (!r.destroyed) r.push(null); };
      // A stream destroyed before its end: keep draining so the channel can finish.
      r.once('close', () => {
        if (!sink.ended) { sink.discard = true; sink.want = true; core.wake(); }
      });
      return r;
    };
    this.stdout = makeReadable(core.sinks[0]);
    this.stderr = makeReadable(core.sinks[1]);
    this.stdin = new Writable({
      highWaterMark: 256 * 1024,
      write(chunk, _enc, cb) { core.write(chunk).then(() => cb(), cb); },
      writev(chunks, cb) {
        core.write(Buffer.concat(chunks.map((c) => c.chunk))).then(() => cb(), cb);
      },
      final(cb) { core.sendEof().then(() => cb(), cb); },
    });
    // Every stream of a child process ends with its channel, never hangs.
    this._exit = core.waitExit();
    this._exit.then((code) => {
      this.exitCode = code;
      this.emit('exit', code);
    }, () => {});
    let ended = 0;
    const onEnd = () => {
      if (++ended === 2) this._exit.then((code) => this.emit('close', code), () => this.emit('close', null));
    };
    this.stdout.once('end', onEnd);
    this.stderr.once('end', onEnd);
  }

  /** Promise of the exit status (-1 if the server sent none, e.g. killed by a signal). */
  get exit() {
    return this._exit;
  }

  /** Closes the channel (idempotent). Unread output is dropped. */
  async close() {
    await this._core.close();
    if (!this.stdin.destroyed && !this.stdin.writableFinished) this.stdin.destroy();
  }
}

/** Runs a command to completion and collects its output. */
async function runToCompletion(core, { stdin, encoding = 'utf8', timeout } = {}) {
  const out = [];
  const err = [];
  core.sinks[0].onData = (c) => { out.push(c); return true; };
  core.sinks[1].onData = (c) => { err.push(c); return true; };
  core.sinks[0].onEnd = core.sinks[1].onEnd = () => {};
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
    await core._loop;
    const decode = (chunks) => {
      const b = Buffer.concat(chunks);
      return (encoding === 'buffer' || encoding === null) ? b : b.toString(encoding);
    };
    return { stdout: decode(out), stderr: decode(err), code };
  } catch (e) {
    await core.close().catch(() => {});
    throw core.closeReason || e;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

module.exports = { ChannelCore, Process, runToCompletion, READ_CHUNK };
