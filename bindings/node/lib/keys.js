'use strict';
// SSH keys over libgossh's gossh_key handles (include/gossh.h, "Keys").
//
// What can take a while runs on libuv's thread pool and returns a Promise:
// loading (a passphrase runs a KDF), generating (RSA takes about a second),
// and writing (encrypting runs the KDF). The accessors, sign and verify are
// quick and synchronous. The private half never enters JavaScript.

const native = require('./native');

const { koffi, fn, callSync, callAsync, takeString } = native;

// Frees a key's native handle when the Key is garbage-collected (free() does
// it at once). A freed handle is never reused: a later call on it fails with
// BadHandleError rather than touching another key.
const registry = new FinalizationRegistry((handle) => {
  try { fn.gossh_key_free(handle); } catch (_) { /* process exit */ }
});

/** Copies `len` library-owned bytes at `ptr` into a Buffer and frees them. */
function takeBytes(ptr, len) {
  if (!ptr) return Buffer.alloc(0);
  try {
    return Buffer.from(koffi.decode(ptr, 'uint8_t', len));
  } finally {
    fn.gossh_free(ptr);
  }
}

function toBuffer(data, name) {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`${name} must be a Buffer, a Uint8Array or a string`);
}

function optString(s) {
  return s === undefined || s === null || s === '' ? null : String(s);
}

/**
 * An SSH key: a private key (loaded, parsed or generated) or a public key
 * alone (`Key.fromPublic`). Types: "ssh-rsa", "ecdsa-sha2-nistp256/384/521",
 * "ssh-ed25519", "ssh-dss".
 */
class Key {
  /** @private Use the static factories. */
  constructor(handle) {
    this._handle = handle;
    this._token = {};
    registry.register(this, handle, this._token);
  }

  /**
   * Loads a private key file (OpenSSH, PEM, PKCS#8); `passphrase` unlocks an
   * encrypted one. A key whose halves disagree, or a file over a limit
   * (512 bcrypt rounds, 4,000,000 PBKDF2 iterations, 16384-bit RSA, 1 MiB),
   * is a KeyError.
   */
  static async fromFile(path, passphrase) {
    const out = [null];
    await callAsync('gossh_key_from_file', String(path), optString(passphrase), out);
    return new Key(out[0]);
  }

  /**
   * Parses private key text (a string or Buffer holding a key file's
   * contents), as fromFile; text over 1 MiB is an InvalidArgumentError.
   */
  static async parse(data, passphrase) {
    const buf = toBuffer(data, 'data');
    const out = [null];
    await callAsync('gossh_key_from_data', buf, buf.length, optString(passphrase), out);
    return new Key(out[0]);
  }

  /**
   * Makes a new private key. `type` is 'rsa', 'ecdsa', 'ed25519' (default)
   * or 'dsa'; `bits` 0/undefined picks the default (RSA 3072, ECDSA 256).
   * RSA takes 1024 to 8192 bits (InvalidArgumentError otherwise).
   */
  static async generate(type = 'ed25519', bits = 0) {
    if (!Number.isInteger(bits || 0)) throw new TypeError('bits must be an integer');
    const out = [null];
    await callAsync('gossh_key_generate', String(type), bits || 0, out);
    return new Key(out[0]);
  }

  /**
   * A public-only key from "type base64 [comment]" text (a string) or a
   * public key blob in SSH wire format (a Buffer). A certificate gives its
   * key with the certificate attached.
   */
  static fromPublic(textOrBlob) {
    const out = [null];
    if (typeof textOrBlob === 'string') {
      callSync('gossh_key_from_public', textOrBlob, null, 0, out);
    } else {
      const blob = toBuffer(textOrBlob, 'blob');
      callSync('gossh_key_from_public', null, blob, blob.length, out);
    }
    return new Key(out[0]);
  }

  _str(name, ...args) {
    const out = [null];
    callSync(name, this._handle, ...args, out);
    return takeString(out[0]);
  }

  /** The SSH key type, e.g. "ssh-ed25519". */
  get type() { return this._str('gossh_key_type'); }

  /** RSA modulus bits, ECDSA curve bits, 256 for Ed25519, DSA p bits. */
  get bits() {
    const out = [0];
    callSync('gossh_key_bits', this._handle, out);
    return out[0];
  }

  /** "SHA256:..." as `ssh-keygen -l` prints it. */
  get fingerprint() { return this._str('gossh_key_fingerprint'); }

  /** "MD5:aa:bb:..." as `ssh-keygen -E md5 -l` prints it. */
  get md5() {
    return 'MD5:' + this._str('gossh_key_fingerprint_md5').match(/../g).join(':');
  }

  /** "type base64", as in authorized_keys (no comment). */
  get publicText() { return this._str('gossh_key_public_text'); }

  /** The public key in SSH wire format. */
  get blob() {
    const p = [null];
    const n = [0];
    callSync('gossh_key_blob', this._handle, p, n);
    return takeBytes(p[0], n[0]);
  }

  /** True if the private half is present. */
  get canSign() { return fn.gossh_key_can_sign(this._handle) === 1; }

  /** The attached certificate as "type base64", or null. */
  get certificate() { return this._str('gossh_key_certificate'); }

  /**
   * Signs `data` and returns the SSH signature blob (string algorithm,
   * string signature) as a Buffer. `algorithm` defaults to the key type, for
   * RSA to "rsa-sha2-512" ("rsa-sha2-256" and "ssh-rsa" also work).
   */
  sign(data, algorithm) {
    const buf = toBuffer(data, 'data');
    const p = [null];
    const n = [0];
    callSync('gossh_key_sign', this._handle, buf, buf.length, optString(algorithm), p, n);
    return takeBytes(p[0], n[0]);
  }

  /** True if `signature` (as sign() returns) is this key's signature over `data`. */
  verify(data, signature) {
    const buf = toBuffer(data, 'data');
    const sig = toBuffer(signature, 'signature');
    const err = [null];
    const rc = fn.gossh_key_verify(this._handle, buf, buf.length, sig, sig.length, err);
    const e = native.takeError(rc, err);
    if (!e) return true;
    if (e.code === 'GOSSH_E_KEY') return false;
    throw e;
  }

  /**
   * The private key as OpenSSH-format text ("BEGIN OPENSSH PRIVATE KEY",
   * for every type), encrypted when `passphrase` is given.
   */
  async toPrivate(passphrase) {
    const out = [null];
    await callAsync('gossh_key_write_private', this._handle, optString(passphrase), out);
    return takeString(out[0]);
  }

  /** Writes toPrivate()'s text to `path` with mode 0600. */
  async writePrivateFile(path, passphrase) {
    await callAsync('gossh_key_write_private_file', this._handle, String(path), optString(passphrase));
  }

  /**
   * Attaches an OpenSSH certificate (the text of a -cert.pub file, or its
   * path); connecting with this key then authenticates with the certificate.
   * Returns this.
   */
  loadCertificate(pathOrText) {
    if (Buffer.isBuffer(pathOrText)) pathOrText = pathOrText.toString('utf8');
    callSync('gossh_key_load_certificate', this._handle, String(pathOrText));
    return this;
  }

  /** True if `other` is a Key with the same public key. */
  equals(other) {
    return other instanceof Key && this.blob.equals(other.blob);
  }

  /** Releases the native key now (also done on garbage collection). */
  free() {
    if (this._handle) {
      registry.unregister(this._token);
      fn.gossh_key_free(this._handle);
    }
  }

  toString() { return this.publicText; }
}

module.exports = { Key };
