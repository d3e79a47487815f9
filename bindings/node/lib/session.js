'use strict';
// Session channels step by step (gossh.h "Session channels step by step"):
// open_session, then request_pty / set_env, then exactly one of exec, shell
// or subsystem. Used by Client.exec/spawn (with pty or env), shell() and
// subsystem(). Every step is an asynchronous call with what is left of the
// time limit.

const native = require('./native');
const { ChannelCore, Process, Channel, runToCompletion } = require('./channel');
const { ClosedError, InvalidArgumentError } = require('./errors');

/** A deadline helper: `left()` is the time_ms to pass to the next step (-1: no limit). */
function deadline(ms, name = 'timeout') {
  if (ms === undefined || ms === null) return { left: () => -1, limited: false };
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative number of milliseconds`, 'GOSSH_E_INVALID');
  }
  const end = Date.now() + ms;
  // 0 would not wait at all (the library's one timeout rule), so never pass 0.
  return { left: () => Math.max(1, Math.round(end - Date.now())), limited: true };
}

/** Normalises the `pty` option: true, or { term, cols, rows, width, height }. */
function ptyOptions(pty) {
  if (pty === true) pty = {};
  if (!pty || typeof pty !== 'object') throw new TypeError('pty must be true or { term, cols, rows, width, height }');
  const p = {
    term: pty.term === undefined || pty.term === null ? 'vt100' : String(pty.term),
    cols: pty.cols === undefined ? null : pty.cols,
    rows: pty.rows === undefined ? null : pty.rows,
    width: pty.width === undefined ? null : pty.width,
    height: pty.height === undefined ? null : pty.height,
  };
  for (const k of ['cols', 'rows', 'width', 'height']) {
    if (p[k] === null) p[k] = k === 'cols' ? 80 : k === 'rows' ? 24 : 0;
    // The range (0..65535) is the library's to decide: InvalidArgumentError.
    if (!Number.isInteger(p[k])) throw new TypeError(`pty.${k} must be an integer`);
  }
  return p;
}

function envEntries(env) {
  if (env === undefined || env === null) return [];
  if (typeof env !== 'object') throw new TypeError('env must be an object of name: value');
  return Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]);
}

/**
 * Opens a session channel on `client`, applies `pty` and `env`, then runs
 * `start(handle, timeoutMs)` (exec, shell or subsystem). Returns the
 * ChannelCore, registered with the client. On failure the channel is freed.
 */
async function openSession(client, { pty, env, timeout } = {}, start) {
  client._checkOpen();
  const p = pty ? ptyOptions(pty) : null;
  const vars = envEntries(env);
  const dl = deadline(timeout === undefined || timeout === null ? client._channelTimeout : timeout);
  const out = [null];
  await native.callAsync('gossh_client_open_session', client._handle, dl.left(), out);
  const h = out[0];
  try {
    if (client._closed) throw new ClosedError('the client is closed', 'GOSSH_E_CLOSED');
    if (p) {
      await native.callAsync('gossh_channel_request_pty', h, p.term, p.cols, p.rows, p.width, p.height, dl.left());
    }
    for (const [name, value] of vars) {
      await native.callAsync('gossh_channel_set_env', h, name, value, dl.left());
    }
    await start(h, dl.left());
    if (client._closed) throw new ClosedError('the client is closed', 'GOSSH_E_CLOSED');
  } catch (e) {
    native.fn.gossh_channel_free(h);
    throw e;
  }
  const core = new ChannelCore(h, client);
  client._channels.add(core);
  return core;
}

/** exec with pty/env: the ChannelCore of a running command. */
function openExec(client, command, options) {
  if (typeof command !== 'string') throw new TypeError('command must be a string');
  return openSession(client, options, (h, t) => native.callAsync('gossh_channel_exec', h, command, t));
}

/** Client.exec with { pty, env }: runs to completion, as exec without them. */
async function execWith(client, command, { stdin, encoding = 'utf8', timeout, pty, env } = {}) {
  const started = Date.now();
  const core = await openExec(client, command, { pty, env, timeout });
  const left = timeout === undefined || timeout === null ? undefined : Math.max(0, timeout - (Date.now() - started));
  return runToCompletion(core, { stdin, encoding, timeout: left });
}

/** Client.spawn with { pty, env }. */
async function spawnWith(client, command, options = {}) {
  const core = await openExec(client, command, options);
  return new Process(core, command);
}

/**
 * Client.shell(): a login shell as a Duplex Channel, with a pty unless
 * `pty: false`. Options: term, cols, rows, width, height, env, timeout.
 */
async function shell(client, options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('shell(options): options must be an object');
  const { term, cols, rows, width, height, env, timeout } = options;
  let pty = options.pty;
  if (pty === undefined) pty = true;
  if (pty === true) pty = { term, cols, rows, width, height };
  const core = await openSession(client, { pty: pty || null, env, timeout },
    (h, t) => native.callAsync('gossh_channel_shell', h, t));
  return new Channel(core, { type: 'session' });
}

/** Client.subsystem(name): a subsystem ("sftp", "netconf", ...) as a Duplex Channel. */
async function subsystem(client, name, options = {}) {
  if (typeof name !== 'string' || !name) throw new TypeError('subsystem name must be a non-empty string');
  const { env, timeout } = options || {};
  const core = await openSession(client, { env, timeout },
    (h, t) => native.callAsync('gossh_channel_subsystem', h, name, t));
  return new Channel(core, { type: 'session' });
}

module.exports = { openSession, openExec, execWith, spawnWith, shell, subsystem, deadline, ptyOptions };
