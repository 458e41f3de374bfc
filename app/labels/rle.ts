/**
 * Run-length encoding for 8-bit label layers: a sequence of (value: u8, runLength: LEB128 varint).
 * Sparse scribble masks shrink to a few hundred bytes; dense masks stay far below raw size.
 */
export function encodeRle(data: Uint8Array): Buffer {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    const v = data[i];
    let j = i + 1;
    while (j < data.length && data[j] === v) j++;
    out.push(v);
    let run = j - i;
    while (run >= 0x80) {
      out.push((run & 0x7f) | 0x80);
      run = Math.floor(run / 128);
    }
    out.push(run);
    i = j;
  }
  return Buffer.from(out);
}

/** Decodes into a new array of exactly `length` values; throws on corrupt or mismatched data. */
export function decodeRle(buf: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let pos = 0;
  let i = 0;
  while (i < buf.length) {
    const v = buf[i++];
    let run = 0;
    let shift = 1;
    for (;;) {
      if (i >= buf.length) throw new Error("corrupt RLE data: truncated run length");
      const b = buf[i++];
      run += (b & 0x7f) * shift;
      if (b < 0x80) break;
      shift *= 128;
    }
    if (pos + run > length) throw new Error(`corrupt RLE data: runs exceed ${length} values`);
    out.fill(v, pos, pos + run);
    pos += run;
  }
  if (pos !== length) throw new Error(`corrupt RLE data: ${pos} values, expected ${length}`);
  return out;
}
