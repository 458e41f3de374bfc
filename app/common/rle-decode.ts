// Decoding of app/labels/rle.ts's format, free of Node types so the renderer can use it too.

/** Decodes into a new array of exactly `length` values; throws on corrupt or mismatched data. */
export function decodeRle(buf: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  decodeRleInto(buf, out);
  return out;
}

/** Decodes into `out` (e.g. a view of one band of a larger layer), which it must fill exactly. */
export function decodeRleInto(buf: Uint8Array, out: Uint8Array): void {
  const length = out.length;
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
}
