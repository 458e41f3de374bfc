/**
 * Which parts of the training method are on by default, chosen by `npm run bench:accuracy`
 * (docs/learning.md). Plain data with no tensor imports: the UI's training panel starts from it.
 */
export const DEFAULT_TERMS = {
  // Off: at 15 minutes on the 2-core CPU the teacher pass and the alignment cost more steps than
  // they gave (partial CE 0.426 mIoU, + FixMatch 0.370, + PiXL 0.335; docs/learning.md).
  semiSupervised: false,
  pixl: false,
  propagation: true,
  // On: labels from the classical pixel classifier where it is sure; 400 steps, 3 seeds on each of
  // camvid-dev, membranes and cells: mIoU +0.014, +0.230, +0.036 (bench/results/accuracy.md).
  forestLabels: true,
  // Off: it pulled a young network towards large uniform regions (-0.107 mIoU at 3 minutes).
  crf: false,
  // Off until the benchmark protocol shows it helps (#31): rounds that label the superpixels
  // the model is sure of on the labeled train images, never over a label.
  selfTraining: false,
} as const;

export type MethodTerm = keyof typeof DEFAULT_TERMS;

/** Plain names of the terms, as `train` prints them. */
export const TERM_NAMES: Record<MethodTerm, string> = {
  semiSupervised: "semi-supervised pseudo-labels (FixMatch)",
  pixl: "PiXL alignment",
  propagation: "superpixel propagation",
  forestLabels: "pixel-classifier labels",
  crf: "CRF regularizer",
  selfTraining: "self-training rounds",
};

/**
 * One line that says which terms a run uses: each given term as given, the others as the
 * defaults say. The partial cross-entropy on the labeled pixels is always on.
 */
export function describeTerms(
  given: Partial<Record<MethodTerm, { enabled?: boolean } | undefined>> = {},
): string {
  const keys = Object.keys(DEFAULT_TERMS) as MethodTerm[];
  const on = (k: MethodTerm) => given[k]?.enabled ?? DEFAULT_TERMS[k];
  const off = keys.filter((k) => !on(k)).map((k) => TERM_NAMES[k]);
  const used = ["partial cross-entropy", ...keys.filter(on).map((k) => TERM_NAMES[k])];
  return `method: ${used.join(", ")}${off.length ? `; off: ${off.join(", ")}` : ""}`;
}
