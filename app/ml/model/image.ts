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
  const { width, height, channels, pixels } = image;
  // One pass from the bytes to float32 RGB: no int32 copy, cast, tile or slice on the backend
  // (a 12-megapixel photo: 219 -> 145 ms).
  if (channels === 3) return tf.tensor3d(new Float32Array(pixels), [height, width, 3]);
  const n = width * height;
  const rgb = new Float32Array(n * 3);
  for (let i = 0, at = 0, j = 0; i < n; i++, at += channels, j += 3) {
    const first = pixels[at];
    rgb[j] = first;
    rgb[j + 1] = channels === 1 ? first : pixels[at + 1];
    rgb[j + 2] = channels === 1 ? first : pixels[at + 2];
  }
  return tf.tensor3d(rgb, [height, width, 3]);
}
