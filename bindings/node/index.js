'use strict';
// gossh for Node: an SSH client on libgossh (Go's x/crypto/ssh) through koffi.
//
// Calls into the library run on libuv's thread pool (koffi `.async`), but
// none of them waits there for channel data: channels wake on readiness
// events from the library (lib/events.js) and then read without waiting.
// The pool's size (UV_THREADPOOL_SIZE) is left as the user set it.

const native = require('./lib/native');
const errors = require('./lib/errors');
const { Client } = require('./lib/client');
const { Process, Channel } = require('./lib/channel');
const { setLogger } = require('./lib/log');
const { Key } = require('./lib/keys');
const { HostKeys } = require('./lib/hostkeys');
const { Agent, AgentKey } = require('./lib/agent');
const { SSHConfig } = require('./lib/sshconfig');
const sftp = require('./lib/sftp');
const { Group, runOnHosts } = require('./lib/group');

module.exports = {
  Client,
  Process,
  Channel,
  Key,
  HostKeys,
  Agent,
  AgentKey,
  SSHConfig,
  Group,
  runOnHosts,
  SFTP: sftp.SFTP,
  FileHandle: sftp.FileHandle,
  Dir: sftp.Dir,
  Dirent: sftp.Dirent,
  Stats: sftp.Stats,
  ReadStream: sftp.ReadStream,
  WriteStream: sftp.WriteStream,
  setLogger,
  version: native.version,
  libraryPath: native.libraryPath,
  get codes() { return errors.CODES; }, // read from libgossh (gossh_code_name) on first use
  codeName: errors.codeName,
  SSHError: errors.SSHError,
  InvalidArgumentError: errors.InvalidArgumentError,
  BadHandleError: errors.BadHandleError,
  ConnectionError: errors.ConnectionError,
  TimeoutError: errors.TimeoutError,
  AuthenticationError: errors.AuthenticationError,
  BadAuthenticationTypeError: errors.BadAuthenticationTypeError,
  PasswordRequiredError: errors.PasswordRequiredError,
  HostKeyError: errors.HostKeyError,
  HostKeyMismatchError: errors.HostKeyMismatchError,
  ProtocolError: errors.ProtocolError,
  ClosedError: errors.ClosedError,
  NotConnectedError: errors.NotConnectedError,
  ChannelError: errors.ChannelError,
  KeyError: errors.KeyError,
  FileError: errors.FileError,
  SFTPError: errors.SFTPError,
  AbortError: errors.AbortError,
};
