// Type definitions for gossh (Node binding of libgossh).
/// <reference types="node" />
import { EventEmitter } from 'events';
import { Readable, Writable, Duplex } from 'stream';
import { Server } from 'net';

export interface HostKeyInfo {
  /** SSH key type, e.g. "ssh-ed25519". */
  type: string;
  /** The key blob, base64 as in known_hosts. */
  base64: string;
  /** "SHA256:..." as ssh-keygen -l prints it. */
  fingerprint: string;
}

/**
 * A custom missing-host-key policy, called once per connection when the
 * server's key is not in the client's host keys. `hostname` is "[host]:port"
 * when port != 22. Return true to accept, "add" to accept and add the key to
 * the client's host keys (saved if a known_hosts file was loaded), false to
 * reject. It must decide synchronously: async functions are refused with a
 * TypeError. If it throws, the connection is rejected and connect() rejects
 * with the thrown error.
 */
export type HostKeyPolicyFunction = (hostname: string, key: HostKeyInfo) => boolean | 'add';

export interface ConnectOptions {
  host: string;
  /** Default 22. */
  port?: number;
  /** Default: the local user name. */
  username?: string;
  password?: string;
  /** A path, key text (string containing a PEM/OpenSSH block), a Buffer of key text, a Key, an AgentKey (the agent signs), or an array of those. */
  privateKey?: string | Buffer | Key | AgentKey | Array<string | Buffer | Key | AgentKey>;
  /** Unlocks encrypted private keys. */
  passphrase?: string;
  /** A known_hosts file: loaded, and written back by the 'autoadd' policy. */
  knownHosts?: string;
  /** true: load ~/.ssh/known_hosts (if present) as read-only host keys; a string: that file. */
  systemKnownHosts?: boolean | string;
  /** Default 'reject'. */
  hostKeyPolicy?: 'reject' | 'autoadd' | 'warning' | HostKeyPolicyFunction;
  /** Use the SSH agent (SSH_AUTH_SOCK); a string names the agent socket. Default true. */
  agent?: boolean | string;
  /** Try ~/.ssh/id_*. Default true. */
  lookForKeys?: boolean;
  /**
   * Apply an OpenSSH client configuration (off by default): true for
   * ~/.ssh/config then /etc/ssh/ssh_config, or a file's path. `host` is then
   * resolved as ssh does (HostName, User, Port, IdentityFile, IdentitiesOnly,
   * CertificateFile, HostKeyAlias, UserKnownHostsFile, StrictHostKeyChecking when no
   * hostKeyPolicy is given, HostKeyAlgorithms, Ciphers, KexAlgorithms, MACs,
   * ConnectTimeout, ServerAliveInterval/CountMax, ProxyJump, ProxyCommand).
   * Options given here win.
   */
  sshConfig?: boolean | string;
  /** TCP connect timeout, ms. */
  timeout?: number;
  /** Time to wait for the server's SSH banner, ms (library default 15 s). */
  bannerTimeout?: number;
  /** Time for key exchange and authentication, ms. */
  authTimeout?: number;
  /** Default time limit, ms, for opening a channel and each of its requests (pty, env, exec, shell, ...). */
  channelTimeout?: number;
  /** Sends keepalive@openssh.com every so many ms; three unanswered close the client. */
  keepaliveInterval?: number;
  /** This client's logger: receives its records (connection, host key, auth, channels). Never secrets. */
  log?: LogFunction;
  /** Lowest level given to `log`. Default 'info'. */
  logLevel?: LogLevel;
  /** Log channel: records are named "<logChannel>.transport" / ".channel". Default "gossh.<n>" with `log`, else "gossh". */
  logChannel?: string;
  /**
   * Run the SSH connection over this stream instead of a TCP connection of
   * its own (a net.Socket, a Channel of another client, any Duplex). `host`
   * and `port` still name the server for the host-key check. The stream is
   * destroyed when the client closes.
   */
  sock?: Duplex;
  /**
   * Jump hosts, in order: each a connected Client (used, not closed) or
   * connect() options for a new client (closed with this one). A hop made
   * from options takes this connect's privateKey, password, passphrase,
   * agent, lookForKeys, knownHosts, systemKnownHosts, hostKeyPolicy and
   * timeouts unless it sets its own; its host key is checked by its own
   * client. Each hop connects through the one before, and this client
   * through the last.
   */
  jump?: Array<Client | Omit<ConnectOptions, 'sock' | 'jump' | 'proxyJump' | 'proxyCommand'>>;
  /**
   * OpenSSH's ProxyJump: '[user@]host[:port][,...]'. The library connects
   * each hop with this connect's authentication and timeouts, the hop's user
   * (else the local user), and this client's host keys and policy.
   */
  proxyJump?: string;
  /**
   * OpenSSH's ProxyCommand: run by /bin/sh as 'exec <command>' with %h %p %r
   * %n %u %% expanded; its stdin/stdout carry the connection, its stderr goes
   * to the log (and into the error if it ends before the server speaks:
   * ConnectionError with reason 'proxy_command'). Killed and reaped on close.
   */
  proxyCommand?: string;
  /**
   * Ask for agent forwarding (the agent of `agent`, else SSH_AUTH_SOCK) on
   * every session this client starts; a server that refuses is logged, not
   * an error. Per session: exec/spawn/shell's `forwardAgent`.
   */
  forwardAgent?: boolean;
  /**
   * OpenSSH's IdentitiesOnly: with `privateKey` given, only agent keys that
   * are one of those keys are offered, and ~/.ssh/id_* are not searched.
   */
  identitiesOnly?: boolean;
  /** Accepted and logged: the library has no compression. */
  compress?: boolean;
  /**
   * Algorithms, ssh2's names (pubkey added): an array is the explicit list
   * in order of preference; { remove: [...] } drops names from the
   * defaults. A name the library does not implement is an
   * InvalidArgumentError. Without serverHostKey the host's known key types
   * are offered first, then ed25519, ECDSA, RSA.
   */
  algorithms?: {
    cipher?: AlgorithmList;
    kex?: AlgorithmList;
    serverHostKey?: AlgorithmList;
    hmac?: AlgorithmList;
    /** Signature algorithms user keys may sign with ('ssh-rsa', 'rsa-sha2-256', ...). */
    pubkey?: AlgorithmList;
  };
  /** paramiko's disabled_algorithms: names removed from what is offered (keys: host keys; pubkeys: user-key signatures). */
  disabledAlgorithms?: { ciphers?: string[]; macs?: string[]; keys?: string[]; pubkeys?: string[]; kex?: string[] };
}

export type AlgorithmList = string[] | { remove: string[] };

/** 10 debug, 20 info, 30 warning, 40 error (Python's numbers). */
export type LogFunction = (level: number, name: string, message: string) => void;
export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | number;

/** A pseudo-terminal: term (default 'vt100'), size in characters (80x24) and pixels (0). */
export interface PtyOptions {
  term?: string;
  cols?: number;
  rows?: number;
  width?: number;
  height?: number;
}

export interface SessionOptions {
  /** true (vt100 80x24) or a terminal description: run on a pseudo-terminal (stderr is then merged into stdout). */
  pty?: boolean | PtyOptions;
  /** Environment variables, sent without asking for a reply: a name the server does not accept (OpenSSH's AcceptEnv) is dropped. */
  env?: Record<string, string | number | boolean>;
  /** Ask for agent forwarding on this session first (a refusal is logged, not an error). */
  forwardAgent?: boolean;
}

export interface ExecOptions extends SessionOptions {
  /** Data for the command's stdin; EOF is sent after it. */
  stdin?: Buffer | string;
  /** 'utf8' (default), any Buffer encoding, or 'buffer' for Buffers. */
  encoding?: BufferEncoding | 'buffer' | null;
  /** Overall time limit in ms; on expiry the channel is closed and exec rejects with TimeoutError. */
  timeout?: number;
}

export interface ExecResult<T = string> {
  stdout: T;
  stderr: T;
  /** Exit status; -1 if the server sent none (e.g. killed by a signal). */
  code: number;
  /** Present when the command was killed by a signal: its name, e.g. 'TERM'. */
  signal?: string;
}

export interface SpawnOptions extends SessionOptions {
  /** Time limit in ms for the server to accept the channel and the command. */
  timeout?: number;
}

/** A running remote command, shaped like Node's ChildProcess. */
export class Process extends EventEmitter {
  readonly command: string;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** end() sends EOF to the command. */
  readonly stdin: Writable;
  /** Resolves with the exit status (-1 if none was sent); rejects if the channel closes first. */
  readonly exit: Promise<number>;
  exitCode: number | null;
  /** The signal that ended the command ('TERM', ...), or null. */
  signalCode: string | null;
  /** Sends a signal ('TERM' by default, 'SIG' prefix optional); false if the channel is already closed. */
  kill(signal?: string): boolean;
  /** Closes the channel (idempotent); unread output is dropped. */
  close(): Promise<void>;
  /** code is -1 and signal its name when killed by a signal. */
  on(event: 'exit', listener: (code: number, signal: string | null) => void): this;
  /** After 'exit' and the end of both output streams (they must be read). */
  on(event: 'close', listener: (code: number | null, signal: string | null) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export interface ShellOptions extends PtyOptions {
  /** false: no pseudo-terminal (stdin is read as a script, stderr apart). Default true. */
  pty?: boolean;
  /** Ask for agent forwarding on this session first (a refusal is logged, not an error). */
  forwardAgent?: boolean;
  env?: Record<string, string | number | boolean>;
  /** Time limit in ms for opening the channel and its requests (default: connect's channelTimeout). */
  timeout?: number;
}

/**
 * A channel as a Duplex: writes go to the shell / subsystem / forwarded
 * connection, reads are its output; end() sends EOF. Session channels
 * (shell, subsystem) have `stderr` and `exit`; forwarded ones have neither
 * and are destroyed with the error if the connection is lost.
 */
export class Channel extends Duplex {
  readonly type: 'session' | 'direct-tcpip' | 'forwarded-tcpip';
  /** Session channels: their stderr; null for forwarded channels. */
  readonly stderr: Readable | null;
  /** Session channels: resolves with the exit status, rejects with ClosedError if closed first; null otherwise. */
  readonly exit: Promise<number> | null;
  exitCode: number | null;
  signalCode: string | null;
  /** Resizes the pty, in ssh2's argument order. */
  setWindow(rows: number, cols: number, height?: number, width?: number): void;
  /** Resizes the pty. */
  resize(size: { cols: number; rows: number; width?: number; height?: number }): void;
  kill(signal?: string): boolean;
  /** Closes the channel now; unread output is dropped. */
  close(): Promise<void>;
  on(event: 'exit', listener: (code: number, signal: string | null) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** What client.info() reports about the live connection. */
export interface TransportInfo {
  peerHost: string;
  peerPort: number;
  username: string;
  serverVersion: string;
  clientVersion: string;
  /** The server's userauth banner, '' if none. */
  banner: string;
  /** "type base64". */
  serverKey: string;
  kex: string;
  hostKeyAlgorithm: string;
  cipherOut: string;
  cipherIn: string;
  /** '' for AEAD ciphers. */
  macOut: string;
  macIn: string;
}

/** A connection forwarded by the server (forwardIn). */
export interface TcpConnectionInfo {
  /** The address and port the server listens on. */
  destIP: string;
  destPort: number;
  /** Who connected. */
  srcIP: string;
  srcPort: number;
}

export interface ForwardLocalOptions {
  /** Default '127.0.0.1'. */
  localHost?: string;
  /** Default 0 (any free port; see server.address()). */
  localPort?: number;
  dstHost: string;
  dstPort: number;
  /** Time limit in ms to open each channel. */
  timeout?: number;
}

export class Client extends EventEmitter {
  constructor();
  /** Connects, checks the host key and authenticates. Resolves with the client. */
  connect(options: ConnectOptions): Promise<this>;
  exec(command: string, options: ExecOptions & { encoding: 'buffer' | null }): Promise<ExecResult<Buffer>>;
  exec(command: string, options?: ExecOptions): Promise<ExecResult<string>>;
  spawn(command: string, options?: SpawnOptions): Promise<Process>;
  /** A login shell as a Duplex (on a pty unless pty: false). */
  shell(options?: ShellOptions): Promise<Channel>;
  /** A subsystem ("sftp", "netconf", ...) as a Duplex. */
  subsystem(name: string, options?: { env?: Record<string, string>; timeout?: number }): Promise<Channel>;
  /** A direct-tcpip channel: the server connects to dstHost:dstPort for us. */
  forwardOut(srcHost: string | null, srcPort: number, dstHost: string, dstPort: number, options?: { timeout?: number }): Promise<Channel>;
  /** A listening server whose connections are piped through direct-tcpip channels. Closed with the client. */
  forwardLocal(options: ForwardLocalOptions): Promise<Server>;
  /** Remote forwarding: the server listens on address:port (0: it chooses); resolves with the bound port. */
  forwardIn(address: string, port: number): Promise<number>;
  /** Stops a remote forwarding (address and bound port). */
  unforwardIn(address: string, port: number): Promise<void>;
  /** Facts about the live connection. */
  info(): TransportInfo;
  /** keepalive@openssh.com every ms (0: off); three unanswered close the client. */
  setKeepalive(ms: number): void;
  /** Sends SSH_MSG_IGNORE. */
  sendIgnore(): Promise<void>;
  /**
   * A connection to a forwardIn port. Call accept() (returns the Channel) or
   * reject(). With no listener, connections are refused.
   */
  on(event: 'tcp connection', listener: (info: TcpConnectionInfo, accept: () => Channel, reject: () => void) => void): this;
  on(event: 'error', listener: (err: SSHError) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  /** Opens an SFTP session on this connection (paramiko's open_sftp). */
  sftp(options?: SFTPOptions): Promise<SFTP>;
  /** Writes the client's (non-system) host keys in known_hosts format. */
  saveHostKeys(path: string): Promise<void>;
  /** The client's own host keys, live: changes count at the next connect. */
  getHostKeys(): HostKeys;
  /** The system host keys (consulted first, never saved), live. */
  getSystemHostKeys(): HostKeys;
  /** Closes the connection and its channels. Idempotent. */
  close(): Promise<void>;
  isActive(): boolean;
  isAuthenticated(): boolean;
}

export type ErrorCode =
  | 'GOSSH_E_INVALID' | 'GOSSH_E_BADHANDLE' | 'GOSSH_E_INTERNAL' | 'GOSSH_E_CONNECT'
  | 'GOSSH_E_TIMEOUT' | 'GOSSH_E_AUTH' | 'GOSSH_E_BADAUTHTYPE' | 'GOSSH_E_PASSWORD_REQUIRED'
  | 'GOSSH_E_HOSTKEY_UNKNOWN' | 'GOSSH_E_HOSTKEY_MISMATCH' | 'GOSSH_E_PROTOCOL'
  | 'GOSSH_E_CLOSED' | 'GOSSH_E_CHANNEL' | 'GOSSH_E_KEY' | 'GOSSH_E_NOT_CONNECTED' | 'GOSSH_E_IO'
  | 'GOSSH_E_SFTP' | 'GOSSH_E_CANCELLED';

/**
 * An SSH key (include/gossh.h, "Keys"): a private key loaded, parsed or
 * generated, or a public key alone. Types: "ssh-rsa",
 * "ecdsa-sha2-nistp256/384/521", "ssh-ed25519", "ssh-dss".
 */
export class Key {
  /** Loads a private key file (OpenSSH, PEM, PKCS#8); rejects with PasswordRequiredError if it is encrypted and no passphrase was given, KeyError if it does not parse or the passphrase is wrong, FileError if unreadable. */
  static fromFile(path: string, passphrase?: string): Promise<Key>;
  /** Parses private key text. */
  static parse(data: string | Buffer, passphrase?: string): Promise<Key>;
  /** A new private key: type 'rsa' | 'ecdsa' | 'ed25519' (default) | 'dsa'; bits 0 = default (RSA 3072, ECDSA 256); RSA 1024..8192. */
  static generate(type?: 'rsa' | 'ecdsa' | 'ed25519' | 'dsa' | string, bits?: number): Promise<Key>;
  /** A public-only key from "type base64 [comment]" text or an SSH wire-format blob. */
  static fromPublic(textOrBlob: string | Buffer | Uint8Array): Key;
  readonly type: string;
  /** RSA modulus bits, ECDSA curve bits, 256 for Ed25519, DSA p bits. */
  readonly bits: number;
  /** "SHA256:..." as ssh-keygen -l prints it. */
  readonly fingerprint: string;
  /** "MD5:aa:bb:..." as ssh-keygen -E md5 -l prints it. */
  readonly md5: string;
  /** "type base64" (no comment). */
  readonly publicText: string;
  /** The public key in SSH wire format. */
  readonly blob: Buffer;
  readonly canSign: boolean;
  /** The attached certificate as "type base64", or null. */
  readonly certificate: string | null;
  /** The SSH signature blob (string algorithm, string signature); RSA defaults to rsa-sha2-512. Throws KeyError for a public-only key. */
  sign(data: Buffer | Uint8Array | string, algorithm?: string): Buffer;
  /** True if signature is this key's signature over data. */
  verify(data: Buffer | Uint8Array | string, signature: Buffer | Uint8Array): boolean;
  /** The private key as OpenSSH-format text, encrypted (bcrypt + aes256-ctr) when passphrase is given. */
  toPrivate(passphrase?: string): Promise<string>;
  /** Writes toPrivate()'s text to path with mode 0600. */
  writePrivateFile(path: string, passphrase?: string): Promise<void>;
  /** Attaches an OpenSSH certificate (text or path); connecting with this key then uses it. Throws KeyError if it is not this key's certificate. */
  loadCertificate(pathOrText: string | Buffer): this;
  equals(other: unknown): boolean;
  /** Releases the native key now (otherwise on garbage collection). */
  free(): void;
}

export class SSHError extends Error {
  /** The GOSSH_E_* name (SFTPError and AbortError use Node's codes here; see gosshCode). */
  code: ErrorCode | string;
  /** The GOSSH_E_* name, always. */
  gosshCode: ErrorCode;
  /** The numeric GOSSH_E_* value (negative); SFTPError: Node's negative errno, as fs errors. */
  errno: number;
  /** The jump host (jump, proxyJump) whose connect failed, as 'user@host:port', if one did. */
  jumpHost?: string;
}
export class InvalidArgumentError extends SSHError {}
export class BadHandleError extends SSHError {}
export class ConnectionError extends SSHError {
  address: string | null;
  /** 'refused', 'unreachable', 'resolve', 'jump' (a jump host could not reach the target), 'proxy_command'. */
  reason: string | null;
}
export class TimeoutError extends SSHError {
  /** connect, banner, auth, read, write or wait. */
  stage: string | null;
}
export class AuthenticationError extends SSHError { allowedTypes: string[]; }
export class BadAuthenticationTypeError extends AuthenticationError {}
export class PasswordRequiredError extends AuthenticationError {}
export class HostKeyError extends SSHError {
  hostname: string | null;
  /** The server's key, "type base64". */
  key: string | null;
}
export class HostKeyMismatchError extends HostKeyError {
  /** The key on record, "type base64" (null when none was expected, e.g. revoked). */
  expectedKey: string | null;
  /** Why: a known host with another key, a @revoked key, a certificate that does not pass, a re-key with another key. */
  reason: 'mismatch' | 'revoked' | 'certificate' | 'changed' | null;
}

/** One host's resolved ssh_config: lower-case keywords; accumulating ones as arrays. */
export interface SSHConfigResult {
  hostname: string;
  identityfile?: string[];
  certificatefile?: string[];
  localforward?: string[];
  remoteforward?: string[];
  dynamicforward?: string[];
  sendenv?: string[];
  [keyword: string]: string | string[] | undefined;
}

/** An OpenSSH client configuration, resolved by libgossh with ssh's rules. */
export class SSHConfig {
  private constructor();
  /** Reads path as `ssh -F path`; with no path, ~/.ssh/config then /etc/ssh/ssh_config. */
  static fromPath(path?: string): Promise<SSHConfig>;
  /** Parses configuration text (relative Includes are under ~/.ssh). */
  static fromText(text: string): SSHConfig;
  /** Resolves host as `ssh [-l user] [-p port] host` would. */
  lookup(host: string, options?: { user?: string; port?: number }): Promise<SSHConfigResult>;
  /** The patterns of every Host line, in the order written. */
  hostnames(): string[];
  /** Releases the native handle now. */
  free(): void;
}

/** A key for HostKeys: "type base64", the key a hostKeyPolicy receives, or a Key. */
export type HostKeyLike = string | { type: string; base64: string } | { readonly publicText: string };

/**
 * The SSH agent at `socket`, else SSH_AUTH_SOCK (as process.env has it when
 * the Agent is made). Each call connects for that call: nothing to close.
 */
export class Agent {
  constructor(socket?: string);
  readonly socket: string | null;
  /** The agent's keys; rejects with ConnectionError (details.reason 'no_agent' or 'agent') without an agent. */
  keys(): Promise<AgentKey[]>;
  /**
   * The agent's signature of data, as the SSH signature blob (string
   * format, string signature). algorithm: the key's own (default; 'ssh-rsa'
   * for RSA), 'rsa-sha2-256' or 'rsa-sha2-512'.
   */
  sign(key: AgentKey | Key | Buffer, data: Buffer | Uint8Array | string, options?: { algorithm?: string }): Promise<Buffer>;
}

/** One key an agent holds. */
export class AgentKey {
  readonly agent: Agent;
  /** 'ssh-ed25519', 'ssh-rsa', ... */
  readonly type: string;
  /** The public key in SSH wire format. */
  readonly blob: Buffer;
  readonly comment: string;
  /** The public key as a Key (verify, bits, ...). */
  readonly key: Key;
  /** 'SHA256:...' */
  readonly fingerprint: string;
  readonly bits: number;
  /** 'type base64 comment', as ssh-add -L prints it. */
  readonly publicText: string;
  sign(data: Buffer | Uint8Array | string, options?: { algorithm?: string }): Promise<Buffer>;
  /** A Key whose private half is the agent's: it logs in as any private key and signs through the agent. */
  toKey(): Key;
}

/** An OpenSSH known_hosts store (patterns, hashed names, @cert-authority, @revoked). */
export class HostKeys {
  constructor();
  /** Merges a known_hosts file in; malformed lines are skipped and logged. */
  load(path: string): Promise<this>;
  /** Writes loaded lines as read (hashed stay hashed), then added ones. */
  save(path: string): Promise<void>;
  /** Records key for hostname ("host" or "[host]:port"), replacing one of the same type. */
  add(hostname: string, key: HostKeyLike): this;
  /** Adds one known_hosts line, markers allowed. */
  addLine(line: string): this;
  /** Forgets hostname's keys (of keyType only, if given); true if something was removed. */
  remove(hostname: string, keyType?: string): boolean;
  clear(): void;
  /** Key type -> "type base64" for the keys recorded for hostname. */
  lookup(hostname: string): Record<string, string>;
  /** True if this store accepts key for hostname; throws KeyError if the key text does not parse. */
  check(hostname: string, key: HostKeyLike): boolean;
  /** Number of entries (lines, markers included). */
  readonly size: number;
  /** Host patterns of the plain lines (hashed entries as "|1|salt|hash"). */
  hostnames(): string[];
  /** The store as known_hosts text. */
  entries(): string;
  static hashHost(hostname: string, salt?: string | null): string;
  free(): void;
}
export class ProtocolError extends SSHError {}
export class ClosedError extends SSHError {}
export class NotConnectedError extends SSHError {}
export class ChannelError extends SSHError {}
export class KeyError extends SSHError {}
/** A local file could not be read or written (GOSSH_E_IO). */
export class FileError extends SSHError {
  code: 'GOSSH_E_IO';
  /** The local path, when the library names it. */
  path: string | null;
  /** 'ENOENT', 'EACCES', ... when the library names it. */
  errnoName: string | null;
}
/**
 * The SFTP server failed a request (GOSSH_E_SFTP), shaped like a Node fs
 * error: `code` 'ENOENT' (etc.) from the library's errno mapping, or
 * 'GOSSH_E_SFTP' when none fits.
 */
export class SFTPError extends SSHError {
  code: 'ENOENT' | 'EACCES' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY' | 'ENOSPC' | 'EOPNOTSUPP' | 'EIO' | 'GOSSH_E_SFTP' | string;
  gosshCode: 'GOSSH_E_SFTP';
  /** The errno name, or null when none fits. */
  errnoName: string | null;
  /** The operation: 'stat', 'open', 'read', 'rename', 'get', 'put', ... */
  syscall: string | null;
  /** The remote path (for get/put: the source). */
  path: string | null;
  /** The second path of two-path operations (rename, symlink, link, copyFile, get, put). */
  dest?: string;
  /** SSH_FX_* status number. */
  sftpStatus: number | null;
  /** 'no_such_file', 'permission_denied', 'failure', 'op_unsupported', 'eof', ... */
  sftpStatusName: string | null;
  /** The server's message text. */
  serverMessage: string | null;
}
/** A transfer stopped by its AbortSignal (GOSSH_E_CANCELLED), as Node's AbortError. */
export class AbortError extends SSHError {
  name: 'AbortError';
  code: 'ABORT_ERR';
  gosshCode: 'GOSSH_E_CANCELLED';
  /** The signal's reason. */
  cause?: unknown;
}

// ------------------------------------------------------------------ SFTP ----

export interface SFTPOptions {
  /** Time limit in ms for opening the session and for each request (default: none; opening then uses connect's channelTimeout). */
  timeout?: number;
  /** SFTP channels a whole-file get/put of 8 MiB or more is split over (library: 1..16, default 4). */
  transferChannels?: number;
  /** Requests in flight per channel for transfers and sequential reads/writes (library: 1..1024, default 80; at most 2.5 MiB per channel for fastGet/fastPut, 4 MiB for a file). */
  maxInflight?: number;
}

/** fs flag strings, or fs.constants.O_* bits. */
export type OpenFlags =
  | 'r' | 'rs' | 'sr' | 'r+' | 'rs+' | 'sr+'
  | 'w' | 'wx' | 'xw' | 'w+' | 'wx+' | 'xw+'
  | 'a' | 'as' | 'sa' | 'ax' | 'xa' | 'a+' | 'as+' | 'sa+' | 'ax+' | 'xa+'
  | number;

/** A mode: a number (0o644) or an octal string ('644'). */
export type Mode = number | string;
/** A time as fs.utimes takes it: a Date, or seconds since the epoch. */
export type TimeLike = Date | number | string;
export type RemotePath = string | Buffer | URL;

/**
 * A remote file's attributes, shaped like fs.Stats. A field the server did
 * not send is undefined (OpenSSH sends them all).
 */
export class Stats {
  /** Type and permission bits (S_IFREG | 0o644). */
  mode: number;
  size: number;
  uid: number;
  gid: number;
  atime: Date;
  mtime: Date;
  atimeMs: number;
  mtimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isBlockDevice(): boolean;
  isCharacterDevice(): boolean;
}

/** A directory entry: fs.Dirent's shape plus SFTP's longname and attributes (as Node ssh2's readdir). */
export class Dirent {
  /** The entry's name (glob: the whole matching path). */
  name: string;
  /** Node ssh2's name for `name`. */
  readonly filename: string;
  /** The directory read (null for glob results). */
  parentPath: string | null;
  /** fs.Dirent's older name for parentPath. */
  path: string | null;
  /** The server's "ls -l" line ('' if it sent none). */
  longname: string;
  attrs: Stats;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isBlockDevice(): boolean;
  isCharacterDevice(): boolean;
}

/** A directory being read (SFTP.opendir), as fs.Dir. `for await` closes it at the end. */
export class Dir implements AsyncIterable<Dirent> {
  readonly path: string;
  /** The next entry, or null at the end. */
  read(): Promise<Dirent | null>;
  close(): Promise<void>;
  [Symbol.asyncIterator](): AsyncIterableIterator<Dirent>;
}

export interface ReadResult<T extends ArrayBufferView = Buffer> { bytesRead: number; buffer: T; }
export interface WriteResult<T = Buffer> { bytesWritten: number; buffer: T; }
/** null (or -1): the file's own offset, which advances; a number: there, the offset unchanged. */
export type Position = number | bigint | null;

export interface ReadFileOptions {
  /** A Buffer encoding: resolve with a string. */
  encoding?: BufferEncoding | null;
  /** Default 'r'. */
  flag?: OpenFlags;
  signal?: AbortSignal;
}
export interface WriteFileOptions {
  encoding?: BufferEncoding | null;
  /** Default 'w' (appendFile: 'a'). */
  flag?: OpenFlags;
  /** For a file it makes; default 0o666 (the server applies its umask). */
  mode?: Mode;
  signal?: AbortSignal;
}
export type WriteFileData = string | ArrayBufferView | Iterable<string | ArrayBufferView> | AsyncIterable<string | ArrayBufferView>;

/** An open remote file, shaped like fs.promises' FileHandle. */
export class FileHandle {
  readonly path: string;
  read<T extends ArrayBufferView = Buffer>(buffer: T, offset?: number | null, length?: number | null, position?: Position): Promise<ReadResult<T>>;
  read<T extends ArrayBufferView = Buffer>(buffer: T, options?: { offset?: number; length?: number; position?: Position }): Promise<ReadResult<T>>;
  read<T extends ArrayBufferView = Buffer>(options?: { buffer?: T; offset?: number; length?: number; position?: Position }): Promise<ReadResult<T>>;
  /** Writes all of it. Sequential writes are pipelined: a failure may come from a later call, sync() or close(). */
  write<T extends ArrayBufferView>(buffer: T, offset?: number | null, length?: number | null, position?: Position): Promise<WriteResult<T>>;
  write(data: string, position?: Position, encoding?: BufferEncoding): Promise<WriteResult<string>>;
  /** The rest of the file from its offset. */
  readFile(options?: { encoding?: null; signal?: AbortSignal } | null): Promise<Buffer>;
  readFile(options: { encoding: BufferEncoding; signal?: AbortSignal } | BufferEncoding): Promise<string>;
  writeFile(data: WriteFileData, options?: { encoding?: BufferEncoding | null; signal?: AbortSignal } | BufferEncoding): Promise<void>;
  appendFile(data: WriteFileData, options?: { encoding?: BufferEncoding | null; signal?: AbortSignal } | BufferEncoding): Promise<void>;
  stat(): Promise<Stats>;
  truncate(len?: number): Promise<void>;
  chmod(mode: Mode): Promise<void>;
  chown(uid: number, gid: number): Promise<void>;
  utimes(atime: TimeLike, mtime: TimeLike): Promise<void>;
  /** Waits until every pipelined write is answered (not in fs: SFTP writes are pipelined); rejects with the first failure. */
  flush(): Promise<void>;
  /** Waits for every pipelined write, then fsync@openssh.com. */
  sync(): Promise<void>;
  datasync(): Promise<void>;
  /** Server-side hash (check-file extension) in hex; SFTPError EOPNOTSUPP without it (OpenSSH). length 0: to the end. */
  checksum(algorithm?: string, range?: { start?: number; length?: number }): Promise<string>;
  /** A ReadStream of this file (start/end as createReadStream); the stream does not close the file. */
  createReadStream(options?: Omit<ReadStreamOptions, 'handle' | 'flags' | 'mode'>): ReadStream;
  /** A WriteStream to this file; the stream does not close the file. */
  createWriteStream(options?: Omit<WriteStreamOptions, 'handle' | 'flags' | 'mode'>): WriteStream;
  /** Moves the offset (whence 0 SEEK_SET, 1 SEEK_CUR, 2 SEEK_END); resolves with the new offset. */
  seek(offset: number, whence?: 0 | 1 | 2): Promise<number>;
  /** Flushes and closes; rejects if any pipelined write failed. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ReadStreamOptions {
  flags?: OpenFlags;
  mode?: Mode;
  /** First byte (default 0). */
  start?: number;
  /** Last byte, inclusive (default: the end of the file). */
  end?: number;
  /** Default 256 KiB; each call reads at least 64 KiB. */
  highWaterMark?: number;
  encoding?: BufferEncoding;
  signal?: AbortSignal;
  /** Read this open file instead (it is not closed by the stream). */
  handle?: FileHandle;
  autoClose?: boolean;
  emitClose?: boolean;
}
/** Writes are gathered into calls of at least 1 MiB (or highWaterMark): a failure may surface at a later write or at the end. */
export interface WriteStreamOptions {
  /** Default 'w'. */
  flags?: OpenFlags;
  /** Default 0o666. */
  mode?: Mode;
  /** Write from this offset. */
  start?: number;
  highWaterMark?: number;
  encoding?: BufferEncoding;
  signal?: AbortSignal;
  /** Write to this open file instead (it is not closed by the stream). */
  handle?: FileHandle;
  autoClose?: boolean;
  emitClose?: boolean;
}

/** A Readable of a remote file (fs.ReadStream's shape). Emits 'open' (FileHandle) and 'ready'. */
export class ReadStream extends Readable {
  readonly path: string;
  bytesRead: number;
  pending: boolean;
  close(callback?: () => void): void;
}
/** A Writable to a remote file (fs.WriteStream's shape). 'finish' comes once the file closed without error. */
export class WriteStream extends Writable {
  readonly path: string;
  bytesWritten: number;
  pending: boolean;
  close(callback?: () => void): void;
}

export interface TransferOptions {
  /** Called with bytes done and the total (the file's size; a tree's total), never decreasing, last with done === total. */
  onProgress?: (done: number, total: number) => void;
  /** Aborts the transfer at its next progress report: rejects with AbortError; no complete-looking file is left. */
  signal?: AbortSignal;
  /** Continue a partial destination from its size. */
  resume?: boolean;
  /** Copy permission bits and times to the destination. */
  preserve?: boolean;
  /** put: stat the remote file afterwards to check its size (default true). */
  verify?: boolean;
  /** Time limit for the whole transfer, ms (default: the session's timeout). */
  timeout?: number;
}

export interface StatFs {
  bsize: number; frsize: number; blocks: number; bfree: number; bavail: number;
  files: number; ffree: number; favail: number; fsid: number | bigint; flag: number; namemax: number;
}

export interface SFTPInfo {
  /** Protocol version (3). */
  version: number;
  /** The server's extensions: name -> data. */
  extensions: Record<string, string>;
  /** Packet payload sizes in use (from limits@openssh.com, else 32 KiB). */
  maxRead: number;
  maxWrite: number;
  /** The user's home directory. */
  home: string;
}

/**
 * An SFTP session (client.sftp()). Methods are named as fs.promises' where
 * they match. Failures of the server are SFTPError (err.code 'ENOENT',
 * ...); after close(), ClosedError.
 */
export class SFTP {
  stat(path: RemotePath): Promise<Stats>;
  lstat(path: RemotePath): Promise<Stats>;
  /** false if the server says the path does not exist (ENOENT). */
  exists(path: RemotePath): Promise<boolean>;
  /** Names ('.' and '..' left out). */
  readdir(path: RemotePath, options?: { withFileTypes?: false; withAttributes?: false }): Promise<string[]>;
  /** Entries with their attributes. */
  readdir(path: RemotePath, options: { withFileTypes: true } | { withAttributes: true }): Promise<Dirent[]>;
  opendir(path: RemotePath): Promise<Dir>;
  /** Matching paths, sorted (*, ? and [...] in any component; a leading '.' only by a '.' in the pattern). */
  glob(pattern: string, options?: { withAttributes?: false }): Promise<string[]>;
  glob(pattern: string, options: { withAttributes: true }): Promise<Dirent[]>;
  /** recursive: make the missing parents, and accept an existing directory. mode default 0o777. */
  mkdir(path: RemotePath, options?: { recursive?: boolean; mode?: Mode } | Mode): Promise<void>;
  rmdir(path: RemotePath): Promise<void>;
  /** recursive: remove a tree (symlinks are removed, never followed); force: a missing path is no error. */
  rm(path: RemotePath, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  unlink(path: RemotePath): Promise<void>;
  /** SFTP rename fails if newPath exists; overwrite: posix-rename@openssh.com replaces it. */
  rename(oldPath: RemotePath, newPath: RemotePath, options?: { overwrite?: boolean }): Promise<void>;
  /** Makes path a symlink to target (fs.symlink's order). */
  symlink(target: RemotePath, path: RemotePath): Promise<void>;
  /** Hard link (hardlink@openssh.com). */
  link(existingPath: RemotePath, newPath: RemotePath): Promise<void>;
  readlink(path: RemotePath): Promise<string>;
  /** Canonical absolute path; '.' (default) is the start directory. */
  realpath(path?: RemotePath): Promise<string>;
  chmod(path: RemotePath, mode: Mode): Promise<void>;
  chown(path: RemotePath, uid: number, gid: number): Promise<void>;
  utimes(path: RemotePath, atime: TimeLike, mtime: TimeLike): Promise<void>;
  truncate(path: RemotePath, len?: number): Promise<void>;
  /** statvfs@openssh.com. */
  statfs(path?: RemotePath): Promise<StatFs>;
  /** Server-side copy (copy-data extension; SFTPError EOPNOTSUPP without it). mode must be 0. */
  copyFile(src: RemotePath, dest: RemotePath, mode?: 0): Promise<void>;
  open(path: RemotePath, flags?: OpenFlags, mode?: Mode): Promise<FileHandle>;
  readFile(path: RemotePath, options?: (ReadFileOptions & { encoding?: null }) | null): Promise<Buffer>;
  readFile(path: RemotePath, options: (ReadFileOptions & { encoding: BufferEncoding }) | BufferEncoding): Promise<string>;
  /** Resolves once the file is closed without error: every byte arrived. */
  writeFile(path: RemotePath, data: WriteFileData, options?: WriteFileOptions | BufferEncoding): Promise<void>;
  appendFile(path: RemotePath, data: WriteFileData, options?: WriteFileOptions | BufferEncoding): Promise<void>;
  createReadStream(path: RemotePath, options?: ReadStreamOptions | BufferEncoding): ReadStream;
  createWriteStream(path: RemotePath, options?: WriteStreamOptions | BufferEncoding): WriteStream;
  /** Downloads a file (pipelined, over several channels for large files); resolves with its size. A failed or aborted download leaves no complete-looking file. */
  fastGet(remotePath: RemotePath, localPath: string | URL, options?: TransferOptions): Promise<number>;
  /** Uploads a file; resolves with its size. */
  fastPut(localPath: string | URL, remotePath: RemotePath, options?: TransferOptions): Promise<number>;
  get(remotePath: RemotePath, localPath: string | URL, options?: TransferOptions): Promise<number>;
  put(localPath: string | URL, remotePath: RemotePath, options?: TransferOptions): Promise<number>;
  /** Mirrors a remote tree into a local directory (files, directories, symlinks). */
  getDir(remotePath: RemotePath, localPath: string | URL, options?: TransferOptions): Promise<void>;
  /** Mirrors a local tree into a remote directory. */
  putDir(localPath: string | URL, remotePath: RemotePath, options?: TransferOptions): Promise<void>;
  /** Extensions, packet sizes, home directory. */
  info(): Promise<SFTPInfo>;
  /** Tuning of later transfers and files (checked by the library: InvalidArgumentError). */
  configure(options: { transferChannels?: number; maxInflight?: number }): this;
  /** Ends the session (open files too; calls in flight end with ClosedError). The client stays connected. Idempotent. */
  close(): Promise<void>;
  /** close(). */
  end(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The module-level logger: every record of every client, at `level` and
 * above (default 'info'). null turns it off. Records are made on libgossh's
 * threads and delivered on the main thread; keep the function quick.
 */
export function setLogger(fn: LogFunction | null, level?: LogLevel): void;

/** libgossh's version string, e.g. "0.1.0". */
export const version: string;
/** The libgossh.so that was loaded. */
export const libraryPath: string;
/** The codes as libgossh numbers them (read from gossh_code_name on first use). */
export const codes: Readonly<Record<'GOSSH_OK' | ErrorCode, number>>;
/** The GOSSH_* name of a numeric code, as libgossh's gossh_code_name() gives it ('GOSSH_E_UNKNOWN' for anything else). */
export function codeName(code: number): 'GOSSH_OK' | ErrorCode | 'GOSSH_E_UNKNOWN';

// ---------------------------------------------------------------- fan-out --

/**
 * Connect options of one host of a Group: Client.connect's, but for what is
 * the group's (known hosts, the host-key policy), the client's own (log,
 * keepalive) or needs a Client (sock, jump); with its name and own command.
 */
export interface GroupHostOptions extends Omit<ConnectOptions,
  'knownHosts' | 'systemKnownHosts' | 'hostKeyPolicy' | 'sock' | 'jump' | 'keepaliveInterval' | 'log' | 'logLevel' | 'logChannel'> {
  /** The host's name in results (default: host; duplicates allowed). */
  name?: string;
  /** runOnHosts: this host runs this command instead. */
  command?: string;
}

export interface GroupOptions {
  /** Hosts worked on at once (default 10). */
  poolSize?: number;
  /** After a host's error no further host is started; those get GOSSH_E_CANCELLED errors. */
  stopOnErrors?: boolean;
  /** Milliseconds for each connect phase, overriding the hosts' longer ones. */
  connectTimeout?: number;
  /** Milliseconds for each command, start to exit status. */
  commandTimeout?: number;
  /** Keep connections for the next run (default true). */
  keepConnections?: boolean;
  /** A known_hosts file for every host (loaded once). */
  knownHosts?: string;
  /** true: ~/.ssh/known_hosts; a string: that file (read-only host keys). */
  systemKnownHosts?: boolean | string;
  /** Default 'reject': an unknown host key is that host's HostKeyError. 'warning' emits a process warning and accepts; a function decides per unknown key (true accepts, not added). */
  hostKeyPolicy?: 'reject' | 'autoadd' | 'warning' | ((hostname: string, key: { type: string; base64: string; fingerprint: string }) => boolean);
}

/** Streamed output of one host. */
export type GroupOutputListener = (index: number, name: string, stream: 'stdout' | 'stderr', chunk: Buffer) => void;

/** One host's outcome of a run. */
export interface GroupResult {
  index: number;
  name: string;
  /** null when the command ran to its end (whatever its exit code); else the error (with `host`). */
  error: (SSHError & { host?: string }) | null;
  /** null when there was an error or no exit status. */
  exitCode: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  /** A connection of an earlier run served this one. */
  reused: boolean;
  /** Milliseconds. */
  connectTime: number;
  runTime: number;
  /** Bytes a put() or get() moved (0 for run()). */
  transferred: number;
}

/** Many hosts that run one command, poolSize at a time, with host keys checked (reject by default). */
export class Group {
  constructor(options?: GroupOptions);
  readonly hosts: string[];
  /** Adds a host; returns its index. */
  addHost(options: GroupHostOptions): number;
  /** Runs command on every host and yields each result as its host finishes. */
  run(command: string, options?: { hostCommands?: Array<string | null>; onOutput?: GroupOutputListener; pty?: boolean }): AsyncGenerator<GroupResult, void, undefined>;
  /** SFTP: local to remote on every host (%h: the host's name, %i: its index, %%: a %); yields each result as its host finishes. */
  put(local: string, remote: string): AsyncGenerator<GroupResult, void, undefined>;
  /** SFTP: remote from every host to local, a file of each host's own (%h or %i); yields each result as its host finishes. */
  get(remote: string, local: string): AsyncGenerator<GroupResult, void, undefined>;
  /** Ends the current run; every host still reports. */
  cancel(): void;
  /** Cancels a run and closes every kept connection. */
  close(): Promise<void>;
}

/** Runs command on every host; resolves with the results in the order of hosts (errors are per host). */
export function runOnHosts(hosts: GroupHostOptions[], command: string, options?: GroupOptions & {
  onOutput?: GroupOutputListener;
  /** Hosts worked on at once (GroupOptions.poolSize). */
  concurrency?: number;
  /** Cancels the run; runOnHosts then rejects with an AbortError whose `results` holds the hosts that had finished. */
  signal?: AbortSignal;
}): Promise<GroupResult[]>;
