/**
 * Sampled 1-D Gaussian kernels (order 0, 1, 2) for the separable filters of features.ts, laid out
 * as correlation weights (tf.conv2d correlates): `out(x) = sum_d in(x + d) * w(d)`, d = -r..r.
 *
 * Sampled derivative kernels are inaccurate at small sigma (0.7 has barely 3 taps each side), so
 * each is normalized the way vigra does: order 0 sums to 1, order 1 gives exactly 1 on the ramp
 * f(x) = x, order 2 sums to 0 and gives exactly 1 on f(x) = x^2 / 2. The radius follows vigra's
 * window (about 3 sigma; one more tap here so the first and second derivatives share a radius).
 */

/** Taps each side of the centre for the derivative filters at scale `sigma`. */
export function filterRadius(sigma: number): number {
  return Math.max(1, Math.round(3 * sigma + 1));
}

/** Taps each side for plain smoothing at `sigma` (the structure tensor's outer scale). */
export function smoothingRadius(sigma: number): number {
  return Math.max(1, Math.round(3 * sigma));
}

/** Normalized sampled Gaussian, 2r + 1 taps. */
export function gaussian0(sigma: number, r: number): Float32Array {
  const w = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let d = -r; d <= r; d++) {
    w[d + r] = Math.exp((-d * d) / (2 * sigma * sigma));
    sum += w[d + r];
  }
  return Float32Array.from(w, (v) => v / sum);
}

/** First derivative of Gaussian as correlation weights: sum_d d * w(d) = 1. */
export function gaussian1(sigma: number, r: number): Float32Array {
  const w = new Float64Array(2 * r + 1);
  let moment = 0;
  for (let d = -r; d <= r; d++) {
    w[d + r] = d * Math.exp((-d * d) / (2 * sigma * sigma));
    moment += d * w[d + r];
  }
  return Float32Array.from(w, (v) => v / moment);
}

/** Second derivative of Gaussian: sum_d w(d) = 0 and sum_d d^2 / 2 * w(d) = 1. */
export function gaussian2(sigma: number, r: number): Float32Array {
  const s2 = sigma * sigma;
  const w = new Float64Array(2 * r + 1);
  let mean = 0;
  for (let d = -r; d <= r; d++) {
    w[d + r] = ((d * d) / (s2 * s2) - 1 / s2) * Math.exp((-d * d) / (2 * s2));
    mean += w[d + r];
  }
  mean /= 2 * r + 1;
  let moment = 0;
  for (let d = -r; d <= r; d++) {
    w[d + r] -= mean;
    moment += ((d * d) / 2) * w[d + r];
  }
  return Float32Array.from(w, (v) => v / moment);
}

/**
 * Index into n samples of position i of their symmetric extension (half-sample: the edge sample
 * repeated, ... 1 0 | 0 1 ... n-1 | n-1 n-2 ...), for any i, even far outside (small images).
 */
export function symmetricIndex(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}
