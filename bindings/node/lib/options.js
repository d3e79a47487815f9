'use strict';
// Connect options and host-key policies, translated once for every place
// that connects: Client.connect and each host of a Group. The library
// decides what the options mean; this only names them.

const native = require('./native');
const { InvalidArgumentError } = require('./errors');
const { Key } = require('./keys');
const { AgentKey } = require('./agent');
const algorithms = require('./algorithms');
const connectOver = require('./connect');

/** Milliseconds (a non-negative number) as the library's seconds text, or null. */
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

/**
 * connect() options `o` as the library's: { names, values } (text, for
 * gossh_options_set_list or gossh_group_add_host_list) and `keys` (the Key
 * objects and key text Buffers of privateKey, in order). host, port, user,
 * password, passphrase, agent, keys, algorithms, ssh_config, timeouts,
 * proxyCommand/proxyJump. What is not an option of the library (sock,
 * jump, host keys, policy, log) is the caller's. Makes no call into the
 * library: throws only for what JavaScript can tell is wrong (the library
 * judges the values).
 */
function connectOptionList(o) {
  const names = [];
  const values = [];
  const set = (name, value) => {
    if (value === undefined || value === null) return;
    names.push(name);
    values.push(String(value));
  };
  const bool = (v) => (v ? '1' : '0');
  set('hostname', o.host || o.hostname);
  set('port', o.port);
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
  // The agent SSH_AUTH_SOCK names now: the library's copy of the
  // environment dates from its loading.
  if (typeof o.agent !== 'string' && process.env.SSH_AUTH_SOCK) set('agent_socket', process.env.SSH_AUTH_SOCK);
  if (o.forwardAgent) set('forward_agent', '1');
  if (o.identitiesOnly) set('identities_only', '1');
  if (o.compress) set('compress', '1');
  algorithms.setAlgorithmOptions(o, set);
  if (o.sshConfig !== undefined && o.sshConfig !== null && o.sshConfig !== false) {
    set('ssh_config', o.sshConfig === true ? 'default' : String(o.sshConfig));
  }
  set('timeout', msToSeconds(o.timeout, 'timeout'));
  set('banner_timeout', msToSeconds(o.bannerTimeout, 'bannerTimeout'));
  set('auth_timeout', msToSeconds(o.authTimeout, 'authTimeout'));
  set('channel_timeout', msToSeconds(o.channelTimeout, 'channelTimeout'));
  connectOver.setProxyOptions(o, set);

  // Private keys: a path (key_filename), key text / a Buffer (key data), or a Key.
  const keys = []; // Key handles and key text, added after the named options
  let pk = o.privateKey;
  if (pk !== undefined && pk !== null) {
    if (!Array.isArray(pk)) pk = [pk];
    for (let k of pk) {
      if (k instanceof AgentKey) k = k.toKey(); // the agent signs
      if (k instanceof Key) {
        keys.push(k);
      } else if (Buffer.isBuffer(k) || (typeof k === 'string' && looksLikeKeyText(k))) {
        // Key text: the library parses and unlocks it at connect, as key files.
        keys.push(Buffer.isBuffer(k) ? k : Buffer.from(k, 'utf8'));
      } else if (typeof k === 'string') {
        set('key_filename', k);
      } else {
        throw new TypeError('privateKey must be a path, key text, a Buffer, a Key, an AgentKey, or an array of those');
      }
    }
  }

  return { names, values, keys };
}

/**
 * A new gossh_options handle (the caller frees it with gossh_options_free)
 * holding `list.names`/`values` and `list.keys` (connectOptionList's).
 * Every named option goes to the library in one gossh_options_set_list
 * call (a synchronous call from the main thread costs ~100 µs whatever it
 * does), plus one call per key.
 */
function optionsFromList({ names, values, keys }) {
  const out = [null];
  native.callSync('gossh_options_new', out);
  const opts = out[0];
  try {
    if (names.length) native.callSync('gossh_options_set_list', opts, names, values, names.length);
    for (const k of keys) {
      if (k instanceof Key) native.callSync('gossh_options_add_key', opts, k._handle);
      else native.callSync('gossh_options_add_key_data', opts, k, k.length);
    }
    return opts;
  } catch (e) {
    native.fn.gossh_options_free(opts);
    throw e;
  }
}

/** A gossh_options handle holding connect() options `o` (see connectOptionList); the caller frees it. */
function connectOptions(o) {
  return optionsFromList(connectOptionList(o));
}

/**
 * A hostKeyPolicy: 'reject' and 'autoadd' are the library's ({ builtin }
 * with its POLICY_* value); 'warning' (a process warning, then accept) and
 * a function (hostname, { type, base64, fingerprint }) => true | false |
 * 'add' become a registered host-key callback ({ callback }; the caller
 * unregisters it). The function must decide synchronously: a Promise, or
 * a throw, rejects the key, and onError(err) is told why.
 */
function hostKeyPolicy(policy, onError) {
  if (policy === 'reject') return { builtin: native.POLICY_REJECT };
  if (policy === 'autoadd') return { builtin: native.POLICY_AUTOADD };
  let decide;
  if (policy === 'warning') {
    decide = (hostname, type, base64, fingerprint) => {
      try {
        process.emitWarning(`Unknown ${type} host key for ${hostname}: ${fingerprint}`, 'HostKeyWarning');
      } catch (_) { /* ignore */ }
      return true;
    };
  } else if (typeof policy === 'function') {
    if (isAsyncFunction(policy)) {
      throw new TypeError('hostKeyPolicy: async functions are not supported; ' +
        'the decision must be returned synchronously (true, false or "add")');
    }
    decide = (hostname, type, base64, fingerprint) => {
      const r = policy(hostname, { type, base64, fingerprint });
      if (r && typeof r.then === 'function') {
        r.then(() => {}, () => {});
        throw new TypeError('hostKeyPolicy returned a Promise; it must decide synchronously ' +
          '(true, false or "add")');
      }
      return r;
    };
  } else {
    throw new TypeError("hostKeyPolicy must be 'reject', 'autoadd', 'warning' or a function");
  }
  const callback = native.registerHostKeyCallback((hostname, type, base64, fingerprint) => {
    try {
      const r = decide(hostname, type, base64, fingerprint);
      if (r === 'add') return native.HOSTKEY_ACCEPT_ADD;
      return r ? native.HOSTKEY_ACCEPT : native.HOSTKEY_REJECT;
    } catch (e) {
      if (onError) onError(e);
      return native.HOSTKEY_REJECT; // fail closed
    }
  });
  return { callback };
}

module.exports = { connectOptions, connectOptionList, optionsFromList, hostKeyPolicy, msToSeconds };
