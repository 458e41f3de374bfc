/** A small seeded generator (Park-Miller) for tests that draw random shapes reproducibly. */
export function rng(seed: number) {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}
