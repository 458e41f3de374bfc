/** The first camvid-dev train images with their scribbles, as training samples (bench:train and ab-train-cpu). */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import type { TrainingSample } from "../app/ml/training/train.ts";

/** The first `count` train images of the camvid-dev folder `dir`, or undefined when it is absent. */
export async function loadCamvid(dir: string, count: number): Promise<TrainingSample[] | undefined> {
  const imagesDir = path.join(dir, "train/images");
  if (!fs.existsSync(imagesDir)) return undefined;
  const names = fs
    .readdirSync(imagesDir)
    .filter((n) => n.endsWith(".png"))
    .sort()
    .slice(0, count);
  return Promise.all(
    names.map(async (name) => {
      const img = await sharp(path.join(imagesDir, name))
        .removeAlpha()
        .toColourspace("srgb")
        .raw()
        .toBuffer({ resolveWithObject: true });
      const lab = await sharp(path.join(dir, "train/scribbles", name))
        .extractChannel(0)
        .raw()
        .toBuffer();
      return {
        pixels: new Uint8Array(img.data),
        width: img.info.width,
        height: img.info.height,
        channels: 3 as const,
        labels: new Uint8Array(lab),
      };
    }),
  );
}
