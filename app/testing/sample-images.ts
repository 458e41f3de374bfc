/**
 * The importer tests' source images: folder src/ of `dir` holds one 64 x 48 picture in every
 * readable format (PNG gray, RGB, RGBA, 16-bit; JPEG, one with EXIF orientation 6; TIFF; WebP in
 * nested folders), a duplicate, and files that are not images or cannot be read; anim.gif (an
 * unsupported format) is beside src/.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import sharp from "sharp";
import { ProjectStore } from "../store/project-store.ts";
import { DEMO } from "./tmp.ts";

/** A valid PNG header that claims a huge size (no pixel data needed to be refused). */
function hugePngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(Buffer.alloc(16))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export async function writeSampleImages(dir: string): Promise<void> {
  const src = path.join(dir, "src");
  const sampleImage = path.join(DEMO, "images", "garden-01.png");
  fs.mkdirSync(path.join(src, "nested/deeper"), { recursive: true });
  const rgb = await sharp(sampleImage).resize(64, 48).toBuffer();
  await sharp(rgb).png().toFile(path.join(src, "rgb.png"));
  await sharp(rgb).jpeg().toFile(path.join(src, "nested/photo.jpg"));
  await sharp(rgb).tiff().toFile(path.join(src, "nested/scan.tiff"));
  await sharp(rgb).webp().toFile(path.join(src, "nested/deeper/web.webp"));
  await sharp(rgb).grayscale().toColourspace("b-w").png().toFile(path.join(src, "gray.png"));
  await sharp(rgb).ensureAlpha().png().toFile(path.join(src, "rgba.png"));
  await sharp(rgb).toColourspace("rgb16").png().toFile(path.join(src, "deep16.png"));
  // A portrait photo stored landscape with EXIF orientation 6 (rotate 90 degrees clockwise).
  await sharp(await sharp(rgb).resize(60, 40).toBuffer())
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toFile(path.join(src, "rotated.jpg"));
  fs.copyFileSync(path.join(src, "rgb.png"), path.join(src, "zz-copy-of-rgb.png"));
  fs.writeFileSync(path.join(src, "empty.png"), "");
  fs.writeFileSync(path.join(src, "corrupt.png"), Buffer.from("this is not an image at all".repeat(20)));
  const full = fs.readFileSync(sampleImage);
  fs.writeFileSync(path.join(src, "truncated.png"), full.subarray(0, Math.floor(full.length / 2)));
  fs.writeFileSync(path.join(src, "huge.png"), hugePngHeader(20000, 10000));
  fs.writeFileSync(path.join(src, "notes.txt"), "not an image");
  await sharp(rgb).gif().toFile(path.join(dir, "anim.gif"));
}

/** The project the sample images go into: "p.pxl" in `dir`, classes a and b. */
export function sampleProject(dir: string): ProjectStore {
  return ProjectStore.create(path.join(dir, "p.pxl"), {
    name: "t",
    classes: [
      { idx: 0, name: "a", color: "#112233" },
      { idx: 1, name: "b", color: "#445566" },
    ],
  });
}
