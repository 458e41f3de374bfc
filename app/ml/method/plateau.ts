/**
 * When a loss has levelled off: semi-supervision starts then, not at step 0 (its teacher pass and
 * strong view cost a forward pass each step, and pseudo-labels from a network that is still
 * learning the scribbles teach it its own early mistakes).
 *
 * The loss is smoothed by an exponential moving average; it has levelled off when the smoothed
 * value fell by less than `minDrop` (relative) over the last `window` of the expected steps, or
 * when `latest` of training has passed, whichever comes first.
 */
export interface PlateauOptions {
  /** Smoothing of the loss per step. */
  smoothing: number;
  /** The look-back, as a fraction of the expected steps (at least 20 steps). */
  window: number;
  /** A relative fall smaller than this over the window counts as level. */
  minDrop: number;
  /** Fraction of training after which it counts as level whatever the loss does. */
  latest: number;
}

export const DEFAULT_PLATEAU: PlateauOptions = { smoothing: 0.95, window: 0.1, minDrop: 0.05, latest: 0.5 };

export class PlateauDetector {
  private smoothed: number | undefined;
  private readonly history: number[] = [];
  private reachedAt: number | undefined;

  constructor(private readonly options: PlateauOptions = DEFAULT_PLATEAU) {}

  /** The step it levelled off at, if it has. */
  get step(): number | undefined {
    return this.reachedAt;
  }

  /** Records the loss after `step` (0-based) of `expectedSteps`; true once levelled off (and after). */
  update(step: number, expectedSteps: number, loss: number): boolean {
    if (this.reachedAt !== undefined) return true;
    if (Number.isFinite(loss)) {
      const s = this.options.smoothing;
      this.smoothed = this.smoothed === undefined ? loss : s * this.smoothed + (1 - s) * loss;
    }
    this.history.push(this.smoothed ?? Number.NaN);
    const window = Math.max(20, Math.round(this.options.window * expectedSteps));
    const past = this.history.length > window ? this.history[this.history.length - 1 - window] : undefined;
    const level =
      past !== undefined &&
      this.smoothed !== undefined &&
      past > 0 &&
      (past - this.smoothed) / past < this.options.minDrop;
    if (level || step + 1 >= this.options.latest * expectedSteps) this.reachedAt = step + 1;
    return this.reachedAt !== undefined;
  }
}
