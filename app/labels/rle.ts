/**
 * Run-length encoding for 8-bit label layers: a sequence of (value: u8, runLength: LEB128 varint).
 * Sparse scribble masks shrink to a few hundred bytes; dense masks stay far below raw size.
 */
export function encodeRle(data: Uint8Array): Buffer {
  const n = data.length;
  const words = data.byteOffset % 4 === 0 ? new Uint32Array(data.buffer, data.byteOffset, n >> 2) : null;
  // Worst case: every value its own run of length 1 (2 bytes); grow if runs are long (rare).
  let out = Buffer.allocUnsafe(Math.min(2 * n + 16, 1 << 16));
  let o = 0;
  let i = 0;
  while (i < n) {
    const v = data[i];
    let j = i + 1;
    // Long runs: compare four bytes at a time once aligned (labels are mostly long runs).
    if (words && j + 8 < n && data[j] === v) {
      while (j < n && j & 3 && data[j] === v) j++;
      if (j < n && (j & 3) === 0 && data[j] === v) {
        const pattern = (v * 0x01010101) >>> 0;
        let w = j >> 2;
        const wEnd = n >> 2;
        while (w < wEnd && words[w] === pattern) w++;
        j = w << 2;
      }
    }
    while (j < n && data[j] === v) j++;
    if (o + 8 > out.length) {
      const bigger = Buffer.allocUnsafe(Math.min(2 * n + 16, out.length * 2));
      out.copy(bigger, 0, 0, o);
      out = bigger;
    }
    out[o++] = v;
    let run = j - i;
    while (run >= 0x80) {
      out[o++] = (run & 0x7f) | 0x80;
      run = Math.floor(run / 128);
    }
    out[o++] = run;
    i = j;
  }
  return Buffer.from(out.subarray(0, o));
}

export { decodeRle, decodeRleInto } from "../common/rle-decode.ts";
