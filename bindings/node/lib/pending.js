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
  const p = out[0];
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

module.exports = { openPending };
