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
    // The GOSSH_E_* name, also where `code` follows Node (SFTPError's
    // 'ENOENT', AbortError's 'ABORT_ERR').
    this.gosshCode = code;
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
/**
 * A local file could not be read or written (GOSSH_E_IO). `path` is the
 * file and `errnoName` the POSIX errno name ('ENOENT', 'EACCES', ...) when
 * the library reports them.
 */
class FileError extends SSHError {
  constructor(message, code, details = {}) {
    super(message, code, details);
    this.path = details.path || null;
    this.errnoName = details.errno_name || null;
  }
}

/**
 * An SFTP request that the server failed (GOSSH_E_SFTP), shaped like a Node
 * fs error: `code` is the POSIX name the library maps the SFTP status to
 * ('ENOENT', 'EACCES', 'EEXIST', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'ENOSPC',
 * 'EOPNOTSUPP', 'EIO'), or 'GOSSH_E_SFTP' when none fits; `errno` is Node's
 * negative errno for that name (as fs errors have), `syscall` the operation
 * ('stat', 'open', 'rename', ...), `path` and `dest` the remote paths.
 * `sftpStatus` is the SSH_FX_* number, `sftpStatusName` its name
 * ('no_such_file', 'permission_denied', 'failure', 'op_unsupported', ...),
 * `serverMessage` the server's text. `gosshCode` is 'GOSSH_E_SFTP'.
 */
class SFTPError extends SSHError {
  constructor(message, code = 'GOSSH_E_SFTP', details = {}) {
    super(message, 'GOSSH_E_SFTP', details);
    const errnoName = details.errno_name || '';
    this.code = errnoName || 'GOSSH_E_SFTP';
    this.errnoName = errnoName || null;
    const n = errnoName ? osErrno(errnoName) : undefined;
    if (n !== undefined) this.errno = -n;
    this.syscall = details.syscall || null;
    this.path = details.path || null;
    if (details.path2) this.dest = details.path2;
    this.sftpStatus = details.status !== undefined && details.status !== '' ? Number(details.status) : null;
    this.sftpStatusName = details.status_name || null;
    this.serverMessage = details.message || null;
  }
}

/**
 * A transfer or request stopped by an AbortSignal (or a progress callback
 * that asked to stop: GOSSH_E_CANCELLED). As Node's AbortError: name
 * 'AbortError', code 'ABORT_ERR', `cause` the signal's reason.
 */
class AbortError extends SSHError {
  constructor(message = 'The operation was aborted', code = 'GOSSH_E_CANCELLED', details = {}, options = undefined) {
    super(message, 'GOSSH_E_CANCELLED', details);
    this.name = 'AbortError';
    this.code = 'ABORT_ERR';
    if (options && 'cause' in options) this.cause = options.cause;
  }
}

function osErrno(name) {
  const n = require('os').constants.errno[name];
  return typeof n === 'number' ? n : undefined;
}

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
  GOSSH_E_SFTP: SFTPError,
  GOSSH_E_CANCELLED: AbortError,
};

// The detail names gossh_error_detail() knows (gossh.h).
const DETAIL_NAMES = ['allowed_types', 'hostname', 'key', 'expected_key', 'address', 'stage', 'reason',
  'jump_host', 'command', 'line', 'path', 'errno_name', 'status', 'status_name', 'path2', 'message'];
// The details each code can carry (gossh.h, gossh_error_detail and
// "SFTP"): every detail read is a call into the library, and on the main
// thread each costs about 100 µs, so only these are asked for.
const SFTP_DETAILS = ['status', 'status_name', 'errno_name', 'path', 'path2', 'message'];
// "jump_host" names the hop of a ProxyJump chain that failed, on any of a
// connect's errors.
const DETAILS_BY_CODE = {
  GOSSH_E_INVALID: ['path', 'line'], // an ssh_config that does not parse
  GOSSH_E_AUTH: ['allowed_types', 'reason', 'jump_host'],
  GOSSH_E_BADAUTHTYPE: ['allowed_types', 'jump_host'],
  GOSSH_E_PASSWORD_REQUIRED: ['jump_host'],
  GOSSH_E_HOSTKEY_UNKNOWN: ['hostname', 'key', 'jump_host'],
  GOSSH_E_HOSTKEY_MISMATCH: ['hostname', 'key', 'expected_key', 'reason', 'jump_host'],
  GOSSH_E_CONNECT: ['address', 'reason', 'command', 'jump_host'],
  GOSSH_E_TIMEOUT: ['stage', 'address', 'jump_host'],
  GOSSH_E_PROTOCOL: ['jump_host'],
  GOSSH_E_KEY: ['reason'],
  GOSSH_E_IO: ['path', 'errno_name'],
  GOSSH_E_SFTP: SFTP_DETAILS,
};

/** The detail names worth reading for numeric code rc (none for the other codes; all for an unknown one). */
function detailNamesFor(rc) {
  const name = codeName(rc);
  if (DETAILS_BY_CODE[name]) return DETAILS_BY_CODE[name];
  return name === 'GOSSH_E_UNKNOWN' ? DETAIL_NAMES : [];
}

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
  detailNamesFor,
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
  SFTPError,
  AbortError,
};
