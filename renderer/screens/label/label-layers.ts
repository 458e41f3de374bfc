/**
 * The open image's layers as the label screen holds them: the picture, its labels with the
 * accepted ones hatched, and the prediction with its uncertainty; how each is made from what
 * the API sends.
 */
import type { ClassDef, ImageItem, PredictionData } from "../../../app/common/api-types.ts";
import { decodeRleBase64 } from "../../../app/common/wire.ts";
import { RasterLayer } from "../../canvas/raster.ts";
import { classPalette, hatchPalette } from "../../canvas/palette.ts";
import type { LayerSettings } from "./LabelCanvas.tsx";

export interface Loaded {
  item: ImageItem;
  image: HTMLImageElement;
  labels: RasterLayer;
  /** accepted-prediction labels, hatched (acceptedValues); made only once the image has some */
  accepted: RasterLayer | null;
  prediction: RasterLayer | null;
  uncertainty: RasterLayer | null;
  /** why there is no uncertainty layer although there is a prediction (no stored margin) */
  uncertaintyMissing: string | null;
  /** which model made the prediction shown ("network N", "preview classifier"), null: none */
  shownModel: string | null;
  /** when the shown prediction was stored */
  predictionMadeAt: string | null;
  /** only a network's prediction can be accepted as labels */
  predictionSource: PredictionData["source"] | null;
  version: number;
}

export const DEFAULT_LAYERS: LayerSettings = {
  image: { visible: true, opacity: 1 },
  prediction: { visible: true, opacity: 0.35 },
  // Below the labels' opacity: the most unsure pixels only (display.ts), the image still seen through.
  uncertainty: { visible: false, opacity: 0.5 },
  labels: { visible: true, opacity: 0.7 },
  accepted: { visible: true, opacity: 0.6 },
};

/**
 * The accepted layer's values from the 0/1 accepted mask: 1 on diagonal hatch lines (drawn
 * white), 2 elsewhere on accepted pixels (transparent), 0 off them; strokes set 0.
 */
function acceptedValues(accepted: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(accepted.length);
  for (let i = 0; i < accepted.length; i++) {
    if (!accepted[i]) continue;
    const x = i % width;
    const y = (i - x) / width;
    out[i] = (x + y) % 6 < 2 ? 1 : 2;
  }
  return out;
}

/** The hatch layer for a mask's accepted pixels (null while there are none and none was shown). */
export function hatchLayer(
  current: RasterLayer | null,
  m: { width: number; height: number; acceptedRle: string; acceptedPixels: number },
): RasterLayer | null {
  if (m.acceptedPixels === 0 && !current) return null;
  const values = acceptedValues(decodeRleBase64(m.acceptedRle, m.width * m.height), m.width);
  if (!current) return new RasterLayer(m.width, m.height, hatchPalette(), values);
  current.setValues(values);
  return current;
}

export function countNonZero(values: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) n++;
  return n;
}

function decodeImage(url: string, from: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.decoding = "async";
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`the image from ${from} could not be decoded`));
    img.src = url;
  });
}

/**
 * Loads an image for painting. Fetched rather than set as an <img> src: a page reuses an image
 * it has shown before without asking again, so a file moved or replaced since would still show.
 * fetch revalidates (the server answers 304 while the file is unchanged), and a failed answer
 * names the file and the reason (missing, undecodable).
 */
export async function loadImage(src: string): Promise<HTMLImageElement> {
  const r = await fetch(src);
  if (!r.ok)
    throw new Error((await r.text()) || `the image could not be loaded from ${src} (HTTP ${r.status})`);
  const url = URL.createObjectURL(await r.blob());
  try {
    return await decodeImage(url, src);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The prediction's class and uncertainty layers (none before the image is predicted). */
export function predictionLayers(
  pred: PredictionData | null,
  classes: ClassDef[],
): Pick<
  Loaded,
  "prediction" | "uncertainty" | "uncertaintyMissing" | "shownModel" | "predictionSource" | "predictionMadeAt"
> {
  if (!pred)
    return {
      prediction: null,
      uncertainty: null,
      uncertaintyMissing: null,
      shownModel: null,
      predictionSource: null,
      predictionMadeAt: null,
    };
  const n = pred.width * pred.height;
  return {
    prediction: new RasterLayer(
      pred.width,
      pred.height,
      classPalette(classes),
      decodeRleBase64(pred.classesRle, n),
    ),
    uncertainty: pred.uncertaintyRle
      ? // Its palette is set by the screen: the share of pixels shown depends on the values.
        new RasterLayer(
          pred.width,
          pred.height,
          new Uint32Array(256),
          decodeRleBase64(pred.uncertaintyRle, n),
        )
      : null,
    uncertaintyMissing: pred.uncertaintyMissing,
    shownModel: pred.modelLabel,
    predictionSource: pred.source,
    predictionMadeAt: pred.madeAt,
  };
}
