/**
 * COCO run-length encoding of binary masks: column-major runs, starting with a run of zeros,
 * and the compact string form of pycocotools (maskApi.c rleToString / rleFrString).
 */
export interface CocoRle {
  size: [number, number]; // [height, width]
  counts: string | number[];
}

/** Runs of a binary mask (row-major input) in COCO's column-major order. */
export function maskToCounts(bits: Uint8Array, width: number, height: number): number[] {
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = bits[y * width + x] ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/**
 * The runs of a region as COCO counts, from its pixels (row-major indices, any order): the same
 * counts as maskToCounts of a mask holding just those pixels, at a cost ~ the region's size (a
 * sort of its pixels), not the image's (an image-sized mask per region made an export of many
 * regions on a large image take minutes).
 */
export function regionToCounts(pixels: ArrayLike<number>, width: number, height: number): number[] {
  const n = pixels.length;
  const colMajor = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = pixels[i];
    const x = p % width;
    colMajor[i] = x * height + (p - x) / width;
  }
  colMajor.sort();
  const counts: number[] = [];
  let pos = 0;
  for (let i = 0; i < n;) {
    const start = colMajor[i];
    let end = start + 1;
    for (i++; i < n && colMajor[i] === end; i++) end++;
    counts.push(start - pos, end - start);
    pos = end;
  }
  if (pos < width * height || counts.length === 0) counts.push(width * height - pos);
  return counts;
}

/**
 * Calls `visit(p)` with the row-major index of every pixel the counts set, after checking each
 * count (whole, >= 0, within the image) and before the next: cost ~ the counts and the pixels
 * set, not the image. Throws when the counts do not cover the image exactly.
 */
export function forEachCountsPixel(
  counts: readonly number[],
  width: number,
  height: number,
  visit: (p: number) => void,
): void {
  let pos = 0;
  let v = 0;
  for (const c of counts) {
    if (!Number.isInteger(c) || c < 0) throw new Error(`RLE counts must be whole numbers >= 0, got ${c}`);
    if (pos + c > width * height) throw new Error("RLE counts exceed the image size");
    if (v) {
      for (let k = pos; k < pos + c; k++) {
        const x = Math.floor(k / height);
        visit((k - x * height) * width + x);
      }
    }
    pos += c;
    v ^= 1;
  }
  if (pos !== width * height) throw new Error(`RLE counts cover ${pos} pixels, image has ${width * height}`);
}

export function countsToMask(counts: number[], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  forEachCountsPixel(counts, width, height, (p) => (out[p] = 1));
  return out;
}

export function countsToString(counts: number[]): string {
  let s = "";
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

export function stringToCounts(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new Error("truncated RLE string");
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`invalid character in RLE string at ${p}`);
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}
