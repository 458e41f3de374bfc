/**
 * Segmentation metrics from a confusion matrix: per-class IoU, mean IoU over classes present in
 * the prediction or the ground truth, pixel accuracy. Ground-truth values >= numClasses (e.g. 255
 * unlabeled) and the `ignore` value (e.g. a void class) are skipped.
 */
export interface SegmentationMetrics {
  /** Mean IoU over classes present in prediction or ground truth (0 when none is). */
  miou: number;
  pixelAccuracy: number;
  /** IoU per class; null when the class is absent from both prediction and ground truth. */
  perClassIou: (number | null)[];
  /** Ground-truth pixels counted. */
  pixels: number;
  /** Ground-truth pixels per class (0: the class has no labels in the data evaluated on). */
  perClassPixels: number[];
}

export class ConfusionMatrix {
  readonly numClasses: number;
  /** counts[gt * K + pred] */
  readonly counts: Float64Array;

  constructor(numClasses: number) {
    this.numClasses = numClasses;
    this.counts = new Float64Array(numClasses * numClasses);
  }

  add(pred: ArrayLike<number>, gt: ArrayLike<number>, ignore?: number): void {
    if (pred.length !== gt.length)
      throw new Error(`prediction has ${pred.length} pixels, ground truth ${gt.length}`);
    const k = this.numClasses;
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i];
      if (g >= k || g === ignore) continue;
      const p = pred[i];
      if (p < k) this.counts[g * k + p]++;
      // Predictions outside 0..K-1 cannot happen for our networks; count them as misses of g.
      else this.counts[g * k + ((g + 1) % k)]++;
    }
  }

  metrics(): SegmentationMetrics {
    const k = this.numClasses;
    const perClassIou: (number | null)[] = [];
    const perClassPixels: number[] = [];
    let correct = 0;
    let total = 0;
    let sum = 0;
    let present = 0;
    for (let c = 0; c < k; c++) {
      let gtCount = 0;
      let predCount = 0;
      for (let j = 0; j < k; j++) {
        gtCount += this.counts[c * k + j];
        predCount += this.counts[j * k + c];
      }
      perClassPixels.push(gtCount);
      const tp = this.counts[c * k + c];
      correct += tp;
      total += gtCount;
      const union = gtCount + predCount - tp;
      if (union === 0) perClassIou.push(null);
      else {
        const iou = tp / union;
        perClassIou.push(iou);
        sum += iou;
        present++;
      }
    }
    return {
      miou: present ? sum / present : 0,
      pixelAccuracy: total ? correct / total : 0,
      perClassIou,
      pixels: total,
      perClassPixels,
    };
  }
}

export function segmentationMetrics(
  pred: ArrayLike<number>,
  gt: ArrayLike<number>,
  numClasses: number,
  ignore?: number,
): SegmentationMetrics {
  const m = new ConfusionMatrix(numClasses);
  m.add(pred, gt, ignore);
  return m.metrics();
}
