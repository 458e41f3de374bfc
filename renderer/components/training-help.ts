/** What each training option does, in plain words: the panel shows it under the option. */
export const TRAINING_HELP = {
  budget:
    "How long to train. Minutes: a time budget (the best checkpoint is kept). Epochs: passes over the train images.",
  network:
    "Standard learns the finest detail; Small is faster with coarser edges; Tiny only checks the set-up works.",
  size: "Training looks at square pieces this big cut from the images. Larger sees more around each pixel but each step is slower.",
  semiSupervised:
    "Also learns from the pixels nobody labeled: where the model is sure on one altered copy of an image, that answer teaches it on another. Helps when training runs long enough; each step is slower.",
  pixl: "Keeps what the network sees in labeled and unlabeled images alike, so what it learns from your strokes carries over to the other images. Each step is slower.",
  propagation:
    "Spreads each stroke to the patch of similar-looking pixels around it (superpixels), so a thin stroke teaches more pixels.",
  forestLabels:
    "Before training, a fast classifier learns your strokes from local color and texture and labels the pixels it is sure of; the network then learns from those too. Helps most on thin or small structures; takes from a few seconds to about a minute at the start.",
  selfTraining:
    "Half-way through, the model labels, for each class, the patches of similar pixels it is surest of on your labeled images (never over your strokes) and trains on those too. Not yet shown to help.",
  crf: "Pushes neighbouring pixels of similar color towards the same class: cleaner edges, but a young model can smooth away small things.",
  fineTune:
    "Start from the last model instead of from scratch: it improves faster and keeps that model's network. Train from scratch after adding a class.",
} as const;

/** The method terms as the panel lists them. */
export const TERM_LABELS = [
  ["semiSupervised", "Semi-supervised (FixMatch)"],
  ["pixl", "PiXL drift alignment"],
  ["propagation", "Spread scribbles to superpixels"],
  ["forestLabels", "Labels from a pixel classifier"],
  ["crf", "CRF regularizer"],
  ["selfTraining", "Self-training rounds"],
] as const;

/** "4 min 10 s", "45 s", "1 h 5 min". */
export function duration(sec: number): string {
  if (sec < 60) return `${Math.round(sec)} s`;
  const m = Math.floor(sec / 60);
  if (m < 60) {
    const s = Math.round(sec % 60);
    return s ? `${m} min ${s} s` : `${m} min`;
  }
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
