'use strict';
// Readiness events (gossh.h "Readiness events"): the library writes the
// handle value of a watched channel or client, as an 8-byte record, to one
// pipe per process when something we wait for may have changed. One
// net.Socket reads that pipe for the whole process and wakes the matching
// target, which then makes its calls with timeout 0 until GOSSH_E_TIMEOUT
// (which re-arms it). No call waits on the thread pool, nothing polls. A
// background open (lib/pending.js) writes its gossh_pending handle once,
// when it has finished.
//
// The socket is unref'd unless something waits on it (a running channel
// pump, a write waiting for window space, an accept loop): the pipe alone
// never keeps the process alive.

const net = require('net');
const os = require('os');
const native = require('./native');

const RECORD = 8;
const readRecord = os.endianness() === 'LE'
  ? (buf, i) => buf.readBigUInt64LE(i)
  : (buf, i) => buf.readBigUInt64BE(i);

const targets = new Map(); // handle value (BigInt) -> { onEvent() }
let socket = null;
let holds = 0;
let rest = null; // the start of a record split across reads (not expected: writes are whole records)

function onData(chunk) {
  let buf = chunk;
  if (rest) {
    buf = Buffer.concat([rest, chunk]);
    rest = null;
  }
  const whole = buf.length - (buf.length % RECORD);
  for (let i = 0; i < whole; i += RECORD) {
    const t = targets.get(readRecord(buf, i));
    if (t) t.onEvent(); // else stale: a handle freed meanwhile
  }
  if (whole < buf.length) rest = Buffer.from(buf.subarray(whole));
}

function open() {
  if (socket) return;
  const fd = [0];
  native.callSync('gossh_events_fd', fd);
  // libuv opens a pipe fd as a pipe handle and reads it on the event loop.
  // The library owns the descriptor: this socket is never destroyed.
  const s = new net.Socket({ fd: fd[0], readable: true, writable: false });
  s.on('data', onData);
  s.on('error', (e) => process.emitWarning(`gossh: reading the readiness pipe failed: ${e.message}`));
  if (holds === 0) s.unref();
  socket = s;
}

/** The key of a native handle: its value, as the library writes it. */
function keyOf(handle) {
  return BigInt(native.koffi.address(handle));
}

/** Routes the records of `handle` to target.onEvent(); returns the key. */
function register(handle, target) {
  open();
  const key = keyOf(handle);
  targets.set(key, target);
  return key;
}

function unregister(key) {
  if (key !== null && key !== undefined) targets.delete(key);
}

/** Something waits for a record: keep the process alive until drop(). */
function hold() {
  if (holds++ === 0 && socket) socket.ref();
}

function drop() {
  if (--holds === 0 && socket) socket.unref();
}

/** For tests: how many targets are registered and how many holds are taken. */
function stats() {
  return { targets: targets.size, holds };
}

module.exports = { register, unregister, hold, drop, stats };
