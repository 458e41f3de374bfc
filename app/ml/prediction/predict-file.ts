/**
 * One stored image predicted, wherever prediction runs (the calling thread for the CLI, the
 * worker for the app): decode the file, check it still has its imported size, run the network.
 * No database here, so the worker can use it without the project store.
 */
import { decodePixels, readStoredImage, unreadableReason, type SkippedImage } from "../../images/decode.ts";
import { UserError } from "../../store/errors.ts";
import type { SegmentationNetwork } from "../model/network.ts";
import { predict, type Prediction } from "./predict.ts";

/** An image file that could not be decoded: `file` and a one-line `reason`, for skip lists. */
export class UnreadableImageError extends UserError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** Decodes an image for prediction; an unreadable file becomes an UnreadableImageError. */
export async function readImagePixels(file: string): Promise<Awaited<ReturnType<typeof decodePixels>>> {
  try {
    return await decodePixels(file);
  } catch (e) {
    throw new UnreadableImageError(file, unreadableReason(e));
  }
}

/**
 * Predicts a project image from its file (with the image embedding the suggestions use), or
 * says why it has to be left out: unreadable, or no longer the size it had at import (its
 * prediction would not line up with its labels).
 */
export async function predictImageFile(
  net: SegmentationNetwork,
  file: string,
  imported: { width: number; height: number },
): Promise<{ prediction: Prediction } | { skipped: SkippedImage }> {
  const read = await readStoredImage(file, imported);
  if ("skipped" in read) return read;
  const px = read.pixels;
  const prediction = predict(
    net,
    { pixels: px.data, width: px.width, height: px.height, channels: px.channels },
    { embedding: true },
  );
  return { prediction };
}
