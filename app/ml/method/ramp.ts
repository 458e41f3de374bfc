/** The weight schedule of the loss terms: a leaf the method and its terms both import. */

/** Linear ramp from 0 to `weight` over the first `fraction` of the steps. */
export function ramp(weight: number, fraction: number): (step: number, totalSteps: number) => number {
  return (step, totalSteps) => {
    if (fraction <= 0) return weight;
    return weight * Math.min(1, step / Math.max(1, fraction * totalSteps));
  };
}
