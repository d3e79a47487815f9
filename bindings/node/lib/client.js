'use strict';
// The public Client: connect / exec / spawn / close, as Promises.

const native = require('./native');
const { ChannelCore, Process, runToCompletion } = require('./channel');
const { ClosedError, InvalidArgumentError } = require('./errors');

// Backstop: a Client that is garbage-collected without close() frees its handle.
const finalizer = new FinalizationRegistry((state) => {
  try { native.fn.gossh_client_free(state.handle); } catch (_) { /* ignore */ }
  if (state.callback) {
    try { native.unregisterCallback(state.callback); } catch (_) { /* ignore */ }
  }
});

function msToSeconds(ms, name) {
  if (ms === undefined || ms === null) return null;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative number of milliseconds`, 'GOSSH_E_INVALID');
  }
  return String(ms / 1000);
}

function looksLikeKeyText(s) {
  return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(s) || s.includes('\n');
}

function isAsyncFunction(f) {
  return typeof f === 'function' && f.constructor && f.constructor.name === 'AsyncFunction';
}

class Client {
  constructor() {
    const out = [null];
    native.callSync('gossh_client_new', out);
    this._state = { handle: out[0], callback: null };
    this._handle = out[0];
    this._closed = false;
    this._closePromise = null;
    this._connecting = null;
    this._channels = new Set();
    this._policyError = null;
    finalizer.register(this, this._state, this);
  }

  _checkOpen() {
    if (this._closed) throw new ClosedError('the client is closed', 'GOSSH_E_CLOSED');
  }

  /**
   * Connects, checks the host key and authenticates (paramiko's order: given
   * keys, key files, agent, ~/.ssh/id_*, password).
   */
  async connect(options = {}) {
    this._checkOpen();
    if (this._connecting) throw new InvalidArgumentError('connect() was already called on this client', 'GOSSH_E_INVALID');
    if (!options || typeof options !== 'object') throw new TypeError('connect(options): options must be an object');
    const { host, hostname } = options;
    if (!(host || hostname)) throw new TypeError('connect(): `host` is required');
    this._connecting = this._connect(options);
    try {
      await this._connecting;
    } catch (e) {
      this._connecting = null; // a failed connect may be retried
      throw e;
    }
    return this;
  }

  async _connect(o) {
    const h = this._handle;
    const optsOut = [null];
    native.callSync('gossh_options_new', optsOut);
    const opts = optsOut[0];
    const keys = [];
    let callback = null;
    try {
      const set = (name, value) => {
        if (value === undefined || value === null) return;
        native.callSync('gossh_options_set', opts, name, String(value));
      };
      const bool = (v) => (v ? '1' : '0');
      set('hostname', o.host || o.hostname);
      set('port', o.port === undefined ? undefined : o.port);
      set('username', o.username);
      set('password', o.password);
      set('passphrase', o.passphrase);
      if (o.agent !== undefined) {
        if (typeof o.agent === 'string') {
          set('allow_agent', '1');
          set('agent_socket', o.agent);
        } else {
          set('allow_agent', bool(o.agent));
        }
      }
      if (o.lookForKeys !== undefined) set('look_for_keys', bool(o.lookForKeys));
      set('timeout', msToSeconds(o.timeout, 'timeout'));
      set('banner_timeout', msToSeconds(o.bannerTimeout, 'bannerTimeout'));
      set('auth_timeout', msToSeconds(o.authTimeout, 'authTimeout'));

      // Private keys: a path (key_filename), or key text / a Buffer (loaded here).
      let pk = o.privateKey;
      if (pk !== undefined && pk !== null) {
        if (!Array.isArray(pk)) pk = [pk];
        for (const k of pk) {
          if (Buffer.isBuffer(k) || (typeof k === 'string' && looksLikeKeyText(k))) {
            const data = Buffer.isBuffer(k) ? k : Buffer.from(k, 'utf8');
            const keyOut = [null];
            // Decrypting a key runs a KDF: off the main thread.
            // As for key_filename: the passphrase, else the password, unlocks it.
            const secret = o.passphrase !== undefined && o.passphrase !== null ? o.passphrase : o.password;
            await native.callAsync('gossh_key_from_data', data, data.length,
              secret === undefined || secret === null ? null : String(secret), keyOut);
            keys.push(keyOut[0]);
            native.callSync('gossh_options_add_key', opts, keyOut[0]);
          } else if (typeof k === 'string') {
            set('key_filename', k);
          } else {
            throw new TypeError('privateKey must be a path, key text, a Buffer, or an array of those');
          }
        }
      }

      // Host keys.
      if (o.systemKnownHosts) {
        const p = typeof o.systemKnownHosts === 'string' ? o.systemKnownHosts : null;
        native.callSync('gossh_client_load_system_host_keys', h, p);
      }
      if (o.knownHosts) {
        native.callSync('gossh_client_load_host_keys', h, String(o.knownHosts));
      }

      // Missing-host-key policy.
      const policy = o.hostKeyPolicy === undefined ? 'reject' : o.hostKeyPolicy;
      this._policyError = null;
      if (typeof policy === 'function') {
        if (isAsyncFunction(policy)) {
          throw new TypeError('hostKeyPolicy: async functions are not supported; ' +
            'the decision must be returned synchronously (true, false or "add")');
        }
        callback = native.registerHostKeyCallback((hostname, type, base64, fingerprint) => {
          try {
            const r = policy(hostname, { type, base64, fingerprint });
            if (r && typeof r.then === 'function') {
              r.then(() => {}, () => {});
              throw new TypeError('hostKeyPolicy returned a Promise; it must decide synchronously ' +
                '(true, false or "add")');
            }
            if (r === 'add') return native.HOSTKEY_ACCEPT_ADD;
            return r ? native.HOSTKEY_ACCEPT : native.HOSTKEY_REJECT;
          } catch (e) {
            this._policyError = e;
            return native.HOSTKEY_REJECT; // fail closed
          }
        });
      } else if (policy === 'warning') {
        callback = native.registerHostKeyCallback((hostname, type, base64, fingerprint) => {
          try {
            process.emitWarning(`Unknown ${type} host key for ${hostname}: ${fingerprint}`, 'HostKeyWarning');
          } catch (_) { /* ignore */ }
          return native.HOSTKEY_ACCEPT;
        });
      } else if (policy === 'reject' || policy === 'autoadd') {
        native.callSync('gossh_client_set_policy', h,
          policy === 'reject' ? native.POLICY_REJECT : native.POLICY_AUTOADD);
      } else {
        throw new TypeError("hostKeyPolicy must be 'reject', 'autoadd', 'warning' or a function");
      }
      if (callback) {
        native.callSync('gossh_client_set_policy_callback', h, callback, null);
        this._setCallback(callback);
      }

      try {
        await native.callAsync('gossh_client_connect', h, opts);
      } catch (e) {
        if (this._closed) throw new ClosedError('the client was closed during connect', 'GOSSH_E_CLOSED');
        const thrown = this._policyError;
        this._policyError = null;
        throw thrown || e;
      }
    } catch (e) {
      // A failed connect leaves no callback behind: Go will not call it again.
      if (callback && !this._closed) {
        try { native.callSync('gossh_client_set_policy', h, native.POLICY_REJECT); } catch (_) { /* ignore */ }
        this._setCallback(null);
      }
      throw e;
    } finally {
      native.fn.gossh_options_free(opts);
      for (const k of keys) native.fn.gossh_key_free(k);
    }
  }

  _setCallback(cb) {
    const old = this._state.callback;
    this._state.callback = cb;
    if (old && old !== cb) native.unregisterCallback(old);
  }

  async _open(command, timeoutMs) {
    this._checkOpen();
    if (typeof command !== 'string') throw new TypeError('command must be a string');
    const out = [null];
    await native.callAsync('gossh_client_exec', this._handle, command,
      timeoutMs === undefined || timeoutMs === null ? -1 : Math.max(0, Math.round(timeoutMs)), out);
    if (this._closed) {
      native.fn.gossh_channel_free(out[0]);
      throw new ClosedError('the client is closed', 'GOSSH_E_CLOSED');
    }
    const core = new ChannelCore(out[0], this);
    this._channels.add(core);
    return core;
  }

  _forgetChannel(core) {
    this._channels.delete(core);
  }

  /**
   * Runs a command and collects its output:
   * `{ stdout, stderr, code }` (strings, or Buffers with encoding 'buffer').
   */
  async exec(command, options = {}) {
    const { stdin, encoding = 'utf8', timeout } = options || {};
    if (encoding !== 'buffer' && encoding !== null && !Buffer.isEncoding(encoding)) {
      throw new TypeError(`unknown encoding: ${encoding}`);
    }
    const started = Date.now();
    const core = await this._open(command, timeout);
    const left = timeout === undefined || timeout === null ? undefined : Math.max(0, timeout - (Date.now() - started));
    return runToCompletion(core, { stdin, encoding, timeout: left });
  }

  /** Starts a command and returns a ChildProcess-like Process with streams. */
  async spawn(command, options = {}) {
    const core = await this._open(command, options && options.timeout);
    return new Process(core, command);
  }

  /** Closes the connection and every channel on it. Idempotent. */
  close() {
    if (this._closePromise) return this._closePromise;
    this._closed = true;
    this._closePromise = (async () => {
      const reason = new ClosedError('the client was closed', 'GOSSH_E_CLOSED');
      const channels = [...this._channels];
      for (const c of channels) c.detach(reason);
      await native.callClose('gossh_client_close', this._handle);
      await Promise.all(channels.map((c) => c._loop.catch(() => {})));
      if (this._connecting) await this._connecting.catch(() => {});
      finalizer.unregister(this);
      native.fn.gossh_client_free(this._handle);
      this._setCallback(null);
    })();
    return this._closePromise;
  }

  /** `await using c = ...` closes the client (where Symbol.asyncDispose exists). */
  [Symbol.asyncDispose || Symbol.for('nodejs.asyncDispose')]() {
    return this.close();
  }

  /** True if connected and the connection is alive. */
  isActive() {
    return !this._closed && native.fn.gossh_client_is_active(this._handle) === 1;
  }

  /** True if authenticated and still connected. */
  isAuthenticated() {
    return !this._closed && native.fn.gossh_client_is_authenticated(this._handle) === 1;
  }

  /** Saves the client's (non-system) host keys in known_hosts format. */
  async saveHostKeys(path) {
    this._checkOpen();
    await native.callAsync('gossh_client_save_host_keys', this._handle, String(path));
  }
}

module.exports = { Client };
