'use strict';
// The public Client: connect / exec / spawn / close, as Promises.

const { EventEmitter } = require('events');
const native = require('./native');
const { ClosedError, InvalidArgumentError } = require('./errors');
const session = require('./session');
const forward = require('./forward');
const { openPending } = require('./pending');
const log = require('./log');
const { Key } = require('./keys');
const { HostKeys } = require('./hostkeys');
const algorithms = require('./algorithms');
const { AgentKey } = require('./agent');
const connectOverModule = require('./connect');
const options = require('./options');

// Backstop: a Client that is garbage-collected without close() frees its handle.
const finalizer = new FinalizationRegistry((state) => {
  try { native.fn.gossh_client_free(state.handle); } catch (_) { /* ignore */ }
  if (state.callback) {
    try { native.unregisterCallback(state.callback); } catch (_) { /* ignore */ }
  }
});

// Facts of gossh_client_info, by the name info() gives them.
const INFO_NAMES = {
  peerHost: 'peer_host', peerPort: 'peer_port', username: 'username',
  serverVersion: 'server_version', clientVersion: 'client_version', banner: 'banner',
  serverKey: 'server_key', kex: 'kex', hostKeyAlgorithm: 'host_key_algorithm',
  cipherOut: 'cipher_out', cipherIn: 'cipher_in', macOut: 'mac_out', macIn: 'mac_in',
};

class Client extends EventEmitter {
  constructor() {
    super();
    const out = [null];
    native.callSync('gossh_client_new', out);
    this._state = { handle: out[0], callback: null };
    this._handle = out[0];
    this._closed = false;
    this._closePromise = null;
    this._connecting = null;
    this._channels = new Set();
    this._policyError = null;
    this._closeHooks = [];
    finalizer.register(this, this._state, this);
  }

  /** Runs fn (may return a Promise) when the client closes. */
  _onClose(fn) {
    if (this._closed) { fn(); return; }
    this._closeHooks.push(fn);
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
    const opts = options.connectOptions(o);
    let callback = null;
    try {
      if (o.log !== undefined && o.log !== null) {
        if (!this._detachLog) this._detachLog = log.attachClientLogger(h, o.log, o.logLevel, o.logChannel);
      } else if (o.logChannel !== undefined && o.logChannel !== null) {
        native.callSync('gossh_client_set_log_channel', h, String(o.logChannel));
      }

      // Host keys.
      if (o.systemKnownHosts) {
        const p = typeof o.systemKnownHosts === 'string' ? o.systemKnownHosts : null;
        native.callSync('gossh_client_load_system_host_keys', h, p);
      }
      if (o.knownHosts) {
        native.callSync('gossh_client_load_host_keys', h, String(o.knownHosts));
      }

      // Missing-host-key policy. No policy given with an ssh_config: the
      // client's default (reject) stands, and the config's
      // StrictHostKeyChecking may apply.
      this._policyError = null;
      if (o.hostKeyPolicy !== undefined || !o.sshConfig) {
        const policy = options.hostKeyPolicy(o.hostKeyPolicy === undefined ? 'reject' : o.hostKeyPolicy,
          (e) => { this._policyError = e; });
        if (policy.callback) callback = policy.callback;
        else native.callSync('gossh_client_set_policy', h, policy.builtin);
      }
      if (callback) {
        native.callSync('gossh_client_set_policy_callback', h, callback, null);
        this._setCallback(callback);
      }

      try {
        if (o._via) await openPending('gossh_client_connect_via_pending', h, o._via._handle, opts);
        else await connectOverModule.connectOver(this, h, opts, o);
        if (o.keepaliveInterval) this.setKeepalive(o.keepaliveInterval);
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
      native.callVoidAsync('gossh_options_free', opts); // on the thread pool: no main-thread call
    }
  }

  _setCallback(cb) {
    const old = this._state.callback;
    this._state.callback = cb;
    if (old && old !== cb) native.unregisterCallback(old);
  }

  _forgetChannel(core) {
    this._channels.delete(core);
  }

  /**
   * Runs a command and collects its output:
   * `{ stdout, stderr, code }` (strings, or Buffers with encoding 'buffer').
   */
  async exec(command, options = {}) {
    const { stdin, encoding = 'utf8', timeout, pty, env, forwardAgent } = options || {};
    if (encoding !== 'buffer' && encoding !== null && !Buffer.isEncoding(encoding)) {
      throw new TypeError(`unknown encoding: ${encoding}`);
    }
    return session.execWith(this, command, { stdin, encoding, timeout, pty, env, forwardAgent });
  }

  /** Starts a command and returns a ChildProcess-like Process with streams. */
  async spawn(command, options = {}) {
    return session.spawnWith(this, command, options);
  }

  /** A login shell (with a pty unless `pty: false`) as a Duplex Channel. */
  shell(options = {}) {
    return session.shell(this, options);
  }

  /** A subsystem ("sftp", ...) as a Duplex Channel. */
  subsystem(name, options = {}) {
    return session.subsystem(this, name, options);
  }

  /**
   * Opens an SFTP session on this connection (paramiko's open_sftp):
   * resolves with an SFTP object whose methods follow fs.promises.
   * Options: timeout (ms, for opening and for each request; default none),
   * transferChannels, maxInflight (see index.d.ts).
   */
  sftp(options = {}) {
    return require('./sftp').openSftp(this, options);
  }

  /** A direct-tcpip channel to dstHost:dstPort, as a Duplex Channel (ssh2's forwardOut). */
  forwardOut(srcHost, srcPort, dstHost, dstPort, options = {}) {
    return forward.forwardOut(this, srcHost, srcPort, dstHost, dstPort, options);
  }

  /** A listening net.Server whose connections go through direct-tcpip channels to dstHost:dstPort. */
  forwardLocal(options) {
    return forward.forwardLocal(this, options);
  }

  /** Remote forwarding: resolves with the bound port; connections arrive as 'tcp connection' events. */
  forwardIn(address, port) {
    return forward.forwardIn(this, address, port);
  }

  /** Stops a remote forwarding (address and bound port). */
  unforwardIn(address, port) {
    return forward.unforwardIn(this, address, port);
  }

  /** Facts about the live connection: peer, versions, banner, server key, algorithms. */
  info() {
    this._checkOpen();
    const r = {};
    for (const [key, name] of Object.entries(INFO_NAMES)) {
      const out = [null];
      native.callSync('gossh_client_info', this._handle, name, out);
      r[key] = native.takeString(out[0]);
    }
    r.peerPort = Number(r.peerPort);
    return r;
  }

  /**
   * Sends keepalive@openssh.com every ms milliseconds (0: off); three
   * unanswered close the client. A negative interval is an
   * InvalidArgumentError (the library's GOSSH_E_INVALID).
   */
  setKeepalive(ms) {
    this._checkOpen();
    if (!Number.isInteger(ms)) throw new TypeError('setKeepalive(ms): ms must be an integer');
    native.callSync('gossh_client_set_keepalive', this._handle, ms);
  }

  /** Sends an SSH_MSG_IGNORE (keeps NAT state alive). */
  async sendIgnore() {
    this._checkOpen();
    await native.callAsync('gossh_client_send_ignore', this._handle);
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
      const hooks = this._closeHooks.splice(0);
      await Promise.all(hooks.map((fn) => Promise.resolve().then(fn).catch(() => {})));
      await Promise.all(channels.map((c) => c._loop.catch(() => {})));
      if (this._connecting) await this._connecting.catch(() => {});
      finalizer.unregister(this);
      native.fn.gossh_client_free(this._handle);
      this._setCallback(null);
      if (this._detachLog) { this._detachLog(); this._detachLog = null; }
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

  /**
   * The client's own host keys (knownHosts, keys added by 'autoadd') as a
   * HostKeys bound to the live store: changes count at the next connect. May
   * be used from inside a hostKeyPolicy function.
   */
  getHostKeys() {
    this._checkOpen();
    if (!this._hostKeys) {
      const out = [null];
      native.callSync('gossh_client_get_host_keys', this._handle, out);
      this._hostKeys = HostKeys._bind(out[0], this);
    }
    return this._hostKeys;
  }

  /** The system host keys (systemKnownHosts: consulted first, never saved), live. */
  getSystemHostKeys() {
    this._checkOpen();
    const out = [null];
    native.callSync('gossh_client_get_system_host_keys', this._handle, out);
    return HostKeys._bind(out[0], this);
  }
}

module.exports = { Client };
