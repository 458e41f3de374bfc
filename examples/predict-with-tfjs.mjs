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

// 3. Pad to a multiple of metadata.input.sizeMultiple, predict logits, arg-max, crop back.
const m = meta.input.sizeMultiple;
const padH = Math.ceil(height / m) * m - height;
const padW = Math.ceil(width / m) * m - width;
const classes = tf.tidy(() => {
  const x = tf
    .tensor3d(new Float32Array(data), [height, width, 3])
    .pad(
      [
        [0, padH],
        [0, padW],
        [0, 0],
      ],
      0,
    )
    .expandDims(0);
  const logits = model.predict(x);
  return logits.argMax(-1).squeeze([0]).slice([0, 0], [height, width]).cast("int32");
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
