// Predict one image with a model exported by `pixelloop export model`, using only the plain
// @tensorflow/tfjs package (no Pixelloop code) and sharp to decode the image.
//
//   node examples/predict-with-tfjs.mjs MODEL_DIR IMAGE OUT.png
//
// Writes OUT.png with the class index per pixel (8-bit gray), same size as the image.
import fs from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import sharp from "sharp";

const [modelDir, imageFile, outFile] = process.argv.slice(2);
if (!outFile) {
  console.error("usage: node examples/predict-with-tfjs.mjs MODEL_DIR IMAGE OUT.png");
  process.exit(2);
}

// 1. Load model.json + weights from disk (tf.io.fromMemory works in Node without tfjs-node).
const modelJson = JSON.parse(fs.readFileSync(path.join(modelDir, "model.json"), "utf8"));
const meta = JSON.parse(fs.readFileSync(path.join(modelDir, "metadata.json"), "utf8"));
const manifest = modelJson.weightsManifest[0];
const weights = Buffer.concat(manifest.paths.map((p) => fs.readFileSync(path.join(modelDir, p))));
const model = await tf.loadLayersModel(
  tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: manifest.weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
  }),
);

// 2. Decode to RGB 0..255 (EXIF orientation applied, alpha dropped; gray becomes RGB).
const { data, info } = await sharp(imageFile)
  .rotate()
  .removeAlpha()
  .toColourspace("srgb")
  .raw()
  .toBuffer({ resolveWithObject: true });
const { width, height } = info;

// 3. Resize by metadata.input.scale (the model's working resolution), pad to a multiple of
//    metadata.input.sizeMultiple (mirror padding), predict logits, crop, resize back, arg-max.
const m = meta.input.sizeMultiple;
const scale = meta.input.scale ?? 1;
const sh = Math.max(1, Math.round(height * scale));
const sw = Math.max(1, Math.round(width * scale));
const padH = Math.ceil(sh / m) * m - sh;
const padW = Math.ceil(sw / m) * m - sw;
const classes = tf.tidy(() => {
  let x = tf.tensor3d(new Float32Array(data), [height, width, 3]).expandDims(0);
  if (sh !== height || sw !== width) x = tf.image.resizeBilinear(x, [sh, sw]);
  const paddings = [
    [0, 0],
    [0, padH],
    [0, padW],
    [0, 0],
  ];
  x = padH < sh && padW < sw ? tf.mirrorPad(x, paddings, "reflect") : tf.pad(x, paddings);
  let logits = model.predict(x).slice([0, 0, 0, 0], [1, sh, sw, -1]);
  if (sh !== height || sw !== width) logits = tf.image.resizeBilinear(logits, [height, width]);
  return logits.argMax(-1).squeeze([0]).cast("int32");
});
const indices = Uint8Array.from(await classes.data());
await sharp(Buffer.from(indices), { raw: { width, height, channels: 1 } })
  .png()
  .toFile(outFile);
const counts = new Map();
for (const c of indices) counts.set(c, (counts.get(c) ?? 0) + 1);
const summary = [...counts]
  .sort((a, b) => b[1] - a[1])
  .map(([c, n]) => `${meta.classes[c].name} ${((100 * n) / indices.length).toFixed(1)}%`);
console.log(`${path.basename(imageFile)}: ${width}x${height} -> ${outFile} (${summary.join(", ")})`);
