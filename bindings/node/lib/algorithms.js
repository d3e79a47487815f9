'use strict';
// connect()'s algorithm options, passed to the library as its text options
// (which check every name: InvalidArgumentError for one it does not
// implement).
//
//   algorithms: { cipher, kex, serverHostKey, hmac, pubkey }   (ssh2's names,
//       pubkey added): each an array (or comma string) of names, the
//       explicit list in order of preference, or { remove: [...] } to drop
//       names from the defaults
//   disabledAlgorithms: { ciphers, macs, keys, pubkeys, kex }  paramiko's
//       disabled_algorithms (keys: host keys; pubkeys: user-key signatures)

// ssh2 name -> [explicit-list option, disabled_algorithms category]
const CATEGORIES = {
  cipher: ['ciphers', 'ciphers'],
  kex: ['kex', 'kex'],
  serverHostKey: ['host_key_algorithms', 'keys'],
  hmac: ['macs', 'macs'],
  pubkey: ['pubkey_algorithms', 'pubkeys'],
};
const DISABLED = ['ciphers', 'macs', 'keys', 'pubkeys', 'kex'];

function names(v, what) {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((n) => typeof n === 'string')) return v.join(',');
  throw new TypeError(`${what} must be an array of algorithm names`);
}

function setAlgorithmOptions(o, set) {
  const disabled = {};
  const addDisabled = (cat, v, what) => {
    const list = names(v, what);
    if (list) disabled[cat] = (disabled[cat] ? disabled[cat] + ',' : '') + list;
  };
  if (o.algorithms !== undefined && o.algorithms !== null) {
    if (typeof o.algorithms !== 'object') throw new TypeError('algorithms must be an object such as { cipher: [...] }');
    for (const [k, v] of Object.entries(o.algorithms)) {
      if (v === undefined || v === null) continue;
      const c = CATEGORIES[k];
      if (!c) throw new TypeError(`algorithms.${k}: unknown; the keys are ${Object.keys(CATEGORIES).join(', ')}`);
      if (typeof v === 'object' && !Array.isArray(v)) {
        const extra = Object.keys(v).filter((x) => x !== 'remove');
        if (extra.length) throw new TypeError(`algorithms.${k}: only { remove: [...] } or an array is supported`);
        addDisabled(c[1], v.remove, `algorithms.${k}.remove`);
      } else {
        set(c[0], names(v, `algorithms.${k}`));
      }
    }
  }
  if (o.disabledAlgorithms !== undefined && o.disabledAlgorithms !== null) {
    if (typeof o.disabledAlgorithms !== 'object') throw new TypeError('disabledAlgorithms must be an object such as { ciphers: [...] }');
    for (const [k, v] of Object.entries(o.disabledAlgorithms)) {
      if (!DISABLED.includes(k)) throw new TypeError(`disabledAlgorithms.${k}: unknown; the categories are ${DISABLED.join(', ')}`);
      addDisabled(k, v, `disabledAlgorithms.${k}`);
    }
  }
  const text = Object.entries(disabled).map(([k, v]) => `${k}=${v}`).join(';');
  if (text) set('disabled_algorithms', text);
}

module.exports = { setAlgorithmOptions };
