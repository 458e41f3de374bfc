/**
 * What the model predicts inside a suggested region: its classes by share of the region's pixels,
 * largest first, those covering at least `minShare`. Tells the person what the question is about
 * ("road or sidewalk?") before they zoom in.
 */
export function regionMix(
  classMap: Uint8Array,
  width: number,
  r: { x: number; y: number; width: number; height: number },
  minShare = 0.1,
): { classIdx: number; share: number }[] {
  const counts = new Map<number, number>();
  let n = 0;
  for (let y = r.y; y < r.y + r.height; y++) {
    for (let x = r.x; x < r.x + r.width; x++) {
      const c = classMap[y * width + x];
      counts.set(c, (counts.get(c) ?? 0) + 1);
      n++;
    }
  }
  return [...counts]
    .map(([classIdx, count]) => ({ classIdx, share: count / Math.max(1, n) }))
    .filter((m) => m.share >= minShare)
    .sort((a, b) => b.share - a.share || a.classIdx - b.classIdx);
}
