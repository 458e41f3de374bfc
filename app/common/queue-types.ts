/** The suggestion queue's shapes the API and the UI share (app/common: pure, no imports). */

export interface RegionScore {
  id: number;
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

/** What a pixel's uncertainty is measured by: normalized entropy, or 1 - margin. */
export type UncertaintyMeasure = "entropy" | "margin";
