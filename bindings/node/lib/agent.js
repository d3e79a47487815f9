'use strict';
// The SSH agent: listing its keys and signing with them (gossh_agent_list,
// gossh_agent_sign). Each call connects to the agent for that call, so an
// Agent holds nothing to close. Forwarding is connect's `forwardAgent`
// option, or exec/spawn/shell's, served by the library.

const native = require('./native');
const { Key } = require('./keys');

function takeBytes(ptr, len) {
  const koffi = require('koffi');
  if (!ptr) return Buffer.alloc(0);
  try {
    return Buffer.from(koffi.decode(ptr, 'uint8_t', len));
  } finally {
    native.fn.gossh_free(ptr);
  }
}

function toBuffer(data, name) {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`${name} must be a Buffer, a Uint8Array or a string`);
}

/**
 * The agent at `socket`, or at SSH_AUTH_SOCK as this process sees it when
 * the Agent is made (the library's own copy of the environment dates from
 * its loading).
 */
class Agent {
  constructor(socket) {
    if (socket !== undefined && socket !== null && typeof socket !== 'string') {
      throw new TypeError('Agent(socket): socket must be a path');
    }
    this.socket = socket || process.env.SSH_AUTH_SOCK || null;
  }

  /**
   * The agent's keys, in its order. Rejects with a ConnectionError when
   * there is no agent (details.reason "no_agent") or it does not answer
   * ("agent").
   */
  async keys() {
    const out = [null];
    await native.callAsync('gossh_agent_list', this.socket, out);
    const text = native.takeString(out[0]);
    const keys = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      const [type, b64, ...rest] = line.split(' ');
      keys.push(new AgentKey(this, type, Buffer.from(b64, 'base64'), rest.join(' ')));
    }
    return keys;
  }

  /**
   * The agent's signature of `data` with `key` (an AgentKey, a Key or a
   * public key blob), as the SSH signature blob (string format, string
   * signature). `algorithm`: the key's own (default; "ssh-rsa" for RSA),
   * "rsa-sha2-256" or "rsa-sha2-512".
   */
  async sign(key, data, { algorithm } = {}) {
    let blob;
    if (key instanceof AgentKey || key instanceof Key) blob = key.blob;
    else blob = toBuffer(key, 'key');
    const buf = toBuffer(data, 'data');
    const sig = [null];
    const n = [0];
    await native.callAsync('gossh_agent_sign', this.socket, blob, blob.length, buf, buf.length,
      algorithm === undefined || algorithm === null || algorithm === '' ? null : String(algorithm), sig, n);
    return takeBytes(sig[0], n[0]);
  }
}

/** One key of an agent: type, blob, comment, fingerprint, and sign(). */
class AgentKey {
  constructor(agent, type, blob, comment) {
    this.agent = agent;
    this.type = type;
    this.blob = blob;
    this.comment = comment;
    this._key = null;
  }

  /** The public key as a Key (type, bits, fingerprint, verify, ...). */
  get key() {
    if (!this._key) this._key = Key.fromPublic(this.blob);
    return this._key;
  }

  get fingerprint() { return this.key.fingerprint; }

  get bits() { return this.key.bits; }

  /** "type base64 comment", as ssh-add -L prints it. */
  get publicText() {
    return `${this.type} ${this.blob.toString('base64')}${this.comment ? ' ' + this.comment : ''}`;
  }

  sign(data, options) { return this.agent.sign(this, data, options); }

  /**
   * A Key whose private half is the agent's: it logs in as any private key
   * (connect's privateKey also takes the AgentKey itself) and signs through
   * the agent, asked only when a signature is needed.
   */
  toKey() {
    const out = [null];
    native.callSync('gossh_agent_key', this.agent.socket, this.blob, this.blob.length, out);
    return new Key(out[0]);
  }
}

module.exports = { Agent, AgentKey };
