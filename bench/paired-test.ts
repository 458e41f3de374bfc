/** Statistics for paired benchmark runs (one difference per seed). */

/**
 * Paired differences d (one per seed): Student's t = mean / (sd / sqrt(n)), and the exact
 * two-sided sign-flip p-value: the share of the 2^n sign patterns whose |mean| is at least the
 * observed one (no assumption that the differences are normal; the smallest p with n seeds is 2/2^n).
 */
export function pairedTest(d: number[]): { t: number; p: number } {
  const n = d.length;
  if (n < 2 || n > 20) throw new Error(`pairedTest: needs 2 to 20 differences, got ${n}`);
  const m = d.reduce((a, v) => a + v, 0) / n;
  const sd = Math.sqrt(d.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1));
  const observed = Math.abs(m) - 1e-12;
  let extreme = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += mask & (1 << i) ? -d[i] : d[i];
    if (Math.abs(sum / n) >= observed) extreme++;
  }
  return { t: m / (sd / Math.sqrt(n)), p: extreme / (1 << n) };
}
