/**
 * The training method as plain, serializable options (they cross the worker boundary), and the
 * loss terms / batch views built from them. Every knob is documented in docs/learning.md with
 * its default and the measurement behind it.
 */
import { partialCrossEntropy, type LossTerm } from "./losses.ts";
import { fixMatchLoss, DEFAULT_STRONG_AUGMENT, type StrongAugmentOptions } from "./semi-supervised.ts";
import type { SelfTrainingOptions } from "./self-training.ts";
import { pixlAlignment } from "./pixl.ts";
import { crfLoss } from "./crf.ts";
import type { PropagationOptions } from "./propagation.ts";
import { DEFAULT_TERMS } from "../../common/method-terms.ts";

export interface SemiSupervisedOptions {
  enabled: boolean;
  /** Loss weight after the ramp. */
  weight: number;
  /** Pseudo-labels are kept where the weak view's softmax confidence >= tau. */
  tau: number;
  /** The weight ramps linearly from 0 over this fraction of training (from the start, see `start`). */
  rampFraction: number;
  strong: StrongAugmentOptions;
  /** Who makes the pseudo-labels: a moving average of the weights and BN statistics, or the network itself. */
  teacher: "ema" | "student";
  /** Per-step decay of the teacher's average. */
  teacherDecay: number;
  /** "split": weak half for the supervised terms, strong half for consistency; "strong": every term on the strong view. */
  views: "split" | "strong";
  /** Per-class self-adapting thresholds (FreeMatch) instead of one `tau`. */
  adaptive: boolean;
  /** The partial CE's class weights on the pseudo-label loss too. */
  classWeighted: boolean;
  /** "plateau": start when the supervised loss levels off (plateau.ts); "step0": from the first step. */
  start: "plateau" | "step0";
}

export interface PixlOptions {
  enabled: boolean;
  weight: number;
  /** Per image, targeted blocks with entropy <= this quantile are "joint", the rest "drift". */
  quantile: number;
  /** Softmax-over-prototypes temperature. */
  temperature: number;
  /** Local prototypes per class kept for the class's global prototype (the recent regions' memory). */
  memory: number;
  /** Drift blocks aligned per class and step, at most (a seeded sample beyond). */
  maxDriftPerClass: number;
  /** Confidence threshold for the student's own pseudo-labels when the semi-supervised term is off. */
  tau: number;
  rampFraction: number;
}

export interface CrfOptions {
  enabled: boolean;
  weight: number;
  /** Color gate exp(-|I_p - I_q|^2 / (2 sigma^2)), sigma in 0..255 units. */
  sigma: number;
  /** Neighbour offsets used (pixels); each gives 2 shifted copies (right/down and the diagonals). */
  offsets: number[];
  /** Computed on s x s block means (s = 2: half resolution). */
  scale: number;
  rampFraction: number;
}

export type ClassWeighting = "none" | "inverse-sqrt";

export type { PropagationOptions };

export interface MethodOptions {
  /** Class weights for the partial CE, from labeled pixel counts: w_c = sqrt(median / n_c), clipped to [0.25, 4]. */
  classWeighting: ClassWeighting;
  semiSupervised: SemiSupervisedOptions;
  pixl: PixlOptions;
  crf: CrfOptions;
  /** Scribbles spread to whole superpixels before training (propagation.ts); regionSize at the working resolution. */
  propagation: PropagationOptions;
  /** Labels from the classical pixel classifier where it is confident (forest-labels.ts). */
  forestLabels: ForestLabelOptions;
  /** An exponential moving average of the weights (weight-average.ts), kept when it scores better. */
  ema: EmaOptions;
  /** Rounds of labels from the model's own confident superpixels (self-training.ts). */
  selfTraining: SelfTrainingOptions;
}

export interface EmaOptions {
  enabled: boolean;
  /** Per-step decay of the average (warmed up from 0.1); 0.99 averages about the last 100 steps. */
  decay: number;
}

export interface ForestLabelOptions {
  enabled: boolean;
  /** A pixel nobody labeled takes the forest's class where its probability is at least this. */
  tau: number;
}

export const DEFAULT_METHOD: MethodOptions = {
  classWeighting: "inverse-sqrt",
  semiSupervised: {
    enabled: DEFAULT_TERMS.semiSupervised,
    weight: 1,
    tau: 0.9,
    rampFraction: 0.2,
    strong: DEFAULT_STRONG_AUGMENT,
    teacher: "ema",
    teacherDecay: 0.99,
    views: "split",
    adaptive: true,
    classWeighted: true,
    start: "plateau",
  },
  pixl: {
    enabled: DEFAULT_TERMS.pixl,
    // weight / temperature = 1: within the references' range (ReCo 0.1 ... Wang et al. ~1.4)
    weight: 0.1,
    quantile: 0.7,
    temperature: 0.1,
    memory: 64,
    maxDriftPerClass: 256,
    tau: 0.9,
    rampFraction: 0.2,
  },
  crf: { enabled: DEFAULT_TERMS.crf, weight: 1, sigma: 15, offsets: [1, 2], scale: 2, rampFraction: 0.1 },
  propagation: {
    enabled: DEFAULT_TERMS.propagation,
    regionSize: 8,
    compactness: 10,
    purity: 0.9,
    minScribbled: 3,
    colorGate: 0,
  },
  forestLabels: { enabled: DEFAULT_TERMS.forestLabels, tau: 0.8 },
  ema: { enabled: false, decay: 0.99 },
  selfTraining: {
    enabled: DEFAULT_TERMS.selfTraining,
    at: [0.5],
    portion: 0.3,
    tau: 0.5,
    purity: 0.9,
    regionSize: 8,
  },
};

export type PartialMethod = {
  classWeighting?: ClassWeighting;
  semiSupervised?: Partial<Omit<SemiSupervisedOptions, "strong">> & {
    strong?: Partial<StrongAugmentOptions>;
  };
  pixl?: Partial<PixlOptions>;
  crf?: Partial<CrfOptions>;
  propagation?: Partial<PropagationOptions>;
  forestLabels?: Partial<ForestLabelOptions>;
  ema?: Partial<EmaOptions>;
  selfTraining?: Partial<SelfTrainingOptions>;
};

export function resolveMethod(partial: PartialMethod = {}): MethodOptions {
  const d = DEFAULT_METHOD;
  return {
    classWeighting: partial.classWeighting ?? d.classWeighting,
    semiSupervised: {
      ...d.semiSupervised,
      ...partial.semiSupervised,
      strong: { ...d.semiSupervised.strong, ...partial.semiSupervised?.strong },
    },
    pixl: { ...d.pixl, ...partial.pixl },
    crf: { ...d.crf, ...partial.crf },
    propagation: { ...d.propagation, ...partial.propagation },
    forestLabels: { ...d.forestLabels, ...partial.forestLabels },
    ema: { ...d.ema, ...partial.ema },
    selfTraining: { ...d.selfTraining, ...partial.selfTraining },
  };
}

/** w_c = sqrt(median(n) / n_c) over classes with labels, clipped to [0.25, 4]; 1 for unseen classes. */
export function classWeightsFromCounts(counts: readonly number[]): number[] {
  const seen = counts.filter((n) => n > 0).sort((a, b) => a - b);
  if (seen.length === 0) return counts.map(() => 1);
  const median = seen[Math.floor((seen.length - 1) / 2)]; // lower median
  return counts.map((n) => (n > 0 ? Math.min(4, Math.max(0.25, Math.sqrt(median / n))) : 1));
}

export function buildLossTerms(method: MethodOptions, classWeights?: readonly number[]): LossTerm[] {
  const terms: LossTerm[] = [
    partialCrossEntropy({ classWeights: method.classWeighting === "none" ? undefined : classWeights }),
  ];
  if (method.semiSupervised.enabled) {
    const weighted = method.semiSupervised.classWeighted && method.classWeighting !== "none";
    terms.push(fixMatchLoss(method.semiSupervised, weighted ? classWeights : undefined));
  }
  if (method.pixl.enabled) {
    // With semi-supervision it aligns the teacher's images: it waits for the teacher's late start.
    const s = method.semiSupervised;
    terms.push(pixlAlignment({ ...method.pixl, withTeacher: s.enabled && s.start === "plateau" }));
  }
  if (method.crf.enabled) terms.push(crfLoss(method.crf));
  return terms;
}
