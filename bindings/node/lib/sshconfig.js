'use strict';
// SSHConfig: an OpenSSH client configuration (libgossh's gossh_sshconfig).
// The resolving (Host/Match, Include, tokens, first value wins) is the
// library's, checked against `ssh -G`; this class only translates its
// "keyword\tvalue" lines into a plain object.

const native = require('./native');
const { InvalidArgumentError, DETAIL_NAMES } = require('./errors');

// A line that does not parse names its file and line in these details.
for (const name of ['path', 'line']) if (!DETAIL_NAMES.includes(name)) DETAIL_NAMES.push(name);

const { fn, callSync, callAsync, takeString } = native;

const finalizer = new FinalizationRegistry((handle) => {
  try { fn.gossh_sshconfig_free(handle); } catch (_) { /* ignore */ }
});

let multi = null; // keywords that accumulate, from the library
function multiKeywords() {
  if (!multi) {
    const out = [null];
    callSync('gossh_sshconfig_multi_keywords', out);
    multi = new Set((takeString(out[0]) || '').split('\n').filter(Boolean));
  }
  return multi;
}

class SSHConfig {
  constructor() {
    throw new TypeError('use SSHConfig.fromPath() or SSHConfig.fromText()');
  }

  static _wrap(handle) {
    const c = Object.create(SSHConfig.prototype);
    c._handle = handle;
    finalizer.register(c, handle, c);
    return c;
  }

  /**
   * Reads the file at path as `ssh -F path` does (Includes are read now);
   * with no path, the files ssh reads by default (~/.ssh/config, then
   * /etc/ssh/ssh_config; missing ones are skipped).
   */
  static async fromPath(path) {
    const out = [null];
    await callAsync('gossh_sshconfig_from_path', path === undefined || path === null ? null : String(path), out);
    return SSHConfig._wrap(out[0]);
  }

  /** Parses configuration text (relative Includes are under ~/.ssh). */
  static fromText(text) {
    if (typeof text !== 'string') throw new TypeError('fromText(text): text must be a string');
    const out = [null];
    callSync('gossh_sshconfig_from_text', text, out);
    return SSHConfig._wrap(out[0]);
  }

  _h() {
    if (!this._handle) throw new InvalidArgumentError('SSHConfig was freed', 'GOSSH_E_INVALID');
    return this._handle;
  }

  /**
   * Resolves host as `ssh [-l user] [-p port] host` would. Resolves with a
   * plain object: lower-case keywords; those that accumulate (identityfile,
   * certificatefile, localforward, remoteforward, dynamicforward, sendenv)
   * as arrays, the others as strings; `hostname` always set. A Promise,
   * because `Match exec` runs commands.
   */
  async lookup(host, options = {}) {
    if (typeof host !== 'string') throw new TypeError('lookup(host): host must be a string');
    const { user, port } = options || {};
    const out = [null];
    await callAsync('gossh_sshconfig_lookup', this._h(), host, user === undefined ? null : String(user),
      port === undefined ? 0 : port, out);
    const m = multiKeywords();
    const result = {};
    for (const line of (takeString(out[0]) || '').split('\n')) {
      if (!line) continue;
      const tab = line.indexOf('\t');
      const k = line.slice(0, tab);
      const v = line.slice(tab + 1);
      if (m.has(k)) (result[k] = result[k] || []).push(v);
      else if (!(k in result)) result[k] = v;
    }
    return result;
  }

  /** The patterns of every Host line, in the order written. */
  hostnames() {
    const out = [null];
    callSync('gossh_sshconfig_hostnames', this._h(), out);
    return (takeString(out[0]) || '').split('\n').filter(Boolean);
  }

  /** Releases the native handle now (the garbage collector does it otherwise). */
  free() {
    const h = this._handle;
    if (!h) return;
    this._handle = null;
    finalizer.unregister(this);
    fn.gossh_sshconfig_free(h);
  }
}

module.exports = { SSHConfig };
