export type Split = "train" | "val" | "test";
export type ImageStatus = "unlabeled" | "labeled" | "predicted" | "suggested";
export type Tool = "brush" | "eraser" | "polygon" | "fill" | "accept" | "import";

export interface ClassDef {
  idx: number;
  name: string;
  color: string;
  shortcut: string | null;
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
