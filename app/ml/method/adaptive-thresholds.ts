/**
 * Class-aware confidence thresholds for pseudo-labels, self-adapting as in FreeMatch (Wang et al.,
 * 2023): a global level follows the teacher's mean confidence, and each class's threshold is that
 * level scaled by how much probability the teacher gives the class on average, relative to the
 * class it favours most. A rare class the teacher is still unsure of gets a lower bar, so its
 * pseudo-labels are not all filtered out while the frequent classes keep theirs: the cause of
 * rare classes collapsing under one global threshold (0.9).
 *
 * Both levels are exponential moving averages over teacher passes, started from the first pass's
 * values (not 1/K), because semi-supervision here starts late, from a teacher that already knows
 * the labeled classes. The thresholds are clipped to [min, max].
 */
export interface AdaptiveThresholdOptions {
  /** EMA momentum per teacher pass. */
  momentum: number;
  /** Lowest and highest threshold a class can get. */
  min: number;
  max: number;
}

export const DEFAULT_ADAPTIVE_THRESHOLDS: AdaptiveThresholdOptions = { momentum: 0.99, min: 0.5, max: 0.95 };

export class AdaptiveThresholds {
  private level: number | undefined;
  private readonly classMeans: Float64Array;

  constructor(
    readonly numClasses: number,
    private readonly options: AdaptiveThresholdOptions = DEFAULT_ADAPTIVE_THRESHOLDS,
  ) {
    if (!(options.momentum >= 0 && options.momentum < 1))
      throw new Error(`adaptive thresholds: momentum must be in [0, 1), got ${options.momentum}`);
    if (!(options.min > 0 && options.min <= options.max && options.max <= 1))
      throw new Error(`adaptive thresholds: need 0 < min <= max <= 1, got ${options.min}, ${options.max}`);
    this.classMeans = new Float64Array(numClasses);
  }

  /**
   * Folds in one teacher pass: its mean top-1 probability and its mean probability per class
   * (over the pixels it labels, i.e. without a human label).
   */
  update(meanConfidence: number, meanProbabilities: ArrayLike<number>): void {
    if (meanProbabilities.length !== this.numClasses)
      throw new Error(
        `adaptive thresholds: ${meanProbabilities.length} class means for ${this.numClasses} classes`,
      );
    if (!Number.isFinite(meanConfidence)) return;
    const m = this.level === undefined ? 0 : this.options.momentum;
    this.level = m * (this.level ?? 0) + (1 - m) * meanConfidence;
    for (let c = 0; c < this.numClasses; c++)
      this.classMeans[c] = m * this.classMeans[c] + (1 - m) * (meanProbabilities[c] || 0);
  }

  /** One threshold per class; before any update, `max` for every class. */
  thresholds(): Float32Array {
    const out = new Float32Array(this.numClasses).fill(this.options.max);
    if (this.level === undefined) return out;
    let top = 0;
    for (const v of this.classMeans) top = Math.max(top, v);
    for (let c = 0; c < this.numClasses; c++) {
      const t = top > 0 ? (this.level * this.classMeans[c]) / top : this.level;
      out[c] = Math.min(this.options.max, Math.max(this.options.min, t));
    }
    return out;
  }
}
