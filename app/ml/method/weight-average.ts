/**
 * An exponential moving average of the trainable weights (Polyak averaging; the "teacher" of
 * mean-teacher methods): after every optimizer step shadow = d * shadow + (1 - d) * weights, with
 * d warmed up as min(decay, (1 + t) / (10 + t)) so the random initialisation fades within the
 * first steps. Batch norm's moving statistics are not averaged: they already are averages.
 *
 * The average lives beside the network's own variables; `swap` exchanges the two in place, so the
 * same network (and the same validation code) can run either set of weights.
 */
import { tf } from "../engine/tf.ts";

export class WeightAverage {
  private readonly shadow: tf.Variable[];
  private swapped = false;

  constructor(
    private readonly variables: readonly tf.Variable[],
    private readonly decay: number,
  ) {
    if (!(decay >= 0 && decay < 1)) throw new Error(`weight average: decay must be in [0, 1), got ${decay}`);
    this.shadow = variables.map((v) => {
      const copy = v.clone();
      const shadow = tf.variable(copy, false); // shares copy's data, which stays while shadow holds it
      copy.dispose();
      return shadow;
    });
  }

  /** The decay used after optimizer step `step` (0-based). */
  static decayAt(decay: number, step: number): number {
    return Math.min(decay, (1 + step) / (10 + step));
  }

  /** Folds the current weights into the average (call after each optimizer step). */
  update(step: number): void {
    if (this.swapped) throw new Error("weight average: update while the average is swapped in");
    const d = WeightAverage.decayAt(this.decay, step);
    tf.tidy(() => {
      this.shadow.forEach((s, i) => s.assign(tf.add(tf.mul(s, d), tf.mul(this.variables[i], 1 - d))));
    });
  }

  /** Exchanges the network's weights and the average (twice restores them). */
  swap(): void {
    this.shadow.forEach((s, i) => {
      const live = this.variables[i].clone();
      this.variables[i].assign(s);
      s.assign(live);
      live.dispose();
    });
    this.swapped = !this.swapped;
  }

  /** Runs `fn` with the average as the network's weights, then puts the live weights back. */
  withAverage<T>(fn: () => T): T {
    this.swap();
    try {
      return fn();
    } finally {
      this.swap();
    }
  }

  dispose(): void {
    tf.dispose(this.shadow);
  }
}
