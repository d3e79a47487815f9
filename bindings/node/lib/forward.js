'use strict';
// Port forwarding: direct-tcpip channels (forwardOut, forwardLocal) and
// remote forwarding (forwardIn / unforwardIn), as Node ssh2 names them.
//
// Remote forwarding takes connections with gossh_client_accept_forward of
// timeout 0 in a loop that runs only while at least one forwarding is
// active: the client is watched (gossh_client_watch_forwards), so after a
// GOSSH_E_TIMEOUT the loop sleeps until the library's readiness record for
// the client (lib/events.js) says a connection arrived or the connection
// ended. Each connection is emitted on the client as 'tcp connection'
// (info, accept, reject).

const net = require('net');
const native = require('./native');
const { ChannelCore, Channel } = require('./channel');
const events = require('./events');
const { openPending } = require('./pending');
const { SSHError, ClosedError, BadHandleError, InvalidArgumentError } = require('./errors');

// client -> { active: number of forwardings the library accepted and has
// not cancelled, loop, pending: Set, waiter, events, key }. Which forwarding
// an address and port name (and the default address) is the library's to decide.
const state = new WeakMap();

function stateOf(client) {
  let s = state.get(client);
  if (!s) {
    s = { active: 0, loop: null, pending: new Set(), waiter: null, events: 0, key: null };
    state.set(client, s);
    client._onClose(() => {
      for (const h of s.pending) native.fn.gossh_channel_free(h);
      s.pending.clear();
      s.active = 0;
      wakeAccept(s);
      return s.loop;
    });
  }
  return s;
}

/** A readiness record for the client, or our own reason to look again. */
function wakeAccept(s) {
  s.events++;
  const w = s.waiter;
  s.waiter = null;
  if (w) w();
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
  // No timeout: -1, and the library applies connect's channelTimeout.
  const handle = await openPending('gossh_client_open_direct_tcpip_pending', client._handle, dstHost, dstPort,
    srcHost ? String(srcHost) : null, srcPort, timeout === undefined || timeout === null ? -1 : timeout);
  if (client._closed) {
    native.fn.gossh_channel_free(handle);
    throw new ClosedError('the client is closed', 'GOSSH_E_CLOSED');
  }
  return wrapChannel(client, handle, 'direct-tcpip');
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
  const s = stateOf(client);
  // The library cancelled one forwarding (it refuses an unknown one).
  s.active = Math.max(0, s.active - 1);
  if (s.active === 0) wakeAccept(s); // the loop ends
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
  events.hold(); // as a listening server does, active forwardings keep the process alive
  try {
    if (s.key === null) {
      s.key = events.register(client._handle, { onEvent: () => wakeAccept(s) });
      client._onClose(() => events.unregister(s.key));
      await native.callAsync('gossh_client_watch_forwards', client._handle);
    }
    while (!client._closed && s.active > 0) {
      const seen = s.events;
      let got = false;
      try {
        out[0] = null;
        got = await native.callNoWait('gossh_client_accept_forward', client._handle, 0, out);
      } catch (e) {
        if (client._closed || e instanceof ClosedError || e instanceof BadHandleError) break;
        if (client.listenerCount('error') > 0) client.emit('error', e);
        break;
      }
      if (got) {
        if (client._closed) { native.fn.gossh_channel_free(out[0]); break; }
        try {
          dispatch(client, s, out[0]);
        } catch (e) {
          process.nextTick(() => { throw e; }); // a throwing listener, as with any event
        }
      } else if (s.events === seen) {
        // Armed: the next record (a connection, or the end) wakes us.
        await new Promise((resolve) => { s.waiter = resolve; });
      }
    }
  } catch (e) {
    if (!client._closed && client.listenerCount('error') > 0) client.emit('error', e);
  } finally {
    events.drop();
  }
}

module.exports = { forwardOut, forwardLocal, forwardIn, unforwardIn };
