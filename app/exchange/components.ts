/** Connected regions (4-neighbourhood) of each class in a class map; 255 is skipped. */
export interface Region {
  classIdx: number;
  /** pixel indices (row-major) */
  pixels: Int32Array;
  bbox: [number, number, number, number]; // x, y, width, height
}

export function classRegions(classes: Uint8Array, width: number, height: number, skip = 255): Region[] {
  const seen = new Uint8Array(classes.length);
  const stack = new Int32Array(classes.length);
  const regions: Region[] = [];
  for (let start = 0; start < classes.length; start++) {
    const c = classes[start];
    if (seen[start] || c === skip) continue;
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
      const push = (j: number) => {
        if (!seen[j] && classes[j] === c) {
          seen[j] = 1;
          stack[top++] = j;
        }
      };
      if (x > 0) push(i - 1);
      if (x < width - 1) push(i + 1);
      if (y > 0) push(i - width);
      if (y < height - 1) push(i + width);
    }
    regions.push({
      classIdx: c,
      pixels: Int32Array.from(pixels),
      bbox: [minX, minY, maxX - minX + 1, maxY - minY + 1],
    });
  }
  return regions;
}
