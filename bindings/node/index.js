'use strict';
// gossh for Node: an SSH client on libgossh (Go's x/crypto/ssh) through koffi.
//
// Blocking work runs on libuv's thread pool (koffi `.async`). Each running
// command keeps one pool thread busy while it waits for output, so the pool
// is enlarged here to 16 threads unless UV_THREADPOOL_SIZE is already set.
// This only takes effect if nothing has used the pool yet when gossh is
// first required (libuv reads the variable once, when the pool starts); for
// certainty set UV_THREADPOOL_SIZE in the environment before starting node.
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '16';

const native = require('./lib/native');
const errors = require('./lib/errors');
const { Client } = require('./lib/client');
const { Process, Channel } = require('./lib/channel');
const { setLogger } = require('./lib/log');
const { Key } = require('./lib/keys');
const { HostKeys } = require('./lib/hostkeys');

module.exports = {
  Client,
  Process,
  Channel,
  Key,
  HostKeys,
  setLogger,
  version: native.version,
  libraryPath: native.libraryPath,
  codes: errors.CODES,
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
};
