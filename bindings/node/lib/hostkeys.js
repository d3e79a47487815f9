'use strict';
// HostKeys: an OpenSSH known_hosts store (libgossh's gossh_hostkeys). Every
// rule (patterns, hashed names, @cert-authority, @revoked, merging, what a
// save writes) lives in libgossh; this class only translates.
//
// Keys are "type base64" strings (as HostKeyError.key), or anything with
// `type` and `base64` (the key a hostKeyPolicy function receives), or a Key
// (its public half). Cheap calls are synchronous; load and save touch files
// and return Promises.

const native = require('./native');
const { InvalidArgumentError } = require('./errors');

const { fn, callSync, callAsync, takeString } = native;

const finalizer = new FinalizationRegistry((handle) => {
  try { fn.gossh_hostkeys_free(handle); } catch (_) { /* ignore */ }
});

function keyText(key) {
  if (typeof key === 'string') return key;
  if (key && typeof key.publicText === 'string') return key.publicText; // a Key
  if (key && typeof key.type === 'string' && typeof key.base64 === 'string') return `${key.type} ${key.base64}`;
  throw new TypeError('key must be "type base64", {type, base64} or a Key');
}

function str(name, ...args) {
  const out = [null];
  callSync(name, ...args, out);
  return takeString(out[0]) || '';
}

function lines(text) {
  return text.split('\n').filter(Boolean);
}

class HostKeys {
  /** A new, empty store. */
  constructor() {
    const out = [null];
    callSync('gossh_hostkeys_new', out);
    this._init(out[0], null);
  }

  _init(handle, owner) {
    this._handle = handle;
    this._owner = owner; // keeps the client referenced while the view lives
    finalizer.register(this, handle, this);
  }

  static _bind(handle, owner) {
    const hk = Object.create(HostKeys.prototype);
    hk._init(handle, owner);
    return hk;
  }

  _h() {
    if (!this._handle) throw new InvalidArgumentError('HostKeys was freed', 'GOSSH_E_INVALID');
    return this._handle;
  }

  /** Merges a known_hosts file in; malformed lines are skipped (and logged). */
  async load(path) {
    await callAsync('gossh_hostkeys_load', this._h(), String(path));
    return this;
  }

  /** Writes the store: loaded lines as read (hashed stay hashed), then added ones. */
  async save(path) {
    await callAsync('gossh_hostkeys_save', this._h(), String(path));
  }

  /** Records key for hostname ("host" or "[host]:port"), replacing one of the same type. */
  add(hostname, key) {
    callSync('gossh_hostkeys_add', this._h(), String(hostname), keyText(key));
    return this;
  }

  /** Adds one known_hosts line; markers allowed ("@cert-authority *.example.com ssh-ed25519 AAAA..."). */
  addLine(line) {
    callSync('gossh_hostkeys_add_line', this._h(), String(line));
    return this;
  }

  /** Forgets hostname's keys (of keyType only, if given). True if something was removed. */
  remove(hostname, keyType) {
    // Returns 1 (removed) or 0 (nothing matched): not callSync's 0-or-error.
    const err = [null];
    const rc = fn.gossh_hostkeys_remove(this._h(), String(hostname),
      keyType === undefined || keyType === null ? null : String(keyType), err);
    const e = native.takeError(rc < 0 ? rc : 0, err);
    if (e) throw e;
    return rc === 1;
  }

  /** Forgets every entry. */
  clear() {
    callSync('gossh_hostkeys_clear', this._h());
  }

  /** The keys recorded for hostname: { 'ssh-ed25519': 'ssh-ed25519 AAAA...', ... } ({} if none). */
  lookup(hostname) {
    const out = {};
    for (const l of lines(str('gossh_hostkeys_lookup', this._h(), String(hostname)))) {
      out[l.split(' ')[0]] = l;
    }
    return out;
  }

  /** True if key is accepted for hostname by this store (recorded, or certified by a @cert-authority; not @revoked); KeyError if key does not parse. */
  check(hostname, key) {
    // Returns 1 or 0, or a negative code with an error object (a key that
    // does not parse says why): not callSync's 0-or-error.
    const err = [null];
    const rc = fn.gossh_hostkeys_check(this._h(), String(hostname), keyText(key), err);
    const e = native.takeError(rc < 0 ? rc : 0, err);
    if (e) throw e;
    return rc === 1;
  }

  /** The number of entries (lines, markers included). */
  get size() {
    const n = fn.gossh_hostkeys_count(this._h());
    if (n < 0) throw native.takeError(n, null);
    return n;
  }

  /** The host patterns of the plain lines, each once (a hashed entry gives its "|1|salt|hash"). */
  hostnames() {
    return lines(str('gossh_hostkeys_hostnames', this._h()));
  }

  /** The whole store as known_hosts text. */
  entries() {
    return str('gossh_hostkeys_entries', this._h());
  }

  /** OpenSSH's hashed form "|1|salt|hash"; salt (base64, or a whole "|1|salt|hash") defaults to random. */
  static hashHost(hostname, salt) {
    return str('gossh_hostkeys_hash_host', String(hostname),
      salt === undefined || salt === null ? null : String(salt));
  }

  /** Lets go of the handle now (a client's store stays with the client). Idempotent. */
  free() {
    if (!this._handle) return;
    finalizer.unregister(this);
    fn.gossh_hostkeys_free(this._handle);
    this._handle = null;
  }
}

module.exports = { HostKeys };
