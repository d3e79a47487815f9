'use strict';
// Error classes, one per GOSSH_E_* code, and the translation of a native
// gossh_error object into one of them. No SSH logic: codes and details come
// from libgossh (include/gossh.h, "Error codes" and gossh_error_detail()).

// The GOSSH_* codes are not copied here: libgossh names them
// (gossh_code_name), and the name -> number table is read from it on first
// use. native.js loads the library and requires this module, so it is
// required lazily here.
const native = () => require('./native');

const nameCache = new Map();

/** The GOSSH_* name of a numeric code ("GOSSH_E_AUTH"), 'GOSSH_E_UNKNOWN' for anything else. */
function codeName(rc) {
  if (!Number.isInteger(rc) || rc < -2147483648 || rc > 2147483647) return 'GOSSH_E_UNKNOWN';
  let name = nameCache.get(rc);
  if (name === undefined) {
    name = native().fn.gossh_code_name(rc) || 'GOSSH_E_UNKNOWN';
    nameCache.set(rc, name);
  }
  return name;
}

let codes = null;
/** { GOSSH_OK: 0, GOSSH_E_INVALID: -1, ... } as the library numbers them (consecutive from 0 down). */
function codeTable() {
  if (!codes) {
    const t = {};
    for (let rc = 0; rc > -1000; rc--) {
      const name = codeName(rc);
      if (name === 'GOSSH_E_UNKNOWN') break;
      t[name] = rc;
    }
    codes = Object.freeze(t);
  }
  return codes;
}

/** Base class of every error gossh raises. `code` is the GOSSH_E_* name, `errno` its number. */
class SSHError extends Error {
  constructor(message, code = 'GOSSH_E_INTERNAL', details = {}) {
    super(message);
    this.name = this.constructor.name;
    this.code = code;
    const table = codeTable();
    this.errno = table[code] !== undefined ? table[code] : table.GOSSH_E_INTERNAL;
    Object.defineProperty(this, 'details', { value: details, enumerable: false });
    // The jump host (proxyJump, jump) whose connect failed, if one did.
    if (details.jump_host) this.jumpHost = details.jump_host;
  }
}

/** Invalid argument (GOSSH_E_INVALID), also raised by the binding for bad options. */
class InvalidArgumentError extends SSHError {}
/** A freed, stale or wrong-type handle (GOSSH_E_BADHANDLE). */
class BadHandleError extends SSHError {}
/** TCP connection refused, host unreachable or name not resolved (GOSSH_E_CONNECT). */
class ConnectionError extends SSHError {
  constructor(message, code, details = {}) {
    super(message, code, details);
    this.address = details.address || null;
    // Why: 'refused', 'unreachable', 'resolve', 'jump' (the jump host could
    // not reach the target), 'proxy_command' (the command ended first).
    this.reason = details.reason || null;
  }
}
/** A timeout expired; `stage` says where (connect, banner, auth, read, write, wait). */
class TimeoutError extends SSHError {
  constructor(message, code, details = {}) {
    super(message, code, details);
    this.stage = details.stage || null;
  }
}
/** Authentication failed (GOSSH_E_AUTH); `allowedTypes` lists the methods the server still accepts. */
class AuthenticationError extends SSHError {
  constructor(message, code, details = {}) {
    super(message, code, details);
    this.allowedTypes = details.allowed_types ? details.allowed_types.split(',').filter(Boolean) : [];
  }
}
/** The server allows none of the methods gossh could try (GOSSH_E_BADAUTHTYPE). */
class BadAuthenticationTypeError extends AuthenticationError {}
/** A private key is encrypted and no passphrase was given (GOSSH_E_PASSWORD_REQUIRED). */
class PasswordRequiredError extends AuthenticationError {}
/**
 * The server's host key was not accepted: unknown host rejected by the policy
 * (GOSSH_E_HOSTKEY_UNKNOWN). `key` is "type base64".
 */
class HostKeyError extends SSHError {
  constructor(message, code, details = {}) {
    super(message, code, details);
    this.hostname = details.hostname || null;
    this.key = details.key || null;
  }
}
/** A known host presented a different key (GOSSH_E_HOSTKEY_MISMATCH). */
class HostKeyMismatchError extends HostKeyError {
  constructor(message, code, details = {}) {
    super(message, code, details);
    this.expectedKey = details.expected_key || null;
    // 'mismatch', 'revoked', 'certificate' (a @cert-authority applies but the
    // certificate does not pass) or 'changed' (during a re-key).
    this.reason = details.reason || null;
  }
}
/** SSH protocol error, or the peer is not an SSH server (GOSSH_E_PROTOCOL). */
class ProtocolError extends SSHError {}
/** The client or channel is closed, or the connection was lost (GOSSH_E_CLOSED). */
class ClosedError extends SSHError {}
/** The client is not connected yet (GOSSH_E_NOT_CONNECTED). */
class NotConnectedError extends SSHError {}
/** The server refused to open a channel or run a request (GOSSH_E_CHANNEL). */
class ChannelError extends SSHError {}
/** A key could not be parsed or is of an unsupported type (GOSSH_E_KEY). */
class KeyError extends SSHError {}
/** A local file could not be read or written (GOSSH_E_IO). */
class FileError extends SSHError {}

const CLASS_BY_CODE = {
  GOSSH_E_INVALID: InvalidArgumentError,
  GOSSH_E_BADHANDLE: BadHandleError,
  GOSSH_E_INTERNAL: SSHError,
  GOSSH_E_CONNECT: ConnectionError,
  GOSSH_E_TIMEOUT: TimeoutError,
  GOSSH_E_AUTH: AuthenticationError,
  GOSSH_E_BADAUTHTYPE: BadAuthenticationTypeError,
  GOSSH_E_PASSWORD_REQUIRED: PasswordRequiredError,
  GOSSH_E_HOSTKEY_UNKNOWN: HostKeyError,
  GOSSH_E_HOSTKEY_MISMATCH: HostKeyMismatchError,
  GOSSH_E_PROTOCOL: ProtocolError,
  GOSSH_E_CLOSED: ClosedError,
  GOSSH_E_CHANNEL: ChannelError,
  GOSSH_E_KEY: KeyError,
  GOSSH_E_NOT_CONNECTED: NotConnectedError,
  GOSSH_E_IO: FileError,
};

// The detail names gossh_error_detail() knows (gossh.h).
const DETAIL_NAMES = ['allowed_types', 'hostname', 'key', 'expected_key', 'address', 'stage', 'reason',
  'jump_host', 'command'];

/** Builds the right SSHError subclass from a numeric code, a message and details. */
function makeError(rc, message, details = {}) {
  let code = codeName(rc);
  if (code === 'GOSSH_E_UNKNOWN' || code === 'GOSSH_OK') code = 'GOSSH_E_INTERNAL';
  const Cls = CLASS_BY_CODE[code] || SSHError;
  return new Cls(message || `${code} (${rc})`, code, details);
}

module.exports = {
  get CODES() { return codeTable(); },
  codeName,
  DETAIL_NAMES,
  makeError,
  SSHError,
  InvalidArgumentError,
  BadHandleError,
  ConnectionError,
  TimeoutError,
  AuthenticationError,
  BadAuthenticationTypeError,
  PasswordRequiredError,
  HostKeyError,
  HostKeyMismatchError,
  ProtocolError,
  ClosedError,
  NotConnectedError,
  ChannelError,
  KeyError,
  FileError,
};
