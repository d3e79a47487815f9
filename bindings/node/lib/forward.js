'use strict';
// Port forwarding: direct-tcpip channels (forwardOut, forwardLocal) and
// remote forwarding (forwardIn / unforwardIn), as Node ssh2 names them.
//
// Remote forwarding takes connections with gossh_client_accept_forward in a
// loop that keeps ONE call in flight per client, with a bounded timeout
// (within the blocking-wait budget, else polling; see channel.js `waits`),
// only while at least one forwarding is active. Each connection is emitted
// on the client as 'tcp connection' (info, accept, reject).

const net = require('net');
const native = require('./native');
const { ChannelCore, Channel, waits } = require('./channel');
const { SSHError, ClosedError, BadHandleError, InvalidArgumentError } = require('./errors');

const ACCEPT_TIMEOUT_MS = 1000;
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 200;

// client -> { active: number of forwardings the library accepted and has
// not cancelled, loop, pending: Set }. Which forwarding an address and port
// name (and the default address) is the library's to decide.
const state = new WeakMap();

function stateOf(client) {
  let s = state.get(client);
  if (!s) {
    s = { active: 0, loop: null, pending: new Set() };
    state.set(client, s);
    client._onClose(() => {
      for (const h of s.pending) native.fn.gossh_channel_free(h);
      s.pending.clear();
      s.active = 0;
      return s.loop;
    });
  }
  return s;
}

// The type only: the range (0..65535, 1..65535 for a destination) is the
// library's to decide (GOSSH_E_INVALID -> InvalidArgumentError).
function checkPort(port, name) {
  if (!Number.isInteger(port)) throw new TypeError(`${name} must be an integer port number`);
}

function wrapChannel(client, handle, type) {
  const core = new ChannelCore(handle, client, { hasExit: false });
  client._channels.add(core);
  return new Channel(core, { type, session: false });
}

/**
 * A direct-tcpip channel: the server connects to dstHost:dstPort for us.
 * Resolves with a Duplex Channel.
 */
async function forwardOut(client, srcHost, srcPort, dstHost, dstPort, { timeout } = {}) {
  client._checkOpen();
  if (typeof dstHost !== 'string' || !dstHost) throw new TypeError('dstHost must be a host name or address');
  checkPort(dstPort, 'dstPort');
  srcPort = srcPort === undefined || srcPort === null ? 0 : srcPort;
  checkPort(srcPort, 'srcPort');
  const out = [null];
  // No timeout: -1, and the library applies connect's channelTimeout.
  await native.callAsync('gossh_client_open_direct_tcpip', client._handle, dstHost, dstPort,
    srcHost ? String(srcHost) : null, srcPort, timeout === undefined || timeout === null ? -1 : timeout, out);
  if (client._closed) {
    native.fn.gossh_channel_free(out[0]);
    throw new ClosedError('the client is closed', 'GOSSH_E_CLOSED');
  }
  return wrapChannel(client, out[0], 'direct-tcpip');
}

/**
 * A local listener: each connection to localHost:localPort is piped through
 * a new direct-tcpip channel to dstHost:dstPort. Resolves with the listening
 * net.Server (close it to stop; closing the client closes it too).
 */
async function forwardLocal(client, options = {}) {
  client._checkOpen();
  const { localHost = '127.0.0.1', localPort = 0, dstHost, dstPort, timeout } = options || {};
  // localPort is this process's own listener: Node's range, checked here.
  if (!Number.isInteger(localPort) || localPort < 0 || localPort > 65535) {
    throw new TypeError('localPort must be an integer port 0..65535');
  }
  if (typeof dstHost !== 'string' || !dstHost) throw new TypeError('dstHost must be a host name or address');
  checkPort(dstPort, 'dstPort');
  // No connection reaches the library before the listener is up, so the
  // destination is checked now, with the library's rule and error
  // (core/transport.go OpenDirectTCPIP: 1..65535, GOSSH_E_INVALID).
  if (dstPort < 1 || dstPort > 65535) {
    throw new InvalidArgumentError('the destination port must be in 1..65535', 'GOSSH_E_INVALID');
  }
  const sockets = new Set();
  // allowHalfOpen: a peer that half-closes still gets the whole answer.
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    forwardOut(client, socket.remoteAddress, socket.remotePort, dstHost, dstPort, { timeout }).then((ch) => {
      if (socket.destroyed) { ch.destroy(); return; }
      ch.on('error', (e) => { socket.destroy(); server.emit('forwardError', e, socket); });
      socket.on('error', () => ch.destroy());
      socket.on('close', () => { if (!ch.destroyed) ch.destroy(); });
      socket.pipe(ch);
      ch.pipe(socket);
      socket.resume();
    }, (e) => {
      socket.destroy();
      server.emit('forwardError', e, socket);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(localPort, localHost, () => { server.off('error', reject); resolve(); });
  });
  client._onClose(() => {
    server.close();
    for (const s of sockets) s.destroy();
  });
  return server;
}

/**
 * Remote forwarding: asks the server to listen on address:port (port 0: the
 * server chooses) and resolves with the bound port. Connections arrive as
 * 'tcp connection' events on the client.
 */
async function forwardIn(client, address, port) {
  client._checkOpen();
  address = address === undefined || address === null ? '' : String(address);
  checkPort(port, 'port');
  const bound = [0];
  await native.callAsync('gossh_client_request_port_forward', client._handle, address, port, bound);
  const s = stateOf(client);
  s.active += 1;
  if (!s.loop) s.loop = acceptLoop(client, s).finally(() => { s.loop = null; });
  return bound[0];
}

/** Stops a remote forwarding made with forwardIn (the address and the bound port). */
async function unforwardIn(client, address, port) {
  client._checkOpen();
  address = address === undefined || address === null ? '' : String(address);
  checkPort(port, 'port');
  await native.callAsync('gossh_client_cancel_port_forward', client._handle, address, port);
  // The library cancelled one forwarding (it refuses an unknown one).
  const s = stateOf(client);
  s.active = Math.max(0, s.active - 1);
}

function dispatch(client, s, handle) {
  const info = (name) => {
    const out = [null];
    try { native.callSync('gossh_channel_info', handle, name, out); } catch (_) { return ''; }
    return native.takeString(out[0]) || '';
  };
  const details = {
    srcIP: info('origin_host'), srcPort: Number(info('origin_port')),
    destIP: info('dest_host'), destPort: Number(info('dest_port')),
  };
  s.pending.add(handle);
  let decided = false;
  const accept = () => {
    if (decided) throw new Error('this connection was already accepted or rejected');
    decided = true;
    s.pending.delete(handle);
    if (client._closed) {
      native.fn.gossh_channel_free(handle);
      throw new ClosedError('the client is closed', 'GOSSH_E_CLOSED');
    }
    return wrapChannel(client, handle, 'forwarded-tcpip');
  };
  const reject = () => {
    if (decided) return;
    decided = true;
    s.pending.delete(handle);
    native.fn.gossh_channel_free(handle);
  };
  if (client.listenerCount('tcp connection') === 0) {
    reject();
    return;
  }
  try {
    client.emit('tcp connection', details, accept, reject);
  } catch (e) {
    reject();
    throw e;
  }
}

async function acceptLoop(client, s) {
  const out = [null];
  let backoff = 0;
  while (!client._closed && s.active > 0) {
    const blocking = waits.tryAcquire();
    let got = false;
    try {
      out[0] = null;
      await native.callAsync('gossh_client_accept_forward', client._handle, blocking ? ACCEPT_TIMEOUT_MS : 0, out);
      got = true;
    } catch (e) {
      if (client._closed || e instanceof ClosedError || e instanceof BadHandleError) break;
      if (!(e instanceof SSHError && e.code === 'GOSSH_E_TIMEOUT')) {
        if (client.listenerCount('error') > 0) client.emit('error', e);
        break;
      }
    } finally {
      if (blocking) waits.release();
    }
    if (got) {
      backoff = 0;
      if (client._closed) { native.fn.gossh_channel_free(out[0]); break; }
      try {
        dispatch(client, s, out[0]);
      } catch (e) {
        process.nextTick(() => { throw e; }); // a throwing listener, as with any event
      }
    } else if (!blocking) {
      backoff = backoff ? Math.min(backoff * 2, POLL_MAX_MS) : POLL_MIN_MS;
      await new Promise((r) => setTimeout(r, backoff));
    }
  }
}

module.exports = { forwardOut, forwardLocal, forwardIn, unforwardIn };
