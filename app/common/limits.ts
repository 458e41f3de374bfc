/**
 * Bounds on values that arrive from outside (a request, a project file, a model folder) and
 * decide how much is allocated or computed: checked before the allocation, refused with the
 * reason. docs/security.md lists them.
 */

/**
 * Images larger than this are refused at import (decoding them would exhaust memory), and a
 * size read back from a project file is checked against it before anything is allocated.
 */
export const MAX_PIXELS = 100_000_000;

/**
 * Vertices of one polygon (strokes.commit): a person clicks tens; filling costs rows x vertices,
 * so 100,000 vertices over a tall image held the event loop for seconds.
 */
export const MAX_POLYGON_VERTICES = 10_000;

/**
 * Rows one brush or eraser stroke may fill, summed over its segments (brushRowSpans): about half a
 * second of work. The app adds a point every 5% of the brush width, so a stroke costs ~20 rows
 * per pixel of its length: 400,000 pixels of scribbling in one stroke.
 */
export const MAX_BRUSH_ROW_SPANS = 8_000_000;

/**
 * A network any Pixelloop builds fits in these (training takes widths up to 512, at most 6
 * stages); a model folder or a stored checkpoint asking for more is refused before a layer is
 * built (a width of 10^9 would allocate until memory runs out).
 */
export const NETWORK_LIMITS = {
  maxClasses: 255,
  minStages: 2,
  maxStages: 6,
  maxWidth: 512,
  maxEmbeddingDim: 1024,
  maxProjectionHidden: 1024,
} as const;

/**
 * Why a network config (from a model folder or a stored checkpoint) cannot be built, or null.
 * `partial`: only the fields present are checked (besides numClasses), for readers that need
 * one field of a stored config; whatever builds a network checks the whole.
 */
export function networkConfigProblem(config: unknown, opts: { partial?: boolean } = {}): string | null {
  if (typeof config !== "object" || config === null) return "the network config is missing";
  const c = config as Record<string, unknown>;
  if (opts.partial) {
    const present = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
    return networkConfigProblem({ ...FULL_EXAMPLE, ...present });
  }
  const int = (v: unknown, lo: number, hi: number) =>
    typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;
  const L = NETWORK_LIMITS;
  if (!int(c.numClasses, 1, L.maxClasses))
    return `numClasses must be a whole number in 1..${L.maxClasses}, got ${JSON.stringify(c.numClasses)}`;
  if (
    !Array.isArray(c.widths) ||
    c.widths.length < L.minStages ||
    c.widths.length > L.maxStages ||
    !c.widths.every((w) => int(w, 1, L.maxWidth))
  )
    return `widths must list ${L.minStages} to ${L.maxStages} whole numbers in 1..${L.maxWidth}, got ${short(c.widths)}`;
  if (!int(c.embeddingDim, 1, L.maxEmbeddingDim))
    return `embeddingDim must be a whole number in 1..${L.maxEmbeddingDim}, got ${short(c.embeddingDim)}`;
  if (!int(c.projectionHidden, 1, L.maxProjectionHidden))
    return `projectionHidden must be a whole number in 1..${L.maxProjectionHidden}, got ${short(c.projectionHidden)}`;
  if (
    c.inputScale !== undefined &&
    !(typeof c.inputScale === "number" && c.inputScale > 0 && c.inputScale <= 4)
  )
    return `inputScale must be a number in (0, 4], got ${short(c.inputScale)}`;
  for (const key of ["context", "fullResolution", "residual"])
    if (c[key] !== undefined && typeof c[key] !== "boolean")
      return `${key} must be true or false, got ${short(c[key])}`;
  return null;
}

/** Stands in for the fields a partial check leaves out. */
const FULL_EXAMPLE = { widths: [16, 32], embeddingDim: 32, projectionHidden: 32 };

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * A classes file (names and colors), read from disk or sent as text by the UI's file picker: a
 * few hundred classes are a few KiB.
 */
export const MAX_CLASSES_FILE_BYTES = 1024 * 1024;

/** Classes in one project: index 255 of a mask means unlabeled. */
export const MAX_CLASSES = 255;
