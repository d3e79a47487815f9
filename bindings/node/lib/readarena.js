'use strict';
// Where channel reads land: the library copies output straight into a
// slice of a large slab, and that slice, a view, is the chunk the stream
// emits. So a byte is copied once from the library to JavaScript, where a
// reusable read buffer needed a second copy (Buffer.from) per chunk; and
// fresh memory arrives a slab at a time instead of a malloc per chunk, which
// cut page faults by a third to a half (glibc returns each freed 256 KiB
// chunk to the kernel, and the next one faults in page by page).
//
// The price is Node's own Buffer pool's, writ larger: a chunk keeps its
// whole slab alive until the chunk is collected. Reads shorter than
// SMALL are copied out instead, so an idle channel's occasional line or a
// prompt never pins a slab.

const SLAB = 4 * 1024 * 1024;
const SMALL = 16 * 1024;
const ALIGN = 64; // chunks start on a cache line

let slab = null;
let used = 0;

/**
 * A slice of `len` bytes to read into. Reservations never overlap, so
 * reads of several channels can be in flight at once.
 */
function reserve(len) {
  if (slab === null || slab.length - used < len) {
    slab = Buffer.allocUnsafeSlow(Math.max(SLAB, len));
    used = 0;
  }
  const r = { slab, start: used, end: used + len, view: slab.subarray(used, used + len) };
  used += len;
  return r;
}

/**
 * Ends reservation `r` with `n` bytes read into it: returns them as a
 * Buffer (null for n = 0) and gives back what was not used, when nothing
 * was reserved after it.
 */
function commit(r, n) {
  let chunk = null;
  let keep = 0;
  if (n > 0 && n < SMALL) {
    chunk = Buffer.from(r.view.subarray(0, n));
  } else if (n > 0) {
    chunk = r.view.subarray(0, n);
    keep = (n + ALIGN - 1) & ~(ALIGN - 1);
  }
  if (slab === r.slab && used === r.end) used = r.start + keep;
  return chunk;
}

module.exports = { reserve, commit, SLAB, SMALL };
