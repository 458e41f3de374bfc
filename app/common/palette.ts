// Default class colors, shared by the CLI (init --classes) and the UI (new project).
/** A palette that stays distinguishable for the first dozen classes. */
export const CLASS_PALETTE = [
  "#e6194b",
  "#3cb44b",
  "#4363d8",
  "#f58231",
  "#911eb4",
  "#46f0f0",
  "#f032e6",
  "#bcf60c",
  "#fabebe",
  "#008080",
  "#e6beff",
  "#9a6324",
  "#fffac8",
  "#800000",
  "#aaffc3",
  "#808000",
  "#ffd8b1",
  "#000075",
];

/** The palette's color for a class index (new classes without a chosen color). */
export function paletteColor(idx: number): string {
  return CLASS_PALETTE[idx % CLASS_PALETTE.length];
}
