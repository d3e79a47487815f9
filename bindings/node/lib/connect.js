'use strict';
// What connect() runs over, besides its own TCP connection: the one library
// call for each kind of transport. No SSH logic: the library checks every
// host key, runs proxy commands and jump hosts, and holds the timeouts.
//
//   proxyCommand: '...'      the proxy_command option (run by the library)
//   proxyJump: 'u@h:p,...'   the proxy_jump option (hops made by the library)
//   jump: [hop, ...]         each hop a connected Client (used, not owned) or
//                            connect() options for a new one (owned: closed
//                            with this client); each connects through the one
//                            before with gossh_client_connect_via, and this
//                            client through the last
//   sock: <Duplex>           any stream: bridged through a socket pair whose
//                            other end the library holds (gossh_client_connect_fd)

const fs = require('fs');
const net = require('net');
const { Duplex } = require('stream');
const native = require('./native');
const { InvalidArgumentError } = require('./errors');
const { openPending } = require('./pending');

/** Sets the options that the library acts on by itself. */
function setProxyOptions(o, set) {
  if (o.proxyCommand !== undefined && o.proxyCommand !== null) {
    if (typeof o.proxyCommand !== 'string') throw new TypeError('proxyCommand must be a string');
    set('proxy_command', o.proxyCommand);
  }
  if (o.proxyJump !== undefined && o.proxyJump !== null) {
    if (typeof o.proxyJump !== 'string') throw new TypeError("proxyJump must be a string ('user@host:port,...')");
    set('proxy_jump', o.proxyJump);
  }
  const ways = ['sock', 'jump', 'proxyCommand', 'proxyJump'].filter((k) => o[k] !== undefined && o[k] !== null);
  if (ways.length > 1) {
    throw new InvalidArgumentError(`connect(): ${ways.join(' and ')} cannot be combined; use one`, 'GOSSH_E_INVALID');
  }
  if (o.sock !== undefined && o.sock !== null && !(o.sock instanceof Duplex)) {
    throw new TypeError('sock must be a Duplex stream (a net.Socket, a Channel, ...)');
  }
  if (o.jump !== undefined && o.jump !== null && (!Array.isArray(o.jump) || o.jump.length === 0)) {
    throw new TypeError('jump must be a non-empty array of Clients or connect() options');
  }
}

// What a hop made from options takes from the target's options unless it
// says otherwise: authentication, host keys and timeouts (as ssh -J).
const INHERITED = ['privateKey', 'password', 'passphrase', 'agent', 'lookForKeys', 'knownHosts',
  'systemKnownHosts', 'hostKeyPolicy', 'timeout', 'bannerTimeout', 'authTimeout', 'log', 'logLevel'];

/**
 * Connects client's handle h with the options handle opts over what o
 * names. Resolves when connected.
 */
async function connectOver(client, h, opts, o) {
  if (o.sock) return connectSock(client, h, opts, o.sock);
  if (o.jump) return connectJump(client, h, opts, o);
  await openPending('gossh_client_connect_pending', h, opts);
}

async function connectJump(client, h, opts, o) {
  const { Client } = require('./client');
  let via = null;
  const owned = [];
  const closeOwned = () => Promise.all(owned.reverse().map((c) => c.close().catch(() => {})));
  try {
    for (const hop of o.jump) {
      if (hop instanceof Client) {
        if (!hop.isActive()) throw new InvalidArgumentError('jump: a Client in the list is not connected', 'GOSSH_E_INVALID');
        via = hop;
        continue;
      }
      if (!hop || typeof hop !== 'object') throw new TypeError('jump: each hop must be a Client or connect() options');
      const hopOptions = {};
      for (const k of INHERITED) if (o[k] !== undefined) hopOptions[k] = o[k];
      Object.assign(hopOptions, hop);
      for (const k of ['sock', 'jump', 'proxyCommand', 'proxyJump']) delete hopOptions[k];
      const c = new Client();
      owned.push(c);
      if (via) hopOptions._via = via;
      await c.connect(hopOptions);
      via = c;
    }
    await openPending('gossh_client_connect_via_pending', h, via._handle, opts);
  } catch (e) {
    await closeOwned();
    throw e;
  }
  client._onClose(closeOwned);
}

async function connectSock(client, h, opts, sock) {
  const fds = Buffer.alloc(8);
  native.callSync('gossh_socketpair', fds);
  const ours = new net.Socket({ fd: fds.readInt32LE(0), readable: true, writable: true });
  const theirs = fds.readInt32LE(4);
  const end = () => {
    ours.destroy();
    if (!sock.destroyed) sock.destroy();
  };
  ours.on('error', end);
  sock.on('error', end);
  ours.on('close', end);
  sock.on('close', end);
  sock.pipe(ours);
  ours.pipe(sock);
  try {
    // The library duplicates theirs when the call starts; the connect
    // itself runs in the library, not on libuv's pool.
    await openPending('gossh_client_connect_fd_pending', h, theirs, opts);
  } catch (e) {
    end();
    throw e;
  } finally {
    fs.closeSync(theirs); // the library holds its own duplicate
  }
  client._onClose(end);
}

module.exports = { setProxyOptions, connectOver };
