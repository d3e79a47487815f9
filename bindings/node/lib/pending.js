'use strict';
// Connecting and opening a channel without a thread (gossh.h "Opening in
// the background"): the library runs the call and writes the pending's
// handle to the readiness pipe (lib/events.js) when it has finished; then
// gossh_pending_take hands over the channel (none for a connect) or the
// call's error. So a
// hundred concurrent execs or forwardOut()s are a hundred opens in flight
// at once, not four at a time on libuv's pool (which they also no longer
// take from the program's fs, dns and crypto work).

const native = require('./native');
const events = require('./events');

/**
 * Calls `name` (a gossh_*_pending function) with `args` and resolves with
 * the channel handle the call gave (null for a connect), or rejects with
 * its translated error.
 * Bad arguments throw at once, as the call returns them.
 */
function openPending(name, ...args) {
  const out = [null];
  native.callSync(name, ...args, out);
  return settled(out[0]);
}

/**
 * Resolves with the channel handle pending p gave (null if none) when its
 * record comes, or rejects with its error; frees p.
 */
function settled(p) {
  return new Promise((resolve, reject) => {
    let key = null;
    events.hold();
    key = events.register(p, {
      onEvent() {
        const done = [0];
        const ch = [null];
        const err = [null];
        const rc = native.fn.gossh_pending_take(p, done, ch, err);
        if (!done[0]) { // not finished (its record comes only when it is): wait on
          native.takeError(0, err);
          return;
        }
        events.unregister(key);
        events.drop();
        native.fn.gossh_pending_free(p);
        const e = native.takeError(rc, err);
        if (e) reject(e); else resolve(ch[0]);
      },
    });
  });
}

/**
 * callAsync's twin without a thread (gossh.h "SFTP in the background"):
 * runs `name` through its _pending twin, with the same arguments (the
 * out-parameters, one-element arrays or objects, are filled in when it
 * resolves), and resolves with 0 or rejects with the call's error. The
 * out-parameters live in memory allocated here until the record comes;
 * buffers in `args` are kept alive by this call's closure meanwhile. With a
 * library that has no twin for `name`, it is callAsync.
 */
async function callPending(name, ...args) {
  const twin = `${name}_pending`;
  const outs = native.pendingOuts[twin];
  if (!outs) return native.callAsync(name, ...args);
  const mem = outs.map((o) => native.koffi.alloc(o.type, 1));
  try {
    const call = args.slice();
    outs.forEach((o, i) => { call[o.index] = mem[i]; });
    const pending = [null];
    native.callSync(twin, ...call, pending);
    await settled(pending[0]);
    outs.forEach((o, i) => {
      // As an array of one: koffi tags a pointer read that way with its
      // type (a plain decode gives an untagged External that typed
      // parameters refuse).
      const v = native.koffi.decode(mem[i], o.type, 1)[0];
      const slot = args[o.index];
      if (Array.isArray(slot)) slot[0] = v;
      else if (slot && typeof slot === 'object') Object.assign(slot, v);
    });
    return 0;
  } finally {
    for (const m of mem) native.koffi.free(m);
  }
}

module.exports = { openPending, callPending };
