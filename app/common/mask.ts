/** A label mask: one class index per pixel, row-major; UNLABELED marks pixels without a label. */
export const UNLABELED = 255;

/** Where a labeled pixel came from. Stored per pixel beside the class layer. */
export const Source = { none: 0, human: 1, accepted: 2 } as const;
export type SourceName = keyof typeof Source;

export interface LabelMask {
  width: number;
  height: number;
  /** class index per pixel, UNLABELED where nothing is labeled */
  classes: Uint8Array;
  /** Source.* per pixel (0 where unlabeled) */
  sources: Uint8Array;
}

export function emptyMask(width: number, height: number): LabelMask {
  return {
    width,
    height,
    classes: new Uint8Array(width * height).fill(UNLABELED),
    sources: new Uint8Array(width * height),
  };
}

/** A copy of both layers, to edit without touching the original. */
export function cloneMask(mask: LabelMask): LabelMask {
  return { ...mask, classes: mask.classes.slice(), sources: mask.sources.slice() };
}

export function countLabeled(classes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < classes.length; i++) if (classes[i] !== UNLABELED) n++;
  return n;
}

/** Counts labeled pixels per source: index = Source value. */
export function countBySource(mask: LabelMask): { human: number; accepted: number } {
  let human = 0;
  let accepted = 0;
  const { classes, sources } = mask;
  for (let i = 0; i < classes.length; i++) {
    if (classes[i] === UNLABELED) continue;
    if (sources[i] === Source.accepted) accepted++;
    else human++;
  }
  return { human, accepted };
}
