export type Split = "train" | "val" | "test";
export type ImageStatus = "unlabeled" | "labeled" | "predicted" | "suggested";
export type Tool = "brush" | "eraser" | "polygon" | "fill" | "accept" | "import";

export interface ClassDef {
  idx: number;
  name: string;
  color: string;
  shortcut: string | null;
  /**
   * (format 11) the class was deleted: its labels were cleared and its index stays reserved, so
   * models and predictions keep their meaning and the classes after it their index. Present only
   * when true; a deleted class is never shown, painted or accepted.
   */
  deleted?: true;
}

export interface ImageRow {
  id: number;
  path: string;
  name: string;
  sha256: string;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  split: Split;
  status: ImageStatus;
  addedAt: string;
  labeledPixels: number;
  maskVersion: number;
}

export interface StrokeRow {
  id: number;
  imageId: number;
  classIdx: number | null;
  tool: Tool;
  width: number;
  points: [number, number][];
  author: string;
  createdAt: string;
  maskVersion: number;
  modelId: number | null;
  /** who made it ("unknown" for changes made before project format 10) */
  person: string;
  undone: boolean;
}

export interface ProjectSummary {
  images: number;
  bySplit: Record<Split, number>;
  labeledImages: number;
  totalPixels: number;
  labeledPixels: number;
  humanPixels: number;
  acceptedPixels: number;
  strokes: number;
  models: number;
}
