'use strict';
// Session channels: Client.exec/spawn (with pty or env), shell() and
// subsystem() pass the caller's options into a gossh_session_spec and start
// the session with one call, gossh_client_start. The library makes the
// requests (pty, env sorted by name, then exec, shell or subsystem), checks
// the values, and applies connect's channelTimeout when no timeout is given.

const native = require('./native');
const { ChannelCore, Process, Channel, runToCompletion } = require('./channel');
const { ClosedError } = require('./errors');
const { openPending } = require('./pending');

// pty option -> spec field.
const PTY_FIELDS = { term: 'term', cols: 'cols', rows: 'rows', width: 'width_pixels', height: 'height_pixels' };

/** The spec's fields for the `pty` option: true, or { term, cols, rows, width, height }. */
function ptyFields(pty) {
  if (pty === true) pty = {};
  if (!pty || typeof pty !== 'object') throw new TypeError('pty must be true or { term, cols, rows, width, height }');
  const fields = [['pty', '1']];
  for (const [k, name] of Object.entries(PTY_FIELDS)) {
    const v = pty[k];
    if (v === undefined || v === null) continue;
    // The range (0..65535) is the library's to decide: InvalidArgumentError.
    if (k !== 'term' && !Number.isInteger(v)) throw new TypeError(`pty.${k} must be an integer`);
    fields.push([name, String(v)]);
  }
  return fields;
}

function envEntries(env) {
  if (env === undefined || env === null) return [];
  if (typeof env !== 'object') throw new TypeError('env must be an object of name: value');
  return Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]);
}

/**
 * Starts a session channel on `client` from spec `fields` ([name, value]),
 * `env` and `timeout` (ms; none: connect's channelTimeout). Returns the
 * ChannelCore, registered with the client.
 */
async function start(client, fields, { env, timeout } = {}) {
  client._checkOpen();
  const vars = envEntries(env);
  // The value is the library's to check (InvalidArgumentError).
  if (timeout !== undefined && timeout !== null) fields.push(['timeout', String(timeout)]);
  const specOut = [null];
  native.callSync('gossh_session_spec_new', specOut);
  const spec = specOut[0];
  let opening;
  try {
    for (const [name, value] of fields) native.callSync('gossh_session_spec_set', spec, name, value);
    for (const [name, value] of vars) native.callSync('gossh_session_spec_set_env', spec, name, value);
    opening = openPending('gossh_client_start_pending', client._handle, spec); // copies spec
  } finally {
    native.fn.gossh_session_spec_free(spec);
  }
  const handle = await opening;
  if (client._closed) {
    native.fn.gossh_channel_free(handle);
    throw new ClosedError('the client is closed', 'GOSSH_E_CLOSED');
  }
  const core = new ChannelCore(handle, client);
  client._channels.add(core);
  return core;
}

/** exec (with or without pty/env): the ChannelCore of a running command. */
function openExec(client, command, { pty, env, timeout, forwardAgent } = {}) {
  if (typeof command !== 'string') throw new TypeError('command must be a string');
  const fields = [['command', command]];
  if (forwardAgent) fields.push(['forward_agent', '1']);
  if (pty !== undefined && pty !== null && pty !== false) fields.push(...ptyFields(pty));
  return start(client, fields, { env, timeout });
}

/** Client.exec: runs to completion. */
async function execWith(client, command, { stdin, encoding = 'utf8', timeout, pty, env, forwardAgent } = {}) {
  const started = Date.now();
  const core = await openExec(client, command, { pty, env, timeout, forwardAgent });
  const left = timeout === undefined || timeout === null ? undefined : Math.max(0, timeout - (Date.now() - started));
  return runToCompletion(core, { stdin, encoding, timeout: left });
}

/** Client.spawn. */
async function spawnWith(client, command, options = {}) {
  const core = await openExec(client, command, options || {});
  return new Process(core, command);
}

/**
 * Client.shell(): a login shell as a Duplex Channel, with a pty unless
 * `pty: false`. Options: term, cols, rows, width, height, env, timeout.
 */
async function shell(client, options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('shell(options): options must be an object');
  const { term, cols, rows, width, height, env, timeout, forwardAgent } = options;
  let pty = options.pty;
  if (pty === undefined) pty = true;
  if (pty === true) pty = { term, cols, rows, width, height };
  const fields = [['shell', '1']];
  if (forwardAgent) fields.push(['forward_agent', '1']);
  if (pty) fields.push(...ptyFields(pty));
  const core = await start(client, fields, { env, timeout });
  return new Channel(core, { type: 'session' });
}

/** Client.subsystem(name): a subsystem ("sftp", "netconf", ...) as a Duplex Channel. */
async function subsystem(client, name, options = {}) {
  if (typeof name !== 'string' || !name) throw new TypeError('subsystem name must be a non-empty string');
  const { env, timeout } = options || {};
  const core = await start(client, [['subsystem', name]], { env, timeout });
  return new Channel(core, { type: 'session' });
}

module.exports = { openExec, execWith, spawnWith, shell, subsystem };
