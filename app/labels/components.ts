/** Connected regions (4-neighbourhood) of each class in a class map; 255 is skipped. */
export interface Region {
  classIdx: number;
  /** pixel indices (row-major) */
  pixels: Int32Array;
  bbox: [number, number, number, number]; // x, y, width, height
}

/**
 * The 4-connected region of `classes[start]`'s value that contains `start`. Marks its pixels
 * in `seen` (which must be 0 there beforehand); `stack` is scratch space of the image's size.
 * `classes` may be any label map: class indices, or e.g. superpixel ids (Int32Array).
 */
export function fillRegion(
  classes: Uint8Array | Int32Array,
  width: number,
  height: number,
  start: number,
  seen: Uint8Array,
  stack: Int32Array = new Int32Array(classes.length),
): Region {
  const c = classes[start];
  let top = 0;
  stack[top++] = start;
  seen[start] = 1;
  const pixels: number[] = [];
  let minX = width;
  let minY = height;
  let maxX = 0;
  let maxY = 0;
  while (top > 0) {
    const i = stack[--top];
    pixels.push(i);
    const x = i % width;
    const y = (i - x) / width;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
    const left = x > 0 ? i - 1 : -1;
    const right = x < width - 1 ? i + 1 : -1;
    const up = y > 0 ? i - width : -1;
    const down = y < height - 1 ? i + width : -1;
    for (const j of [left, right, up, down]) {
      if (j >= 0 && !seen[j] && classes[j] === c) {
        seen[j] = 1;
        stack[top++] = j;
      }
    }
  }
  return {
    classIdx: c,
    pixels: Int32Array.from(pixels),
    bbox: [minX, minY, maxX - minX + 1, maxY - minY + 1],
  };
}

export function classRegions(classes: Uint8Array, width: number, height: number, skip = 255): Region[] {
  const seen = new Uint8Array(classes.length);
  const stack = new Int32Array(classes.length);
  const regions: Region[] = [];
  for (let start = 0; start < classes.length; start++) {
    if (seen[start] || classes[start] === skip) continue;
    regions.push(fillRegion(classes, width, height, start, seen, stack));
  }
  return regions;
}
