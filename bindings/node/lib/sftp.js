'use strict';
// SFTP over libgossh (gossh.h "SFTP (paramiko's SFTPClient)"), with the
// names and shapes of Node's fs.promises where they match.
//
// What this module decides is only how Node code calls it: fs flag strings
// ('r', 'w', 'a+', ...) become GOSSH_SFTP_* bits, fs-style arguments become
// gossh_sftp_attrs, results become Stats / Dirent objects, errors look like
// fs errors. Packet sizes, pipelining, read-ahead, the number of channels of
// a transfer, size checks and temporary files are libgossh's.
//
// Every call that talks to the server is started in the library (see
// Threads below) and its result taken when its record comes. Data moves in
// large calls: read streams read at least 64 KiB per call,
// write streams gather writes into calls of at least 1 MiB, readFile and
// writeFile move up to 4 MiB per call (and look at their AbortSignal
// between calls).
//
// Timeouts. client.sftp({ timeout }) is passed to every call as timeout_ms,
// gossh_sftp_file_close included. After a failure that already answers the
// caller, a file is released with
// gossh_sftp_file_free instead, which never blocks (the library closes it
// on its own thread); directories are always released that way.
//
// Progress and cancellation. gossh_sftp_get/put(_dir) take a progress
// callback. koffi runs a registered JS callback called from a Go thread by
// queueing it to the main thread; the Go thread waits for its return value.
// That is safe here because the transfer itself runs in the background, so
// the main thread is free to run the callback. So the callback both reports
// progress (onProgress(done, total)) and answers the library's "go on?"
// synchronously: 0 once the AbortSignal is aborted (or the session is
// closing, or onProgress threw), which cancels the transfer
// (GOSSH_E_CANCELLED -> AbortError; a thrown error is rethrown). The
// callback is registered only when onProgress or a signal is given, so a
// plain transfer never waits on the main thread. The cost when given: each
// report is one main-thread round trip while the Go thread waits, so a
// busy main thread slows the transfer; an abort takes effect at the next
// report.
//
// Threads. A call that waits on the server runs either on libuv's pool
// (koffi's .async) or in the library through its _pending twin
// (lib/pending.js, gossh.h "SFTP in the background"). A pool call costs
// less when the pool is free: the main thread never enters the library,
// whose Go runtime then has its one P for the call's own work; a twin
// started from the main thread leaves that P with the main thread until
// the runtime takes it back (on loopback a sequential stat took ~0.2 ms
// longer). But a pool call holds a pool thread until the server answers,
// the pool has four threads and they are the program's too (fs, dns,
// zlib): twenty stat()s over a 50 ms link took five round trips in a row,
// and whole-file transfers held threads for their whole length. So calls
// run on the pool while fewer than POOL_SHARE of this module's are in
// flight there, and in the background beyond that; transfers (and the
// session's open) always run in the background. Any number run at once.

const { Readable, Writable } = require('stream');
const native = require('./native');
const {
  ClosedError, InvalidArgumentError, SFTPError, AbortError,
} = require('./errors');

const { koffi, callVoidAsync, takeString } = native;
const { callPending } = require('./pending');

const POOL_SHARE = 2; // at most this many SFTP calls hold pool threads (see "Threads")
let onPool = 0;

/**
 * Calls `name` as callAsync would (out-parameters filled in when it
 * resolves): on the pool while it has room for this module, else in the
 * background.
 */
function call(name, ...args) {
  if (onPool >= POOL_SHARE) return callPending(name, ...args);
  onPool++;
  return native.callAsync(name, ...args).finally(() => { onPool--; });
}

/**
 * Releases a file or directory handle at once, resolving when done: their
 * _free never blocks (the library closes them on a thread of its own), so
 * they need no pool thread.
 */
function freeNow(name, h) {
  native.fn[name](h);
  return Promise.resolve();
}

// Header constants (gossh.h), copied as the prototypes are.
const ATTR_SIZE = 0x1;
const ATTR_UIDGID = 0x2;
const ATTR_PERMISSIONS = 0x4;
const ATTR_ACMODTIME = 0x8;
const O_READ = 0x01;
const O_WRITE = 0x02;
const O_APPEND = 0x04;
const O_CREAT = 0x08;
const O_TRUNC = 0x10;
const O_EXCL = 0x20;
const RENAME_POSIX = 1;
const XFER_RESUME = 0x1;
const XFER_PRESERVE = 0x2;
const XFER_NOVERIFY = 0x4;
const SEEK_SET = 0;

const S_IFMT = 0o170000;
const S_IFSOCK = 0o140000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFBLK = 0o060000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFIFO = 0o010000;

const MIN_CHUNK = 64 * 1024;          // the least a stream moves per call
const STREAM_HWM = 256 * 1024;        // default highWaterMark of the streams
const MAX_FILE_CHUNK = 4 * 1024 * 1024; // readFile's largest read per call
const DIR_BATCH = 256;                // directory entries per call
// A write stream gathers this much before a call: measured here, 64 KiB
// calls moved 145 MiB/s, 1 MiB calls 268 MiB/s (each call is a thread-pool
// round trip and a pass through libgossh's pipelined writer).
const WRITE_GATHER = 1024 * 1024;

// fs flag strings -> GOSSH_SFTP_* bits.
const FLAGS = {
  r: O_READ,
  rs: O_READ,
  sr: O_READ,
  'r+': O_READ | O_WRITE,
  'rs+': O_READ | O_WRITE,
  'sr+': O_READ | O_WRITE,
  w: O_WRITE | O_CREAT | O_TRUNC,
  wx: O_WRITE | O_CREAT | O_TRUNC | O_EXCL,
  xw: O_WRITE | O_CREAT | O_TRUNC | O_EXCL,
  'w+': O_READ | O_WRITE | O_CREAT | O_TRUNC,
  'wx+': O_READ | O_WRITE | O_CREAT | O_TRUNC | O_EXCL,
  'xw+': O_READ | O_WRITE | O_CREAT | O_TRUNC | O_EXCL,
  a: O_WRITE | O_CREAT | O_APPEND,
  as: O_WRITE | O_CREAT | O_APPEND,
  sa: O_WRITE | O_CREAT | O_APPEND,
  ax: O_WRITE | O_CREAT | O_APPEND | O_EXCL,
  xa: O_WRITE | O_CREAT | O_APPEND | O_EXCL,
  'a+': O_READ | O_WRITE | O_CREAT | O_APPEND,
  'as+': O_READ | O_WRITE | O_CREAT | O_APPEND,
  'sa+': O_READ | O_WRITE | O_CREAT | O_APPEND,
  'ax+': O_READ | O_WRITE | O_CREAT | O_APPEND | O_EXCL,
  'xa+': O_READ | O_WRITE | O_CREAT | O_APPEND | O_EXCL,
};

/** fs flags (a string as fs.open takes, or fs.constants.O_* bits) -> GOSSH_SFTP_* bits. */
function openFlags(flags, dflt = 'r') {
  if (flags === undefined || flags === null) flags = dflt;
  if (typeof flags === 'string') {
    const f = FLAGS[flags];
    if (f === undefined) throw new TypeError(`unknown file open flag: ${flags}`);
    return f;
  }
  if (Number.isInteger(flags)) {
    const c = require('fs').constants;
    const acc = flags & 3;
    let f = acc === c.O_WRONLY ? O_WRITE : acc === c.O_RDWR ? O_READ | O_WRITE : O_READ;
    if (flags & c.O_CREAT) f |= O_CREAT;
    if (flags & c.O_TRUNC) f |= O_TRUNC;
    if (flags & c.O_EXCL) f |= O_EXCL;
    if (flags & c.O_APPEND) f |= O_APPEND;
    return f;
  }
  throw new TypeError('flags must be a string such as "r", "w", "a+" or fs.constants.O_* bits');
}

/** A mode as fs takes it: a number or an octal string. */
function parseMode(mode, dflt) {
  if (mode === undefined || mode === null) return dflt;
  if (typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode <= 0xffffffff) return mode;
  if (typeof mode === 'string' && /^[0-7]+$/.test(mode)) return parseInt(mode, 8);
  throw new TypeError('mode must be an integer or an octal string');
}

/** A time as fs.utimes takes it (a Date, seconds as a number or numeric string) -> whole seconds. */
function toSeconds(t, name) {
  if (t instanceof Date) return Math.trunc(t.getTime() / 1000);
  if (typeof t === 'number' && Number.isFinite(t)) return Math.trunc(t);
  if (typeof t === 'string' && t.trim() !== '' && Number.isFinite(Number(t))) return Math.trunc(Number(t));
  if (typeof t === 'bigint') return Number(t);
  throw new TypeError(`${name} must be a Date or a number of seconds`);
}

function toPath(p, name = 'path') {
  if (typeof p === 'string') return p;
  if (Buffer.isBuffer(p)) return p.toString('utf8');
  if (p instanceof URL) {
    if (p.protocol !== 'sftp:' && p.protocol !== 'file:') throw new TypeError(`${name}: only sftp: or file: URLs`);
    return decodeURIComponent(p.pathname);
  }
  throw new TypeError(`${name} must be a string`);
}

function localPath(p, name) {
  if (typeof p === 'string') return p;
  if (Buffer.isBuffer(p)) return p.toString('utf8');
  if (p instanceof URL) return require('url').fileURLToPath(p);
  throw new TypeError(`${name} must be a string`);
}

function toBuffer(data, encoding) {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data, encoding || 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return null;
}

function checkPosition(position) {
  if (position === undefined || position === null || position === -1 || position === -1n) return;
  if ((Number.isInteger(position) && position >= 0) || (typeof position === 'bigint' && position >= 0n)) return;
  throw new RangeError('position must be a non-negative integer, or null for the file\'s own offset');
}

const num = (v) => (typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v) : v);

/** A file's attributes, shaped like fs.Stats. A field the server did not send is undefined. */
class Stats {
  constructor(a) {
    const f = a.flags >>> 0;
    this.mode = f & ATTR_PERMISSIONS ? a.mode >>> 0 : undefined;
    this.size = f & ATTR_SIZE ? Number(a.size) : undefined;
    this.uid = f & ATTR_UIDGID ? a.uid >>> 0 : undefined;
    this.gid = f & ATTR_UIDGID ? a.gid >>> 0 : undefined;
    if (f & ATTR_ACMODTIME) {
      this.atimeMs = Number(a.atime) * 1000;
      this.mtimeMs = Number(a.mtime) * 1000;
      this.atime = new Date(this.atimeMs);
      this.mtime = new Date(this.mtimeMs);
    } else {
      this.atimeMs = this.mtimeMs = this.atime = this.mtime = undefined;
    }
  }

  _type() { return this.mode === undefined ? -1 : this.mode & S_IFMT; }
  isFile() { return this._type() === S_IFREG; }
  isDirectory() { return this._type() === S_IFDIR; }
  isSymbolicLink() { return this._type() === S_IFLNK; }
  isFIFO() { return this._type() === S_IFIFO; }
  isSocket() { return this._type() === S_IFSOCK; }
  isBlockDevice() { return this._type() === S_IFBLK; }
  isCharacterDevice() { return this._type() === S_IFCHR; }
}

/**
 * A directory entry: fs.Dirent's `name`, `parentPath` and is*() methods,
 * plus what SFTP gives with every entry: `longname` (the server's "ls -l"
 * line, '' if none) and `attrs` (Stats), as Node ssh2's readdir entries.
 */
class Dirent {
  constructor(e, parentPath) {
    this.name = e.name;
    this.parentPath = parentPath;
    this.path = parentPath; // fs.Dirent's older name for it
    this.longname = e.longname || '';
    this.attrs = new Stats(e.attrs);
  }
  /** Node ssh2's name for `name`. */
  get filename() { return this.name; }
  isFile() { return this.attrs.isFile(); }
  isDirectory() { return this.attrs.isDirectory(); }
  isSymbolicLink() { return this.attrs.isSymbolicLink(); }
  isFIFO() { return this.attrs.isFIFO(); }
  isSocket() { return this.attrs.isSocket(); }
  isBlockDevice() { return this.attrs.isBlockDevice(); }
  isCharacterDevice() { return this.attrs.isCharacterDevice(); }
}

/** attrs for the setstat calls: only the fields that `flags` names are read. */
function attrs(fields) {
  return {
    flags: fields.flags,
    mode: fields.mode || 0,
    size: fields.size || 0,
    uid: fields.uid || 0,
    gid: fields.gid || 0,
    atime: fields.atime || 0,
    mtime: fields.mtime || 0,
  };
}

function chmodAttrs(mode) {
  return attrs({ flags: ATTR_PERMISSIONS, mode: parseMode(mode) });
}

function chownAttrs(uid, gid) {
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid < 0 || gid < 0) {
    throw new TypeError('uid and gid must be non-negative integers');
  }
  return attrs({ flags: ATTR_UIDGID, uid, gid });
}

function utimesAttrs(atime, mtime) {
  return attrs({ flags: ATTR_ACMODTIME, atime: toSeconds(atime, 'atime'), mtime: toSeconds(mtime, 'mtime') });
}

function truncateAttrs(len = 0) {
  if (typeof len === 'bigint') len = Number(len);
  if (!Number.isInteger(len) || len < 0) throw new TypeError('len must be a non-negative integer');
  return attrs({ flags: ATTR_SIZE, size: len });
}

/**
 * Gives an SFTP error fs's shape: syscall, path, dest, and a message as fs
 * writes it ("ENOENT: <the library's message>, stat '/x'").
 */
function decorate(e, syscall, path, dest) {
  if (!(e instanceof SFTPError)) return e;
  if (e.syscall) return e; // already decorated
  e.syscall = syscall;
  if (!e.path && path !== undefined && path !== null) e.path = path;
  if (!e.dest && dest !== undefined && dest !== null) e.dest = dest;
  let msg = e.message;
  if (e.errnoName && !msg.startsWith(e.errnoName)) msg = `${e.errnoName}: ${msg}`;
  if (e.path && !msg.includes(e.path)) {
    msg += `, ${syscall} '${e.path}'`;
    if (e.dest && !msg.includes(e.dest)) msg += ` -> '${e.dest}'`;
  }
  e.message = msg;
  return e;
}

function abortError(signal) {
  return new AbortError(undefined, undefined, {}, { cause: signal ? signal.reason : undefined });
}

function checkSignal(signal) {
  if (signal !== undefined && signal !== null) {
    if (typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
      throw new TypeError('signal must be an AbortSignal');
    }
    if (signal.aborted) throw abortError(signal);
  }
}

function optionsOf(options, name) {
  if (options === undefined || options === null) return {};
  if (typeof options === 'string') return { encoding: options };
  if (typeof options !== 'object') throw new TypeError(`${name}: options must be an object`);
  return options;
}

// Native handles left to the garbage collector are released on the thread
// pool (a call into Go from the main thread costs ~100 us; the releases
// themselves never wait for the server).
const fileFinalizer = new FinalizationRegistry((h) => { freeNow('gossh_sftp_file_free', h); });
const dirFinalizer = new FinalizationRegistry((s) => {
  freeNow('gossh_sftp_dir_free', s.handle);
  if (s.entries) { try { koffi.free(s.entries); } catch (_) { /* ignore */ } }
});
const sftpFinalizer = new FinalizationRegistry((h) => { callVoidAsync('gossh_sftp_free', h); });

/** A directory being read (SFTP.opendir, fs.Dir's shape): read() one entry at a time, or `for await`. */
class Dir {
  constructor(sftp, handle, path, isGlob = false) {
    this._sftp = sftp;
    this.path = path;
    this._isGlob = isGlob;
    this._state = { handle, entries: null };
    this._buffered = [];
    this._ended = false;
    this._closed = false;
    this._closePromise = null;
    this._reading = null;
    dirFinalizer.register(this, this._state, this);
  }

  /** The next batch of raw entries from the library ([] at the end). */
  async _batch() {
    const s = this._state;
    if (!s.entries) s.entries = koffi.alloc(native.SftpEntry, DIR_BATCH);
    const n = [0];
    try {
      await call('gossh_sftp_dir_read', s.handle, s.entries, DIR_BATCH, this._sftp._timeout, n);
    } catch (e) {
      throw decorate(e, this._isGlob ? 'glob' : 'scandir', this.path);
    }
    const count = Number(n[0]);
    if (count === 0) return [];
    let list = koffi.decode(s.entries, native.SftpEntry, count);
    if (!Array.isArray(list)) list = [list];
    native.fn.gossh_sftp_entries_free(s.entries, count);
    return list;
  }

  /** The next entry as a Dirent, or null at the end. */
  async read() {
    if (this._closed) throw new ClosedError('the directory is closed', 'GOSSH_E_CLOSED');
    // One library call at a time: concurrent read()s wait for the batch.
    while (this._buffered.length === 0 && !this._ended) {
      if (!this._reading) {
        this._reading = this._batch().then((list) => {
          if (list.length === 0) this._ended = true;
          for (const e of list) this._buffered.push(e);
        }).finally(() => { this._reading = null; });
      }
      await this._reading;
    }
    const e = this._buffered.shift();
    if (!e) return null;
    return new Dirent(e, this._isGlob ? null : this.path);
  }

  /** Every remaining entry, as raw records (for readdir and glob). */
  async _all() {
    const out = [];
    for (;;) {
      if (this._buffered.length) { out.push(...this._buffered); this._buffered = []; }
      if (this._ended) return out;
      const list = await this._batch();
      if (list.length === 0) this._ended = true;
      out.push(...list);
    }
  }

  /**
   * Closes the directory (the library closes it on the server from its own
   * thread: this never waits for the server). Idempotent.
   */
  close() {
    if (this._closePromise) return this._closePromise;
    this._closed = true;
    dirFinalizer.unregister(this);
    const s = this._state;
    // A batch still being read finishes first: it writes into s.entries.
    this._closePromise = (this._reading ? this._reading.catch(() => {}) : Promise.resolve())
      .then(() => freeNow('gossh_sftp_dir_free', s.handle))
      .then(() => { if (s.entries) { koffi.free(s.entries); s.entries = null; } });
    return this._closePromise;
  }

  async* [Symbol.asyncIterator]() {
    try {
      for (;;) {
        const d = await this.read();
        if (d === null) return;
        yield d;
      }
    } finally {
      await this.close();
    }
  }

  [Symbol.asyncDispose || Symbol.for('nodejs.asyncDispose')]() {
    return this.close();
  }
}

/**
 * An open remote file, shaped like fs.promises' FileHandle. A position of
 * null or undefined (or -1) reads or writes at the file's own offset, which
 * then advances (sequential reads are read ahead by libgossh); a number
 * reads or writes there and leaves the offset alone.
 */
class FileHandle {
  constructor(sftp, handle, path, flags) {
    this._sftp = sftp;
    this._handle = handle;
    this.path = path;
    this._flags = flags;
    this._closed = false;
    this._closePromise = null;
    fileFinalizer.register(this, handle, this);
  }

  _h() {
    if (this._closed) throw new ClosedError('the file is closed', 'GOSSH_E_CLOSED');
    return this._handle;
  }

  async _call(syscall, name, ...args) {
    const h = this._h();
    try {
      return await call(name, h, ...args);
    } catch (e) {
      throw decorate(e, syscall, this.path);
    }
  }

  /** Reads at most length bytes into buffer[offset..]: { bytesRead, buffer }. bytesRead 0 is the end. */
  async read(buffer, offset, length, position) {
    if (buffer === undefined || buffer === null || (!ArrayBuffer.isView(buffer) && typeof buffer === 'object')) {
      // read() / read({ buffer, offset, length, position })
      const o = buffer || {};
      buffer = o.buffer === undefined ? Buffer.alloc(16384) : o.buffer;
      ({ offset, length, position } = o);
    } else if (offset !== null && typeof offset === 'object') {
      // read(buffer, { offset, length, position })
      ({ offset, length, position } = offset);
    }
    if (!ArrayBuffer.isView(buffer)) throw new TypeError('buffer must be a Buffer or a TypedArray');
    offset = offset === undefined || offset === null ? 0 : offset;
    if (length === undefined || length === null) length = buffer.byteLength - offset;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 ||
        offset + length > buffer.byteLength) {
      throw new RangeError('offset and length must lie within the buffer');
    }
    checkPosition(position);
    if (length === 0) return { bytesRead: 0, buffer };
    const target = Buffer.from(buffer.buffer, buffer.byteOffset + offset, length);
    const n = [0];
    if (position === undefined || position === null || position === -1 || position === -1n) {
      await this._call('read', 'gossh_sftp_file_read', target, length, this._sftp._timeout, n);
    } else {
      await this._call('read', 'gossh_sftp_file_pread', target, length, position, this._sftp._timeout, n);
    }
    return { bytesRead: Number(n[0]), buffer };
  }

  /**
   * Writes all of buffer[offset..offset+length] (or a string: write(string,
   * position, encoding)): { bytesWritten, buffer }. Sequential writes are
   * pipelined by libgossh: a failure the server reports later comes from a
   * later write, sync() or close().
   */
  async write(buffer, offset, length, position) {
    let data;
    if (typeof buffer === 'string') {
      // write(string, position, encoding)
      position = offset;
      data = Buffer.from(buffer, typeof length === 'string' ? length : 'utf8');
    } else {
      if (!ArrayBuffer.isView(buffer)) throw new TypeError('buffer must be a Buffer, a TypedArray or a string');
      if (offset !== null && typeof offset === 'object') ({ offset, length, position } = offset);
      offset = offset === undefined || offset === null ? 0 : offset;
      if (length === undefined || length === null) length = buffer.byteLength - offset;
      if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 ||
          offset + length > buffer.byteLength) {
        throw new RangeError('offset and length must lie within the buffer');
      }
      data = Buffer.from(buffer.buffer, buffer.byteOffset + offset, length);
    }
    checkPosition(position);
    const seq = position === undefined || position === null || position === -1 || position === -1n;
    const n = await this._writeAll(data, seq ? null : position);
    return { bytesWritten: n, buffer };
  }

  /** Hands all of data to the library (at position, or sequentially when null). */
  async _writeAll(data, position) {
    let off = 0;
    const written = [0];
    while (off < data.length) {
      const chunk = off === 0 ? data : data.subarray(off);
      written[0] = 0;
      if (position === null) {
        await this._call('write', 'gossh_sftp_file_write', chunk, chunk.length, this._sftp._timeout, written);
      } else {
        await this._call('write', 'gossh_sftp_file_pwrite', chunk, chunk.length,
          typeof position === 'bigint' ? position + BigInt(off) : position + off, this._sftp._timeout, written);
      }
      const w = Number(written[0]);
      if (w <= 0) break; // success without progress: nothing more will go
      off += w;
    }
    return off;
  }

  /** Reads the rest of the file (from its offset): a Buffer, or a string with an encoding. */
  async readFile(options) {
    const { encoding, signal } = optionsOf(options, 'readFile');
    checkSignal(signal);
    let size = null;
    try {
      const st = await this.stat();
      if (st.size !== undefined) size = st.size;
    } catch (_) { /* the size is only a hint for the first read */ }
    const chunks = [];
    let total = 0;
    for (;;) {
      checkSignal(signal);
      const want = size === null ? MIN_CHUNK * 4
        : Math.min(MAX_FILE_CHUNK, Math.max(MIN_CHUNK, size - total + 1));
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.read(buf, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
    }
    const out = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
    return encoding && encoding !== 'buffer' ? out.toString(encoding) : out;
  }

  /** Writes data (a string, Buffer, TypedArray, or an (async) iterable of those) at the file's offset. */
  async writeFile(data, options) {
    const { encoding, signal } = optionsOf(options, 'writeFile');
    checkSignal(signal);
    const buf = toBuffer(data, encoding);
    if (buf) {
      // In calls of up to 4 MiB, so that a signal is looked at between
      // them (writes are pipelined by libgossh: no round trip per call).
      for (let off = 0; off < buf.length; off += MAX_FILE_CHUNK) {
        checkSignal(signal);
        await this._writeAll(buf.subarray(off, off + MAX_FILE_CHUNK), null);
      }
      return;
    }
    if (data && (typeof data[Symbol.asyncIterator] === 'function' || typeof data[Symbol.iterator] === 'function')) {
      const gather = new Gather(MIN_CHUNK, (b) => this._writeAll(b, null));
      for await (const chunk of data) {
        checkSignal(signal);
        const b = toBuffer(chunk, encoding);
        if (!b) throw new TypeError('writeFile: the iterable must yield strings, Buffers or TypedArrays');
        await gather.add(b);
      }
      await gather.flush();
      return;
    }
    throw new TypeError('data must be a string, a Buffer, a TypedArray or an iterable of those');
  }

  /** writeFile at the end (for a file opened with an 'a' flag, every write goes there anyway). */
  async appendFile(data, options) {
    return this.writeFile(data, options);
  }

  /** fstat. */
  async stat() {
    const out = {};
    await this._call('fstat', 'gossh_sftp_file_stat', this._sftp._timeout, out);
    return new Stats(out);
  }

  async truncate(len = 0) {
    await this._call('ftruncate', 'gossh_sftp_file_setstat', truncateAttrs(len), this._sftp._timeout);
  }

  async chmod(mode) {
    await this._call('fchmod', 'gossh_sftp_file_setstat', chmodAttrs(mode), this._sftp._timeout);
  }

  async chown(uid, gid) {
    await this._call('fchown', 'gossh_sftp_file_setstat', chownAttrs(uid, gid), this._sftp._timeout);
  }

  async utimes(atime, mtime) {
    await this._call('futime', 'gossh_sftp_file_setstat', utimesAttrs(atime, mtime), this._sftp._timeout);
  }

  /** Waits until every pipelined write is answered; rejects with the first failure among them. */
  async flush() {
    await this._call('write', 'gossh_sftp_file_flush', this._sftp._timeout);
  }

  /** Waits for every pipelined write, then fsync@openssh.com. */
  async sync() {
    await this._call('fsync', 'gossh_sftp_file_sync', this._sftp._timeout);
  }

  datasync() {
    return this.sync();
  }

  /**
   * A hash of the file's bytes [start, start+length) (length 0: to the
   * end) computed by the server (check-file extension), in hex;
   * SFTPError EOPNOTSUPP when the server lacks it (OpenSSH does).
   */
  async checksum(algorithm = 'sha256', { start = 0, length = 0 } = {}) {
    const out = [null];
    await this._call('checkfile', 'gossh_sftp_file_check', String(algorithm), start, length, this._sftp._timeout, out);
    return takeString(out[0]);
  }

  /** A ReadStream of this file (fs FileHandle.createReadStream); the stream does not close the file. */
  createReadStream(options) {
    this._h();
    return new ReadStream(this._sftp, this.path, { ...optionsOf(options, 'createReadStream'), handle: this });
  }

  /** A WriteStream to this file; the stream does not close the file. */
  createWriteStream(options) {
    this._h();
    return new WriteStream(this._sftp, this.path, { ...optionsOf(options, 'createWriteStream'), handle: this });
  }

  /** Moves the file's offset (whence 0 SEEK_SET, 1 SEEK_CUR, 2 SEEK_END); resolves with the new offset. */
  async seek(offset, whence = SEEK_SET) {
    const pos = [0];
    await this._call('lseek', 'gossh_sftp_file_seek', offset, whence, this._sftp._timeout, pos);
    return num(pos[0]);
  }

  /**
   * Flushes pipelined writes and closes the remote file. Rejects with the
   * first failure of a pipelined write or of the close: a file whose data
   * did not all arrive never closes cleanly. Idempotent.
   */
  close() {
    if (this._closePromise) return this._closePromise;
    this._closed = true;
    fileFinalizer.unregister(this);
    const h = this._handle;
    // The session's timeout bounds the close (GOSSH_E_TIMEOUT then: the data
    // may not all have arrived); the handle is released after it.
    const closing = call('gossh_sftp_file_close', h, this._sftp._timeout);
    const released = closing.then(() => {}, () => {}).then(() => freeNow('gossh_sftp_file_free', h));
    this._closePromise = closing.then(() => released, (e) => { throw decorate(e, 'close', this.path); });
    return this._closePromise;
  }

  /**
   * After a failure that already answers the caller: releases the file
   * without waiting for the server (gossh_sftp_file_free closes it on a
   * library thread, ignoring failures).
   */
  _abandon() {
    if (this._closePromise) { this._closePromise.catch(() => {}); return; }
    this._closed = true;
    fileFinalizer.unregister(this);
    this._closePromise = freeNow('gossh_sftp_file_free', this._handle);
  }

  [Symbol.asyncDispose || Symbol.for('nodejs.asyncDispose')]() {
    return this.close();
  }
}

/** Gathers small buffers into calls of at least `min` bytes. */
class Gather {
  constructor(min, sink) {
    this.min = min;
    this.sink = sink;
    this.parts = [];
    this.bytes = 0;
  }
  async add(b) {
    if (b.length === 0) return;
    if (this.bytes === 0 && b.length >= this.min) { await this.sink(b); return; }
    if (b.length >= this.min) { await this.flush(); await this.sink(b); return; }
    this.parts.push(Buffer.from(b)); // a copy: the caller may reuse its buffer
    this.bytes += b.length;
    if (this.bytes >= this.min) await this.flush();
  }
  async flush() {
    if (this.bytes === 0) return;
    const b = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    await this.sink(b);
  }
}

/**
 * A Readable of a remote file, as fs.createReadStream: `start` and `end`
 * (inclusive) bytes, `highWaterMark` (default 256 KiB; each call reads at
 * least 64 KiB), `encoding`, `signal`. Emits 'open' and 'ready' once the
 * file is open.
 */
class ReadStream extends Readable {
  constructor(sftp, path, options = {}) {
    const o = optionsOf(options, 'createReadStream');
    super({
      highWaterMark: o.highWaterMark === undefined ? STREAM_HWM : o.highWaterMark,
      encoding: o.encoding,
      signal: o.signal,
      emitClose: o.emitClose !== false,
      autoDestroy: o.autoClose !== false,
    });
    this._sftp = sftp;
    this.path = path;
    this.flags = o.flags === undefined ? 'r' : o.flags;
    this.mode = o.mode;
    this.start = o.start;
    this.end = o.end === undefined || o.end === null ? Infinity : o.end;
    for (const [k, v] of [['start', this.start], ['end', this.end]]) {
      if (v !== undefined && v !== Infinity && (!Number.isInteger(v) || v < 0)) {
        throw new RangeError(`${k} must be a non-negative integer`);
      }
    }
    if (this.start !== undefined && this.end !== Infinity && this.start > this.end) {
      throw new RangeError('start must be <= end');
    }
    this.bytesRead = 0;
    this.pending = true;
    this._file = o.handle instanceof FileHandle ? o.handle : null;
    this._ownFile = !this._file;
    this._remaining = this.end === Infinity ? Infinity : this.end - (this.start || 0) + 1;
    this._chunk = Math.max(MIN_CHUNK, this.readableHighWaterMark);
    // A range that one call reads is read at its position (pread): a
    // sequential read would start libgossh's read-ahead (up to 4 MiB per
    // channel, two windows in flight) for a few bytes.
    this._pos = this._remaining <= this._chunk ? (this.start || 0) : null;
  }

  _construct(cb) {
    (async () => {
      if (!this._file) this._file = await this._sftp.open(this.path, this.flags, this.mode);
      if (this._pos === null && this.start !== undefined && this.start > 0) await this._file.seek(this.start, SEEK_SET);
    })().then(() => {
      this.pending = false;
      this.emit('open', this._file);
      this.emit('ready');
      cb();
    }, cb);
  }

  _read() {
    if (this._remaining <= 0) { this.push(null); return; }
    const want = Math.min(this._chunk, this._remaining);
    const buf = Buffer.allocUnsafe(want);
    this._file.read(buf, 0, want, this._pos).then(({ bytesRead }) => {
      if (this.destroyed) return;
      if (bytesRead === 0) { this.push(null); return; }
      if (this._pos !== null) this._pos += bytesRead;
      this.bytesRead += bytesRead;
      this._remaining -= bytesRead;
      this.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
      if (this._remaining <= 0) this.push(null);
    }, (err) => this.destroy(err));
  }

  _destroy(err, cb) {
    const f = this._file;
    if (!f || !this._ownFile) { cb(err); return; }
    if (err) { f._abandon(); cb(err); return; }
    f.close().then(() => cb(null), (e) => cb(e));
  }

  /** Closes the stream (and its file). */
  close(cb) {
    if (cb) this.once('close', cb);
    this.destroy();
  }
}

/**
 * A Writable to a remote file, as fs.createWriteStream: `flags` (default
 * 'w'), `mode` (0o666), `start` (write from that offset), `signal`.
 * Writes are gathered and handed over in calls of at least 1 MiB (or the
 * highWaterMark, if larger); a failure may so surface at a later write or
 * at the end. 'finish'
 * comes after the file is closed without error: every byte arrived.
 */
class WriteStream extends Writable {
  constructor(sftp, path, options = {}) {
    const o = optionsOf(options, 'createWriteStream');
    super({
      highWaterMark: o.highWaterMark === undefined ? STREAM_HWM : o.highWaterMark,
      decodeStrings: true,
      defaultEncoding: o.encoding || 'utf8',
      signal: o.signal,
      emitClose: o.emitClose !== false,
      autoDestroy: o.autoClose !== false,
    });
    this._sftp = sftp;
    this.path = path;
    this.flags = o.flags === undefined ? 'w' : o.flags;
    this.mode = o.mode === undefined ? 0o666 : o.mode;
    this.start = o.start;
    if (this.start !== undefined && (!Number.isInteger(this.start) || this.start < 0)) {
      throw new RangeError('start must be a non-negative integer');
    }
    this.bytesWritten = 0;
    this.pending = true;
    this._file = o.handle instanceof FileHandle ? o.handle : null;
    this._ownFile = !this._file;
    this._gather = new Gather(Math.max(WRITE_GATHER, this.writableHighWaterMark), async (b) => {
      await this._file._writeAll(b, null);
      this.bytesWritten += b.length;
    });
  }

  _construct(cb) {
    (async () => {
      if (!this._file) this._file = await this._sftp.open(this.path, this.flags, this.mode);
      if (this.start !== undefined && this.start > 0) await this._file.seek(this.start, SEEK_SET);
    })().then(() => {
      this.pending = false;
      this.emit('open', this._file);
      this.emit('ready');
      cb();
    }, cb);
  }

  _write(chunk, _enc, cb) {
    this._gather.add(chunk).then(() => cb(), cb);
  }

  _writev(chunks, cb) {
    // What queued up while a write was in flight goes over in one call.
    const b = chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk));
    this._gather.add(b).then(() => cb(), cb);
  }

  _final(cb) {
    (async () => {
      await this._gather.flush();
      if (this._ownFile) {
        const f = this._file;
        this._file = null;
        await f.close();
      }
    })().then(() => cb(), cb);
  }

  _destroy(err, cb) {
    const f = this._file;
    this._file = null;
    if (!f || !this._ownFile) { cb(err); return; }
    if (err) { f._abandon(); cb(err); return; }
    f.close().then(() => cb(null), (e) => cb(e));
  }

  /** Ends the stream (finishing the writes) and closes the file. */
  close(cb) {
    if (cb) this.once('close', cb);
    if (!this.writableEnded) this.end(); else if (!this.destroyed && this.writableFinished) this.destroy();
  }
}

/**
 * An SFTP session (client.sftp()). Methods return Promises and are named as
 * fs.promises' where they match.
 */
class SFTP {
  constructor(client, handle, timeout) {
    this._client = client;
    this._handle = handle;
    this._timeout = timeout;
    this._closed = false;
    this._closePromise = null;
    this._pending = new Set();
    this._hook = () => this._detach();
    client._onClose(this._hook);
    sftpFinalizer.register(this, handle, this);
  }

  _h() {
    if (this._closed) throw new ClosedError('the SFTP session is closed', 'GOSSH_E_CLOSED');
    return this._handle;
  }

  /** One library call on the session handle; errors get fs's shape. */
  async _call(syscall, path, dest, name, ...args) {
    const p = call(name, this._h(), ...args);
    this._pending.add(p);
    try {
      return await p;
    } catch (e) {
      throw decorate(e, syscall, path, dest);
    } finally {
      this._pending.delete(p);
    }
  }

  async _string(syscall, path, name) {
    const out = [null];
    await this._call(syscall, path, null, name, path, this._timeout, out);
    return takeString(out[0]);
  }

  /** A path's attributes (following symlinks). */
  async stat(path) {
    path = toPath(path);
    const out = {};
    await this._call('stat', path, null, 'gossh_sftp_stat', path, this._timeout, out);
    return new Stats(out);
  }

  /** A path's attributes (of a symlink itself). */
  async lstat(path) {
    path = toPath(path);
    const out = {};
    await this._call('lstat', path, null, 'gossh_sftp_lstat', path, this._timeout, out);
    return new Stats(out);
  }

  /** true if path exists (stat succeeds), false if the server says it does not (ENOENT). */
  async exists(path) {
    try {
      await this.stat(path);
      return true;
    } catch (e) {
      if (e instanceof SFTPError && e.code === 'ENOENT') return false;
      throw e;
    }
  }

  /** Opens a directory for reading, entry by entry (a Dir; `for await` closes it at the end). */
  async opendir(path) {
    path = toPath(path);
    const out = [null];
    await this._call('opendir', path, null, 'gossh_sftp_opendir', path, this._timeout, out);
    return new Dir(this, out[0], path);
  }

  /**
   * A directory's entries ('.' and '..' left out): names, or with
   * { withFileTypes: true } or { withAttributes: true } Dirent objects
   * ({ name, parentPath, longname, attrs: Stats, isFile(), ... }).
   */
  async readdir(path, options) {
    const o = optionsOf(options, 'readdir');
    const dir = await this.opendir(path);
    let list;
    try {
      list = await dir._all();
    } finally {
      await dir.close();
    }
    if (o.withFileTypes || o.withAttributes) return list.map((e) => new Dirent(e, dir.path));
    return list.map((e) => e.name);
  }

  /**
   * The remote paths matching a shell pattern (*, ? and [...] in any
   * component), sorted, as strings; with { withAttributes: true } as
   * Dirent objects whose name is the whole path.
   */
  async glob(pattern, options) {
    const o = optionsOf(options, 'glob');
    pattern = toPath(pattern, 'pattern');
    const out = [null];
    await this._call('glob', pattern, null, 'gossh_sftp_glob', pattern, this._timeout, out);
    const dir = new Dir(this, out[0], pattern, true);
    let list;
    try {
      list = await dir._all();
    } finally {
      await dir.close();
    }
    if (o.withAttributes || o.withFileTypes) return list.map((e) => new Dirent(e, null));
    return list.map((e) => e.name);
  }

  /** Makes a directory (mode default 0o777); { recursive: true } makes the missing parents and accepts an existing directory. */
  async mkdir(path, options) {
    path = toPath(path);
    const o = typeof options === 'number' || typeof options === 'string' ? { mode: options } : optionsOf(options, 'mkdir');
    const mode = parseMode(o.mode, 0o777);
    if (o.recursive) {
      await this._call('mkdir', path, null, 'gossh_sftp_makedirs', path, mode, this._timeout);
    } else {
      await this._call('mkdir', path, null, 'gossh_sftp_mkdir', path, mode, this._timeout);
    }
  }

  /** Removes an empty directory. */
  async rmdir(path) {
    path = toPath(path);
    await this._call('rmdir', path, null, 'gossh_sftp_rmdir', path, this._timeout);
  }

  /**
   * Removes a file or symlink; { recursive: true } removes a directory tree
   * (never following symlinks); { force: true } ignores a path that does
   * not exist.
   */
  async rm(path, options) {
    path = toPath(path);
    const o = optionsOf(options, 'rm');
    try {
      if (o.recursive) {
        await this._call('rm', path, null, 'gossh_sftp_rmtree', path, this._timeout);
      } else {
        await this._call('rm', path, null, 'gossh_sftp_remove', path, this._timeout);
      }
    } catch (e) {
      if (o.force && e instanceof SFTPError && e.code === 'ENOENT') return;
      throw e;
    }
  }

  /** Removes a file or symlink. */
  async unlink(path) {
    path = toPath(path);
    await this._call('unlink', path, null, 'gossh_sftp_remove', path, this._timeout);
  }

  /**
   * Renames oldPath to newPath. SFTP's rename fails if newPath exists;
   * { overwrite: true } uses posix-rename@openssh.com, which replaces it
   * as fs.rename does.
   */
  async rename(oldPath, newPath, options) {
    oldPath = toPath(oldPath, 'oldPath');
    newPath = toPath(newPath, 'newPath');
    const o = optionsOf(options, 'rename');
    await this._call('rename', oldPath, newPath, 'gossh_sftp_rename', oldPath, newPath,
      o.overwrite ? RENAME_POSIX : 0, this._timeout);
  }

  /** Makes path a symlink to target (fs.symlink's order). */
  async symlink(target, path) {
    target = toPath(target, 'target');
    path = toPath(path);
    await this._call('symlink', target, path, 'gossh_sftp_symlink', target, path, this._timeout);
  }

  /** Makes newPath a hard link to existingPath (hardlink@openssh.com). */
  async link(existingPath, newPath) {
    existingPath = toPath(existingPath, 'existingPath');
    newPath = toPath(newPath, 'newPath');
    await this._call('link', existingPath, newPath, 'gossh_sftp_hardlink', existingPath, newPath, this._timeout);
  }

  /** A symlink's target. */
  readlink(path) {
    return this._string('readlink', toPath(path), 'gossh_sftp_readlink');
  }

  /** The server's canonical absolute path ('.' is the start directory). */
  realpath(path = '.') {
    return this._string('realpath', toPath(path), 'gossh_sftp_realpath');
  }

  async chmod(path, mode) {
    path = toPath(path);
    await this._call('chmod', path, null, 'gossh_sftp_setstat', path, chmodAttrs(mode), this._timeout);
  }

  async chown(path, uid, gid) {
    path = toPath(path);
    await this._call('chown', path, null, 'gossh_sftp_setstat', path, chownAttrs(uid, gid), this._timeout);
  }

  /** Sets access and modification times (Dates, or seconds as fs.utimes takes them). */
  async utimes(path, atime, mtime) {
    path = toPath(path);
    await this._call('utime', path, null, 'gossh_sftp_setstat', path, utimesAttrs(atime, mtime), this._timeout);
  }

  /** Sets a file's size (default 0). */
  async truncate(path, len = 0) {
    path = toPath(path);
    await this._call('truncate', path, null, 'gossh_sftp_setstat', path, truncateAttrs(len), this._timeout);
  }

  /** statvfs@openssh.com of the file system holding path (fields of statvfs(3); fs.statfs's names too). */
  async statfs(path = '.') {
    path = toPath(path);
    const out = {};
    await this._call('statfs', path, null, 'gossh_sftp_statvfs', path, this._timeout, out);
    const r = {};
    for (const k of ['bsize', 'frsize', 'blocks', 'bfree', 'bavail', 'files', 'ffree', 'favail', 'fsid', 'flag', 'namemax']) {
      r[k] = num(out[k]);
    }
    return r;
  }

  /**
   * Copies a remote file to another remote path on the server itself
   * (copy-data: no data crosses the network). mode: only 0 (fs's
   * COPYFILE_* flags have no SFTP counterpart).
   */
  async copyFile(src, dest, mode = 0) {
    src = toPath(src, 'src');
    dest = toPath(dest, 'dest');
    if (mode) throw new InvalidArgumentError('copyFile: COPYFILE_* flags are not supported over SFTP', 'GOSSH_E_INVALID');
    await this._call('copyfile', src, dest, 'gossh_sftp_copy', src, dest, this._timeout);
  }

  /** Opens a remote file: flags as fs ('r', 'r+', 'w', 'wx', 'a', 'a+', ... or O_* bits), mode for a new file (0o666). */
  async open(path, flags = 'r', mode = 0o666) {
    path = toPath(path);
    const f = openFlags(flags);
    const m = parseMode(mode, 0o666);
    const out = [null];
    await this._call('open', path, null, 'gossh_sftp_open', path, f, m, this._timeout, out);
    if (this._closed) {
      freeNow('gossh_sftp_file_free', out[0]);
      throw new ClosedError('the SFTP session is closed', 'GOSSH_E_CLOSED');
    }
    return new FileHandle(this, out[0], path, f);
  }

  /** A whole remote file: a Buffer, or a string with { encoding }. */
  async readFile(path, options) {
    const o = optionsOf(options, 'readFile');
    checkSignal(o.signal);
    const fh = await this.open(path, o.flag || 'r');
    let data;
    try {
      data = await fh.readFile(o);
    } catch (e) {
      fh._abandon(); // the failure is the answer: do not wait on the server again
      throw e;
    }
    await fh.close();
    return data;
  }

  /**
   * Writes a whole remote file (flag 'w': made or truncated; mode 0o666).
   * Resolves only once the file is closed without error, that is once every
   * byte arrived.
   */
  async writeFile(path, data, options) {
    const o = optionsOf(options, 'writeFile');
    checkSignal(o.signal);
    const fh = await this.open(path, o.flag || 'w', o.mode === undefined ? 0o666 : o.mode);
    try {
      await fh.writeFile(data, o);
    } catch (e) {
      fh._abandon();
      throw e;
    }
    await fh.close(); // rejects if a pipelined write failed
  }

  /** writeFile with flag 'a'. */
  appendFile(path, data, options) {
    const o = optionsOf(options, 'appendFile');
    return this.writeFile(path, data, { ...o, flag: o.flag || 'a' });
  }

  createReadStream(path, options) {
    this._h();
    return new ReadStream(this, toPath(path), options);
  }

  createWriteStream(path, options) {
    this._h();
    return new WriteStream(this, toPath(path), options);
  }

  /**
   * Runs a whole-file or tree transfer with the options of fastGet/fastPut.
   * See "Progress and cancellation" at the top of this file.
   */
  async _transfer(name, syscall, src, dst, options, withSize) {
    const o = optionsOf(options, syscall);
    const { onProgress, signal } = o;
    if (onProgress !== undefined && onProgress !== null && typeof onProgress !== 'function') {
      throw new TypeError('onProgress must be a function (done, total) => void');
    }
    checkSignal(signal);
    const h = this._h();
    let flags = 0;
    if (o.resume) flags |= XFER_RESUME;
    if (o.preserve) flags |= XFER_PRESERVE;
    if (o.verify === false) flags |= XFER_NOVERIFY;
    const timeout = o.timeout === undefined || o.timeout === null ? this._timeout : o.timeout;
    let cb = null;
    let thrown = null;
    if (onProgress || signal) {
      cb = native.registerProgressCallback((done, total) => {
        try {
          if (thrown || this._closed || (signal && signal.aborted)) return 0;
          if (onProgress) onProgress(Number(done), Number(total));
          return 1;
        } catch (e) {
          thrown = e;
          return 0; // fail closed: the transfer stops
        }
      });
    }
    const size = [0];
    const args = [h, src, dst, flags, cb, null, timeout];
    if (withSize) args.push(size);
    const p = callPending(name, ...args);
    this._pending.add(p);
    try {
      await p;
    } catch (e) {
      if (thrown) throw thrown;
      if (e instanceof AbortError) {
        if (signal && signal.aborted) throw abortError(signal);
        if (this._closed) throw new ClosedError('the SFTP session was closed during the transfer', 'GOSSH_E_CLOSED');
      }
      throw decorate(e, syscall, src, dst);
    } finally {
      this._pending.delete(p);
      // The call has returned: the library calls the callback no more.
      if (cb) native.unregisterCallback(cb);
    }
    return withSize ? Number(size[0]) : undefined;
  }

  /**
   * Downloads remote to the local path, pipelined over several channels by
   * libgossh; resolves with the size. Options: onProgress(done, total),
   * signal (AbortSignal), resume, preserve (mode and times), timeout (ms).
   * A failed or aborted download leaves no file at `local` that looks
   * complete.
   */
  fastGet(remote, local, options) {
    return this._transfer('gossh_sftp_get', 'get', toPath(remote, 'remote'), localPath(local, 'local'), options, true);
  }

  /** Uploads the local file to remote; resolves with the size. As fastGet, plus verify (default true: stat the result). */
  fastPut(local, remote, options) {
    return this._transfer('gossh_sftp_put', 'put', localPath(local, 'local'), toPath(remote, 'remote'), options, true);
  }

  get(remote, local, options) { return this.fastGet(remote, local, options); }
  put(local, remote, options) { return this.fastPut(local, remote, options); }

  /** Mirrors a remote tree to a local directory (files, directories, symlinks); progress counts the whole tree. */
  getDir(remote, local, options) {
    return this._transfer('gossh_sftp_get_dir', 'get', toPath(remote, 'remote'), localPath(local, 'local'), options, false);
  }

  /** Mirrors a local tree to a remote directory. */
  putDir(local, remote, options) {
    return this._transfer('gossh_sftp_put_dir', 'put', localPath(local, 'local'), toPath(remote, 'remote'), options, false);
  }

  /**
   * Facts about the session: { version, extensions: { name: data },
   * maxRead, maxWrite, home }. `home` may ask the server.
   */
  async info() {
    const get = async (name) => {
      const out = [null];
      await this._call('info', null, null, 'gossh_sftp_info', name, out);
      return takeString(out[0]);
    };
    const [version, ext, maxRead, maxWrite, home] = await Promise.all(
      ['version', 'extensions', 'max_read', 'max_write', 'home'].map(get));
    const extensions = {};
    for (const line of (ext || '').split('\n')) {
      if (!line) continue;
      const eq = line.indexOf('=');
      if (eq < 0) extensions[line] = ''; else extensions[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return { version: Number(version), extensions, maxRead: Number(maxRead), maxWrite: Number(maxWrite), home };
  }

  /**
   * Ends the session: open files and directories are closed, calls in
   * flight end with ClosedError (a transfer in flight too; its partial file
   * does not look complete). The client stays connected. Idempotent.
   */
  close() {
    if (this._closePromise) return this._closePromise;
    this._closed = true;
    this._closePromise = (async () => {
      // Asynchronous, falling back to a synchronous call if the thread pool
      // is full of this session's own blocking calls (which the close ends).
      await native.callClose('gossh_sftp_close', this._handle);
      await Promise.allSettled([...this._pending]);
      this._release();
    })();
    return this._closePromise;
  }

  /** The client closed: its calls end by themselves; release the handle. */
  _detach() {
    if (!this._closePromise) {
      this._closed = true;
      this._closePromise = Promise.allSettled([...this._pending]).then(() => this._release());
    }
    return this._closePromise;
  }

  _release() {
    const hooks = this._client._closeHooks;
    const i = hooks.indexOf(this._hook);
    if (i >= 0) hooks.splice(i, 1);
    sftpFinalizer.unregister(this);
    return callVoidAsync('gossh_sftp_free', this._handle);
  }

  /**
   * Changes the tuning of later transfers and files: { transferChannels,
   * maxInflight } (gossh_sftp_set; the library checks the values:
   * InvalidArgumentError).
   */
  configure(options) {
    setTuning(this._h(), optionsOf(options, 'configure'));
    return this;
  }

  /** close(), as ssh2's SFTP.end(). */
  end() {
    return this.close();
  }

  [Symbol.asyncDispose || Symbol.for('nodejs.asyncDispose')]() {
    return this.close();
  }
}

// Tuning values of gossh_sftp_set, by option name.
const SET_NAMES = { transferChannels: 'transfer_channels', maxInflight: 'max_inflight' };

function setTuning(h, o) {
  for (const [key, name] of Object.entries(SET_NAMES)) {
    if (o[key] !== undefined && o[key] !== null) native.callSync('gossh_sftp_set', h, name, String(o[key]));
  }
}

/**
 * Opens an SFTP session on a connected client. Options: timeout (ms, for
 * opening and for every request; default none), transferChannels,
 * maxInflight (gossh_sftp_set: the library checks the values).
 */
async function openSftp(client, options) {
  const o = optionsOf(options, 'sftp');
  client._checkOpen();
  let timeout = -1;
  if (o.timeout !== undefined && o.timeout !== null) {
    if (!Number.isInteger(o.timeout)) throw new TypeError('timeout must be an integer number of milliseconds');
    timeout = o.timeout;
  }
  const out = [null];
  await callPending('gossh_client_open_sftp', client._handle, timeout, out);
  const h = out[0];
  if (client._closed) {
    callVoidAsync('gossh_sftp_free', h);
    throw new ClosedError('the client is closed', 'GOSSH_E_CLOSED');
  }
  try {
    setTuning(h, o);
  } catch (e) {
    callVoidAsync('gossh_sftp_free', h);
    throw e;
  }
  return new SFTP(client, h, timeout);
}

module.exports = {
  SFTP, FileHandle, Dir, Dirent, Stats, ReadStream, WriteStream, openSftp, openFlags,
  POOL_SHARE, // for tests
};
