/** Raw pixels -> tensors, shared by prediction and training. */
import { tf } from "../engine/tf.ts";

export type ChannelCount = 1 | 3 | 4;

/** Interleaved 8-bit pixels, row-major, `channels` bytes per pixel. */
export interface RawImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: ChannelCount;
}

export function validateRawImage(image: RawImage, what = "image"): void {
  const { width, height, channels, pixels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`${what}: invalid size ${width}x${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4)
    throw new Error(`${what}: unsupported channel count ${String(channels)}`);
  if (pixels.length !== width * height * channels) {
    throw new Error(
      `${what}: expected ${width * height * channels} bytes for ${width}x${height}x${channels}, got ${pixels.length}`,
    );
  }
}

/**
 * [H, W, 3] float32 RGB in 0..255 (the network's input convention): gray is replicated to three
 * channels, alpha is dropped.
 */
export function rgbTensor(image: RawImage): tf.Tensor3D {
  validateRawImage(image);
  return tf.tidy(() => {
    const raw = tf.tensor3d(
      Int32Array.from(image.pixels),
      [image.height, image.width, image.channels],
      "int32",
    );
    let rgb: tf.Tensor3D = tf.cast(raw, "float32");
    if (image.channels === 1) rgb = tf.tile(rgb, [1, 1, 3]);
    else if (image.channels === 4) rgb = tf.slice(rgb, [0, 0, 0], [-1, -1, 3]);
    return rgb;
  });
}
