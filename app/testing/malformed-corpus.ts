/**
 * The malformed-input corpus (issue 32): generates, from a few valid files, hundreds of broken
 * inputs of every kind the app reads (images, masks, classes files, COCO files, model folders,
 * project files, API request bodies) and says how each is fed to the app. The test
 * (malformed-corpus.test.ts) runs every case against a service with a project open and checks:
 * no crash (only the app's own errors), a message naming the file or the field, and the project
 * unchanged.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import sharp from "sharp";
import { ApiError } from "../common/api-error.ts";
import type { PixelloopService } from "../api/service.ts";
import type { ImportResult } from "../common/api-types.ts";
import { readClassesFile } from "../exchange/classes-file.ts";
import { importCoco } from "../exchange/coco.ts";
import { importIndexMasks } from "../exchange/mask-files.ts";
import { importColorMasks } from "../exchange/color-masks.ts";
import { encodeIndexPng } from "../exchange/index-png.ts";
import { importModel } from "../exchange/model.ts";
import { UserError } from "../store/errors.ts";
import { pathCases } from "./malformed-paths.ts";
import { execOnFile, withRawDb } from "./raw-db.ts";

/** What one case gives: a refusal and its message, or an acceptance. */
export type Outcome = { refused: true; message: string } | { refused: false; message: string };

export interface MalformedCase {
  /** kind/variant, e.g. "image/png/truncated-50%" */
  name: string;
  /** what the message must name: the file, the folder or the request field */
  names: string;
  /** some damage decoders may tolerate (data bytes flipped): then accepting is not a failure */
  mayAccept?: boolean;
  run(): Promise<Outcome>;
}

/** What the cases run against: a service with the project open, whose images are `images`. */
export interface CorpusContext {
  service: PixelloopService;
  /** where the corpus writes its files */
  dir: string;
  /** file names and sizes of the project's images (masks and COCO files are made for the first) */
  images: { name: string; width: number; height: number }[];
  /** a model folder exported from this project (valid) */
  modelDir: string;
}

/** Errors the app raises on purpose; anything else (TypeError, RangeError, …) is a crash. */
export function isAppError(e: unknown): boolean {
  return e instanceof UserError || e instanceof ApiError;
}

/** Runs `f`; an app error becomes a refusal, anything else is thrown on (a crash). */
async function refusal(f: () => unknown): Promise<Outcome> {
  try {
    await f();
  } catch (e) {
    if (isAppError(e)) return { refused: true, message: (e as Error).message };
    throw e;
  }
  return { refused: false, message: "accepted" };
}

// ---------------------------------------------------------------------------------------------
// Byte surgery

const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

function crc(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type, "latin1"), data])) >>> 0);
  return out;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, Buffer.from(type, "latin1"), data, crc(type, data)]);
}

/** The chunks of a PNG (type and data), in order. */
function pngChunks(png: Buffer): { type: string; data: Buffer }[] {
  const out: { type: string; data: Buffer }[] = [];
  let at = 8;
  while (at + 8 <= png.length) {
    const len = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    out.push({ type, data: png.subarray(at + 8, at + 8 + len) });
    at += 12 + len;
  }
  return out;
}

function buildPng(chunks: { type: string; data: Buffer }[]): Buffer {
  return Buffer.concat([PNG_SIGNATURE, ...chunks.map((c) => chunk(c.type, c.data))]);
}

/** A PNG with its IHDR changed by `edit` (CRC recomputed, so only the values are wrong). */
function editIhdr(png: Buffer, edit: (ihdr: Buffer) => void): Buffer {
  return buildPng(
    pngChunks(png).map((c) => {
      if (c.type !== "IHDR") return c;
      const d = Buffer.from(c.data);
      edit(d);
      return { type: c.type, data: d };
    }),
  );
}

/** A PNG whose IDAT data is replaced (CRC recomputed). */
function replaceIdat(png: Buffer, data: (old: Buffer) => Buffer): Buffer {
  const chunks = pngChunks(png);
  const idat = Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => c.data));
  const out: { type: string; data: Buffer }[] = [];
  let done = false;
  for (const c of chunks) {
    if (c.type !== "IDAT") out.push(c);
    else if (!done) {
      out.push({ type: "IDAT", data: data(idat) });
      done = true;
    }
  }
  return buildPng(out);
}

function truncate(b: Buffer, fraction: number): Buffer {
  return b.subarray(0, Math.floor(b.length * fraction));
}

/** `b` with bytes from `from` (a fraction of its length) on overwritten by a pattern. */
function smash(b: Buffer, from: number, length: number): Buffer {
  const out = Buffer.from(b);
  const start = Math.floor(b.length * from);
  for (let i = start; i < Math.min(out.length, start + length); i++) out[i] = (i * 151 + 7) & 0xff;
  return out;
}

/** A JPEG whose frame header (SOF0/SOF2) says `height` x `width`. */
function jpegWithSize(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i < out.length - 9; i++) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
  }
  throw new Error("no SOF marker");
}

/** A little-endian TIFF with tag `tag` of its first IFD set to `value`. */
function tiffWithTag(tiff: Buffer, tag: number, value: number): Buffer {
  const out = Buffer.from(tiff);
  if (out.toString("latin1", 0, 2) !== "II") throw new Error("expected a little-endian TIFF");
  const ifd = out.readUInt32LE(4);
  const n = out.readUInt16LE(ifd);
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (out.readUInt16LE(e) !== tag) continue;
    const type = out.readUInt16LE(e + 2);
    if (type === 3) out.writeUInt16LE(Math.min(value, 0xffff), e + 8);
    else out.writeUInt32LE(value >>> 0, e + 8);
    return out;
  }
  throw new Error(`TIFF tag ${tag} not found`);
}

/** A PNG of `w` x `h` noise (incompressible, so any cut lands in the pixel data). */
async function noise(w: number, h: number, channels: 1 | 3, seed: number): Promise<Buffer> {
  const px = Buffer.alloc(w * h * channels);
  let s = seed;
  for (let i = 0; i < px.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    px[i] = s >>> 24;
  }
  return sharp(px, { raw: { width: w, height: h, channels } })
    .png()
    .toBuffer();
}

// ---------------------------------------------------------------------------------------------
// The cases

/** Damage done to a valid file of each format: name and the broken bytes. */
function damaged(valid: Buffer, magic: string): [string, Buffer][] {
  return [
    ["empty", Buffer.alloc(0)],
    ["one-byte", valid.subarray(0, 1)],
    ["magic-only", Buffer.from(magic, "latin1")],
    ...[0.05, 0.25, 0.5, 0.75, 0.95].map((f): [string, Buffer] => [
      `truncated-${Math.round(f * 100)}%`,
      truncate(valid, f),
    ]),
    ["magic-then-garbage", Buffer.concat([Buffer.from(magic, "latin1"), Buffer.alloc(4000, 0xa5)])],
    ["bytes-smashed-2%", smash(valid, 0.02, 32)],
    ["text", Buffer.from("this is not an image\n".repeat(20))],
    ["html", Buffer.from("<!doctype html><html><body>hello</body></html>")],
    ["zeros", Buffer.alloc(4096)],
  ];
}

export async function buildCorpus(ctx: CorpusContext): Promise<MalformedCase[]> {
  const { service, dir } = ctx;
  const cases: MalformedCase[] = [];
  const first = ctx.images[0];
  const W = first.width;
  const H = first.height;
  const stem = first.name.replace(/\.[^.]+$/, "");
  let n = 0;
  const file = (name: string, bytes: Buffer | string): string => {
    const d = path.join(dir, "f", String(n++));
    fs.mkdirSync(d, { recursive: true });
    const f = path.join(d, name);
    fs.writeFileSync(f, bytes);
    return f;
  };

  // --- images, through the API's import (the app's and the CLI's path) ---
  const importRefusal = async (f: string): Promise<Outcome> => {
    const r = (await service.call("images.import", { paths: [f] })) as ImportResult;
    const skipped = r.skipped.find((s) => s.file === f);
    if (skipped) return { refused: true, message: `${skipped.file}: ${skipped.reason}` };
    if (r.importedIds.length) await service.call("images.remove", { ids: r.importedIds });
    return { refused: false, message: `imported ${r.imported}` };
  };
  const png = await noise(48, 40, 3, 1);
  const jpeg = await sharp(png).jpeg({ quality: 90 }).toBuffer();
  const tiff = await sharp(png).tiff({ compression: "none" }).toBuffer();
  const webp = await sharp(png).webp().toBuffer();
  const formats: [string, string, Buffer, string][] = [
    ["png", ".png", png, PNG_SIGNATURE.toString("latin1")],
    ["jpeg", ".jpg", jpeg, "\xff\xd8\xff\xe0"],
    ["tiff", ".tif", tiff, "II*\0"],
    ["webp", ".webp", webp, "RIFF\0\0\0\0WEBP"],
  ];
  const imageCase = (name: string, f: string, mayAccept = false) =>
    cases.push({ name, names: f, mayAccept, run: () => importRefusal(f) });
  for (const [fmt, ext, valid, magic] of formats)
    for (const [what, bytes] of damaged(valid, magic))
      // Bytes smashed inside the data may still decode (to other pixels): not refused then.
      imageCase(
        `image/${fmt}/${what}`,
        file(`img${ext}`, bytes),
        what.startsWith("bytes-smashed") && fmt !== "png",
      );
  // Header values: huge, zero and impossible sizes; broken checksums and compressed data.
  const pngVariants: [string, Buffer, boolean?][] = [
    ["huge-100000x100000", editIhdr(png, (d) => (d.writeUInt32BE(100_000, 0), d.writeUInt32BE(100_000, 4)))],
    ["huge-2^31", editIhdr(png, (d) => (d.writeUInt32BE(0x7fffffff, 0), d.writeUInt32BE(0x7fffffff, 4)))],
    ["zero-width", editIhdr(png, (d) => d.writeUInt32BE(0, 0))],
    ["zero-height", editIhdr(png, (d) => d.writeUInt32BE(0, 4))],
    ["bit-depth-3", editIhdr(png, (d) => (d[8] = 3))],
    ["color-type-7", editIhdr(png, (d) => (d[9] = 7))],
    ["interlace-9", editIhdr(png, (d) => (d[12] = 9))],
    // libspng, like most decoders, does not insist on the checksums of a chunk it can read
    ["ihdr-crc-wrong", smash(png, (8 + 8 + 13) / png.length, 4), true],
    ["idat-not-zlib", replaceIdat(png, (d) => Buffer.alloc(d.length, 0x42))],
    ["idat-half", replaceIdat(png, (d) => zlib.deflateSync(zlib.inflateSync(d).subarray(0, 1000)))],
    ["idat-missing", buildPng(pngChunks(png).filter((c) => c.type !== "IDAT"))],
    ["iend-only", buildPng([{ type: "IEND", data: Buffer.alloc(0) }])],
    [
      "chunk-length-4GB",
      (() => {
        const b = Buffer.from(png);
        b.writeUInt32BE(0xfffffff0, 8 + 25);
        return b;
      })(),
    ],
    ["idat-bytes-flipped", smash(png, 0.5, 8), true],
  ];
  for (const [what, bytes, may] of pngVariants) imageCase(`image/png/${what}`, file("img.png", bytes), may);
  const jpegVariants: [string, Buffer, boolean?][] = [
    ["huge-65500x65500", jpegWithSize(jpeg, 65500, 65500)],
    ["zero-width", jpegWithSize(jpeg, 0, 40)],
    ["zero-height", jpegWithSize(jpeg, 48, 0)],
    ["no-end-marker", jpeg.subarray(0, jpeg.length - 2), true],
    ["scan-bytes-flipped", smash(jpeg, 0.6, 16), true],
  ];
  for (const [what, bytes, may] of jpegVariants) imageCase(`image/jpeg/${what}`, file("img.jpg", bytes), may);
  const tiffVariants: [string, Buffer][] = [
    ["huge-width-height", tiffWithTag(tiffWithTag(tiff, 256, 1_000_000), 257, 1_000_000)],
    ["zero-width", tiffWithTag(tiff, 256, 0)],
    [
      "ifd-offset-past-end",
      (() => {
        const b = Buffer.from(tiff);
        b.writeUInt32LE(0xfffffff0, 4);
        return b;
      })(),
    ],
    ["strip-offset-past-end", tiffWithTag(tiff, 273, 0x7ffffff0)],
    ["bits-per-sample-77", tiffWithTag(tiff, 258, 77)],
  ];
  for (const [what, bytes] of tiffVariants) imageCase(`image/tiff/${what}`, file("img.tif", bytes));
  // Not files at all, or not where they seem.
  const folderImg = path.join(dir, "f", String(n++), "folder.png");
  fs.mkdirSync(folderImg, { recursive: true });
  imageCase("image/folder-named-png", folderImg);
  const loop = path.join(dir, "f", String(n++));
  fs.mkdirSync(loop, { recursive: true });
  fs.symlinkSync(path.join(loop, "loop.png"), path.join(loop, "loop.png"));
  imageCase("image/symlink-loop", path.join(loop, "loop.png"));
  const dangling = path.join(loop, "dangling.png");
  fs.symlinkSync(path.join(loop, "gone.png"), dangling);
  imageCase("image/dangling-symlink", dangling);
  imageCase("image/missing", path.join(dir, "no-such-image.png"));

  // --- masks for the project's first image, each alone in a folder ---
  const maskRefusal = async (folder: string, color = false): Promise<Outcome> => {
    const store = service.project!;
    const r = color ? await importColorMasks(store, folder) : importIndexMasks(store, folder);
    if (r.errors.length) return { refused: true, message: r.errors.map((e) => e.reason).join("; ") };
    return { refused: false, message: `imported ${r.imported.length}` };
  };
  // Values 0 and 1 at random: a mask that does not compress to nothing, so cuts land in its data.
  const values = new Uint8Array(W * H).map((_, i) => ((i * 2654435761) >>> 13) & 1);
  const mask = encodeIndexPng(values, W, H);
  const maskCase = (name: string, bytes: Buffer | Uint8Array, color = false) => {
    const f = file(`${stem}.png`, Buffer.from(bytes));
    cases.push({ name, names: f, run: () => maskRefusal(path.dirname(f), color) });
  };
  for (const [what, bytes] of damaged(Buffer.from(mask), PNG_SIGNATURE.toString("latin1"))) {
    maskCase(`mask/index/${what}`, bytes);
    if (["empty", "truncated-50%", "text", "magic-then-garbage"].includes(what))
      maskCase(`mask/color/${what}`, bytes, true);
  }
  const bigMask = Buffer.from(mask);
  maskCase(
    "mask/index/huge-header",
    editIhdr(bigMask, (d) => (d.writeUInt32BE(100_000, 0), d.writeUInt32BE(100_000, 4))),
  );
  maskCase(
    "mask/index/zero-width",
    editIhdr(bigMask, (d) => d.writeUInt32BE(0, 0)),
  );
  maskCase(
    "mask/index/idat-half",
    replaceIdat(bigMask, (d) => zlib.deflateSync(zlib.inflateSync(d).subarray(0, 3))),
  );
  maskCase(
    "mask/index/idat-not-zlib",
    replaceIdat(bigMask, (d) => Buffer.alloc(d.length + 8, 0x42)),
  );
  maskCase("mask/index/idat-missing", buildPng(pngChunks(bigMask).filter((c) => c.type !== "IDAT")));
  maskCase("mask/index/wrong-size", encodeIndexPng(new Uint8Array((W + 1) * H).fill(1), W + 1, H));
  maskCase("mask/index/color-not-gray", await noise(W, H, 3, 2));
  maskCase("mask/color/wrong-size", await noise(W + 3, H, 3, 3), true);
  maskCase(
    "mask/color/huge-header",
    editIhdr(await noise(W, H, 3, 4), (d) => (d.writeUInt32BE(100_000, 0), d.writeUInt32BE(100_000, 4))),
    true,
  );
  {
    const d = path.join(dir, "f", String(n++), stem + ".png");
    fs.mkdirSync(d, { recursive: true });
    cases.push({
      name: "mask/index/folder-named-like-mask",
      names: d,
      run: () => maskRefusal(path.dirname(d)),
    });
  }
  for (const [what, target] of [
    ["mask/folder-missing", path.join(dir, "no-such-masks")],
    ["mask/folder-is-a-file", file("masks.txt", "x")],
  ] as const)
    cases.push({ name: what, names: target, run: () => maskRefusal(target) });

  // --- classes files (init --classes-file, the app's classes file) ---
  const classesCase = (what: string, text: string | Buffer) => {
    const f = file("classes.json", text);
    cases.push({ name: `classes/${what}`, names: f, run: () => refusal(() => readClassesFile(f)) });
  };
  const cls = (classes: unknown, extra: object = {}) => JSON.stringify({ ...extra, classes });
  const classesVariants: [string, string | Buffer][] = [
    ["empty", ""],
    ["whitespace", "  \n\t "],
    ["not-json", "road, car, sky"],
    ["truncated", cls([{ index: 0, name: "road" }]).slice(0, 20)],
    ["null", "null"],
    ["number", "42"],
    ["string", '"classes"'],
    ["array", '[{"index":0,"name":"road"}]'],
    ["no-classes", "{}"],
    ["classes-string", cls("road,car")],
    ["classes-object", cls({ 0: "road" })],
    ["classes-empty", cls([])],
    ["entry-null", cls([null])],
    ["entry-string", cls(["road"])],
    ["name-missing", cls([{ index: 0 }])],
    ["name-empty", cls([{ index: 0, name: "   " }])],
    ["name-number", cls([{ index: 0, name: 7 }])],
    ["name-too-long", cls([{ index: 0, name: "n".repeat(61) }])],
    ["name-10000", cls([{ index: 0, name: "n".repeat(10_000) }])],
    ["index-missing", cls([{ name: "road" }])],
    ["index-negative", cls([{ index: -1, name: "road" }])],
    ["index-255", cls([{ index: 255, name: "road" }])],
    ["index-fraction", cls([{ index: 0.5, name: "road" }])],
    ["index-string", cls([{ index: "0", name: "road" }])],
    [
      "index-gap",
      cls([
        { index: 0, name: "a" },
        { index: 2, name: "b" },
      ]),
    ],
    [
      "index-twice",
      cls([
        { index: 0, name: "a" },
        { index: 0, name: "b" },
      ]),
    ],
    [
      "name-twice",
      cls([
        { index: 0, name: "road" },
        { index: 1, name: "Road" },
      ]),
    ],
    ["color-bad", cls([{ index: 0, name: "a", color: "#zzzzzz" }])],
    ["color-short", cls([{ index: 0, name: "a", color: "#fff" }])],
    ["color-number", cls([{ index: 0, name: "a", color: 16711680 }])],
    ["void-300", cls([{ index: 0, name: "a" }], { void: 300 })],
    ["256-classes", cls(Array.from({ length: 256 }, (_, i) => ({ index: i, name: `c${i}` })))],
    ["utf16", Buffer.from("\ufeff" + cls([{ index: 0, name: "a" }]), "utf16le")],
    ["binary", Buffer.from([0, 1, 2, 3, 255, 254, 0, 0])],
    ["deep-nesting", "[".repeat(100_000) + "]".repeat(100_000)],
    ["over-1MiB", cls([{ index: 0, name: "a" }]) + " ".repeat(1024 * 1024 + 10)],
  ];
  for (const [what, text] of classesVariants) classesCase(what, text);

  // --- COCO files naming the project's first image ---
  const cocoCase = (what: string, doc: unknown, raw?: string | Buffer) => {
    const f = file("coco.json", raw ?? JSON.stringify(doc));
    cases.push({ name: `coco/${what}`, names: f, run: () => refusal(() => importCoco(service.project!, f)) });
  };
  const cat = [{ id: 1, name: "disc" }];
  const img = [{ id: 1, file_name: first.name, width: W, height: H }];
  const poly = [[1, 1, W - 2, 1, W - 2, H - 2]];
  const ann = (a: object) => ({
    images: img,
    categories: cat,
    annotations: [{ image_id: 1, category_id: 1, ...a }],
  });
  const cocoVariants: [string, unknown, (string | Buffer)?][] = [
    ["empty", null, ""],
    ["not-json", null, "images: []"],
    ["truncated", null, JSON.stringify(ann({ segmentation: poly })).slice(0, 60)],
    ["null", null],
    ["array", []],
    ["string", "coco"],
    ["no-images", { categories: cat, annotations: [] }],
    ["no-annotations", { images: img, categories: cat }],
    ["no-categories", { images: img, annotations: [] }],
    ["images-object", { images: {}, categories: cat, annotations: [] }],
    ["category-id-missing", { images: img, categories: [{ name: "disc" }], annotations: [] }],
    ["category-name-number", { images: img, categories: [{ id: 1, name: 5 }], annotations: [] }],
    ["category-unknown", { images: img, categories: [{ id: 1, name: "no-such-class" }], annotations: [] }],
    ["image-id-missing", { images: [{ file_name: first.name }], categories: cat, annotations: [] }],
    ["image-file-missing", { images: [{ id: 1 }], categories: cat, annotations: [] }],
    [
      "image-not-in-project",
      { images: [{ id: 1, file_name: "nope.png" }], categories: cat, annotations: [] },
    ],
    ["image-size-wrong", { images: [{ ...img[0], width: W + 1 }], categories: cat, annotations: [] }],
    [
      "image-size-huge",
      { images: [{ ...img[0], width: 1e9, height: 1e9 }], categories: cat, annotations: [] },
    ],
    [
      "annotation-image-unknown",
      { ...ann({ segmentation: poly }), annotations: [{ image_id: 9, category_id: 1, segmentation: poly }] },
    ],
    [
      "annotation-category-unknown",
      { ...ann({ segmentation: poly }), annotations: [{ image_id: 1, category_id: 9, segmentation: poly }] },
    ],
    ["annotation-null", { images: img, categories: cat, annotations: [null] }],
    ["segmentation-missing", ann({})],
    ["segmentation-string", ann({ segmentation: "polygon" })],
    ["polygon-odd", ann({ segmentation: [[1, 1, 5, 1, 5]] })],
    ["polygon-short", ann({ segmentation: [[1, 1, 5, 1]] })],
    ["polygon-strings", ann({ segmentation: [["1", "1", "5", "1", "5", "5"]] })],
    ["polygon-null", ann({ segmentation: [null] })],
    [
      "polygon-nested",
      ann({
        segmentation: [
          [
            [1, 1],
            [5, 1],
            [5, 5],
          ],
        ],
      }),
    ],
    ["rle-size-missing", ann({ segmentation: { counts: [W * H] } })],
    ["rle-size-wrong", ann({ segmentation: { size: [H + 1, W], counts: [W * H] } })],
    ["rle-counts-missing", ann({ segmentation: { size: [H, W] } })],
    ["rle-counts-object", ann({ segmentation: { size: [H, W], counts: { a: 1 } } })],
    ["rle-counts-negative", ann({ segmentation: { size: [H, W], counts: [-5, W * H + 5] } })],
    ["rle-counts-fraction", ann({ segmentation: { size: [H, W], counts: [0.5, W * H - 0.5] } })],
    ["rle-counts-too-many", ann({ segmentation: { size: [H, W], counts: [W * H, 5, 5] } })],
    ["rle-counts-huge", ann({ segmentation: { size: [H, W], counts: [0, 1e15] } })],
    ["rle-string-garbage", ann({ segmentation: { size: [H, W], counts: "\u0000\u0001~~~~" } })],
    ["rle-string-overflow", ann({ segmentation: { size: [H, W], counts: "zzzzzzzzzzzzzzzzzzzz" } })],
    ["binary", null, Buffer.from([0xff, 0xfe, 0, 1, 2])],
    ["deep-nesting", null, "[".repeat(100_000) + "]".repeat(100_000)],
  ];
  for (const [what, doc, raw] of cocoVariants) cocoCase(what, doc, raw);

  // --- model folders: copies of a valid export, each broken one way ---
  const modelCase = (what: string, change: (d: string) => void) => {
    const d = path.join(dir, "models", what);
    fs.cpSync(ctx.modelDir, d, { recursive: true });
    change(d);
    cases.push({
      name: `model/${what}`,
      names: d,
      run: () => refusal(() => importModel(service.project!, d)),
    });
  };
  const editJson = (d: string, f: string, edit: (j: Record<string, unknown>) => void) => {
    const p = path.join(d, f);
    const j = JSON.parse(fs.readFileSync(p, "utf8"));
    edit(j);
    fs.writeFileSync(p, JSON.stringify(j));
  };
  type Arch = Record<string, unknown>;
  const arch = (edit: (a: Arch) => void) => (d: string) =>
    editJson(d, "metadata.json", (j) => edit(j.architecture as Arch));
  type Manifest = { paths: unknown; weights: { name: unknown; shape: unknown; dtype: unknown }[] }[];
  const manifest = (edit: (m: Manifest) => void) => (d: string) =>
    editJson(d, "model.json", (j) => edit(j.weightsManifest as Manifest));
  const modelVariants: [string, (d: string) => void][] = [
    ["empty-folder", (d) => fs.rmSync(d, { recursive: true }) ?? fs.mkdirSync(d)],
    ["no-model-json", (d) => fs.rmSync(path.join(d, "model.json"))],
    ["no-metadata", (d) => fs.rmSync(path.join(d, "metadata.json"))],
    ["no-weights", (d) => fs.rmSync(path.join(d, "weights.bin"))],
    ["model-json-empty", (d) => fs.writeFileSync(path.join(d, "model.json"), "")],
    ["model-json-garbage", (d) => fs.writeFileSync(path.join(d, "model.json"), "{weights")],
    ["metadata-garbage", (d) => fs.writeFileSync(path.join(d, "metadata.json"), "\u0000\u0001")],
    ["metadata-null", (d) => fs.writeFileSync(path.join(d, "metadata.json"), "null")],
    ["metadata-array", (d) => fs.writeFileSync(path.join(d, "metadata.json"), "[]")],
    ["format-wrong", (d) => editJson(d, "metadata.json", (j) => (j.format = "other/9"))],
    ["classes-missing", (d) => editJson(d, "metadata.json", (j) => delete j.classes)],
    ["classes-not-names", (d) => editJson(d, "metadata.json", (j) => (j.classes = [1, 2]))],
    [
      "classes-other",
      (d) => editJson(d, "metadata.json", (j) => (j.classes = [{ name: "x" }, { name: "y" }])),
    ],
    ["architecture-missing", (d) => editJson(d, "metadata.json", (j) => delete j.architecture)],
    ["num-classes-mismatch", arch((a) => (a.numClasses = 3))],
    ["num-classes-0", arch((a) => (a.numClasses = 0))],
    ["widths-huge", arch((a) => (a.widths = [1e9, 1e9]))],
    ["widths-one-stage", arch((a) => (a.widths = [4]))],
    ["widths-strings", arch((a) => (a.widths = ["4", "8"]))],
    ["widths-fraction", arch((a) => (a.widths = [4.5, 8]))],
    ["embedding-huge", arch((a) => (a.embeddingDim = 1e7))],
    ["projection-negative", arch((a) => (a.projectionHidden = -4))],
    ["input-scale-zero", arch((a) => (a.inputScale = 0))],
    ["input-scale-huge", arch((a) => (a.inputScale = 1e6))],
    ["manifest-missing", (d) => editJson(d, "model.json", (j) => delete j.weightsManifest)],
    ["manifest-empty", manifest((m) => m.splice(0))],
    ["path-up", manifest((m) => (m[0].paths = ["../../etc/passwd"]))],
    ["path-absolute", manifest((m) => (m[0].paths = ["/etc/passwd"]))],
    ["path-not-string", manifest((m) => (m[0].paths = [7]))],
    ["path-folder", (d) => (fs.mkdirSync(path.join(d, "sub")), manifest((m) => (m[0].paths = ["sub"]))(d))],
    ["weights-truncated", (d) => fs.truncateSync(path.join(d, "weights.bin"), 100)],
    ["weights-longer", (d) => fs.appendFileSync(path.join(d, "weights.bin"), Buffer.alloc(64))],
    ["weights-empty", (d) => fs.truncateSync(path.join(d, "weights.bin"), 0)],
    ["dtype-int32", manifest((m) => (m[0].weights[0].dtype = "int32"))],
    ["dtype-unknown", manifest((m) => (m[0].weights[0].dtype = "complex128"))],
    ["shape-negative", manifest((m) => (m[0].weights[0].shape = [-1, 3]))],
    ["shape-fraction", manifest((m) => (m[0].weights[0].shape = [1.5, 2]))],
    ["shape-huge", manifest((m) => (m[0].weights[0].shape = [1e6, 1e6]))],
    ["shape-string", manifest((m) => (m[0].weights[0].shape = "3x3"))],
    ["weight-renamed", manifest((m) => (m[0].weights[0].name = "no/such/weight"))],
    ["weight-dropped", manifest((m) => m[0].weights.pop())],
  ];
  for (const [what, change] of modelVariants) modelCase(what, change);
  cases.push({
    name: "model/folder-missing",
    names: path.join(dir, "no-such-model"),
    run: () => refusal(() => importModel(service.project!, path.join(dir, "no-such-model"))),
  });

  // --- project files, opened through the API (the open project must stay open) ---
  const projectCase = (what: string, f: string) =>
    cases.push({
      name: `project/${what}`,
      names: f,
      run: () => refusal(() => service.call("project.open", { file: f })),
    });
  const good = service.project!.file;
  const copyProject = (what: string, edit: (f: string) => void) => {
    const f = path.join(dir, "projects", `${what}.pxl`);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.copyFileSync(good, f);
    edit(f);
    projectCase(what, f);
  };
  const sql = (statements: string) => (f: string) => execOnFile(f, statements);
  // The open project's file, checkpointed so a copy holds everything (the WAL is not copied).
  withRawDb(service.project!, (db) => db.pragma("wal_checkpoint(TRUNCATE)"));
  projectCase("empty", file("empty.pxl", ""));
  projectCase("text", file("text.pxl", "not a project\n"));
  projectCase("sqlite-magic-only", file("magic.pxl", "SQLite format 3\0"));
  projectCase("zeros", file("zeros.pxl", Buffer.alloc(8192)));
  copyProject("truncated-half", (f) => fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2)));
  copyProject("truncated-header", (f) => fs.truncateSync(f, 50));
  // A page smashed where the open does not look (masks, strokes, thumbnails) may open: then every
  // call that reads the damage must fail with the file named, and the others still work.
  for (const at of [0.1, 0.3, 0.5, 0.7, 0.9]) {
    const f = path.join(dir, "projects", `smashed-${at * 100}.pxl`);
    fs.copyFileSync(good, f);
    fs.writeFileSync(f, smash(fs.readFileSync(f), at, 4096));
    cases.push({
      name: `project/page-smashed-at-${at * 100}%`,
      names: f,
      mayAccept: true,
      run: async () => {
        const opened = await refusal(() => service.call("project.open", { file: f }));
        if (opened.refused) return opened;
        const reads: [string, unknown][] = [
          ["images.list", {}],
          ["project.status", {}],
          ["suggestions.list", {}],
          ...ctx.images.map((_, i): [string, unknown] => ["masks.get", { imageId: i + 1 }]),
          ...ctx.images.map((_, i): [string, unknown] => ["images.get", { id: i + 1 }]),
        ];
        for (const [method, body] of reads) {
          const r = await refusal(() => service.call(method, body));
          if (r.refused && !r.message.includes(f))
            throw new Error(`${method} on the damaged project: the message does not name it: ${r.message}`);
        }
        return { refused: false, message: "opened; damaged reads named the file" };
      },
    });
  }
  copyProject("other-application", sql("PRAGMA application_id = 12345"));
  copyProject("newer-version", sql("PRAGMA user_version = 9999"));
  copyProject("table-images-dropped", sql("DROP TABLE images"));
  copyProject("table-classes-dropped", sql("DROP TABLE classes"));
  copyProject("table-meta-dropped", sql("DROP TABLE meta"));
  const foreign = path.join(dir, "projects", "foreign.pxl");
  sql("CREATE TABLE t(x)")(foreign);
  projectCase("foreign-sqlite", foreign);
  const pfolder = path.join(dir, "projects", "folder.pxl");
  fs.mkdirSync(pfolder, { recursive: true });
  projectCase("folder", pfolder);
  projectCase("missing", path.join(dir, "projects", "missing.pxl"));
  projectCase("relative-path", "relative.pxl");

  // --- request bodies, through the service (as HTTP and IPC call it) ---
  const apiCase = (method: string, body: unknown, names: string) =>
    cases.push({
      name: `api/${method}/${names}/${JSON.stringify(body)?.slice(0, 40)}`,
      names,
      run: () => refusal(() => service.call(method, body)),
    });
  const id = 1;
  const stroke = { imageId: id, tool: "brush", classIdx: 1, width: 3, points: [[1, 1]] };
  const apiVariants: [string, unknown, string][] = [
    ["no.such.method", {}, "no.such.method"],
    ["__proto__", {}, "__proto__"],
    ["constructor", {}, "constructor"],
    ["project.status", [], "project.status"],
    ["project.status", "x", "project.status"],
    ["project.status", 5, "project.status"],
    ["project.status", { extra: 1 }, "project.status"],
    ["project.open", {}, "file"],
    ["project.open", { file: 5 }, "file"],
    ["project.open", { file: "" }, "file"],
    ["project.create", { name: "x" }, "classes"],
    ["project.create", { name: "", classes: [{ name: "a", color: "#000000" }] }, "name"],
    ["project.create", { name: "x", classes: [] }, "classes"],
    ["project.create", { name: "x", classes: [{ name: "a", color: "red" }] }, "color"],
    [
      "project.create",
      {
        name: "x",
        classes: [
          { name: "a", color: "#000000" },
          { name: "A", color: "#000000" },
        ],
      },
      "classes",
    ],
    [
      "project.create",
      { name: "x", classes: Array.from({ length: 300 }, (_, i) => ({ name: `c${i}`, color: "#000000" })) },
      "classes",
    ],
    ["classes.add", { name: "" }, "name"],
    ["classes.add", { name: "x".repeat(61) }, "name"],
    ["classes.add", { name: "disc" }, "disc"],
    ["classes.add", { name: "new", color: "#12345" }, "color"],
    ["classes.update", { idx: -1 }, "idx"],
    ["classes.update", { idx: 1.5, name: "x" }, "idx"],
    ["classes.update", { idx: 200, name: "x" }, "200"],
    ["classes.update", { idx: 0, name: "disc" }, "disc"],
    ["images.list", { limit: 0 }, "limit"],
    ["images.list", { limit: 1e9 }, "limit"],
    ["images.list", { offset: -1 }, "offset"],
    ["images.list", { sort: "evil" }, "sort"],
    ["images.list", { search: "x".repeat(201) }, "search"],
    ["images.get", { id: 0 }, "id"],
    ["images.get", { id: "1" }, "id"],
    ["images.get", { id: 999_999 }, "999999"],
    ["images.get", { id: 1e300 }, "id"],
    ["images.neighbors", { id: -4 }, "id"],
    ["images.check", { id: 999_999 }, "999999"],
    ["images.setSplit", { ids: [], split: "train" }, "ids"],
    ["images.setSplit", { ids: [1], split: "holdout" }, "split"],
    ["images.remove", { ids: "all" }, "ids"],
    ["images.remove", { ids: Array.from({ length: 100_001 }, (_, i) => i + 1) }, "ids"],
    ["images.import", { paths: [] }, "paths"],
    ["images.import", { paths: [""] }, "paths"],
    ["images.import", { paths: "x.png" }, "paths"],
    ["images.import", { paths: ["a.png"], split: "x" }, "split"],
    ["masks.get", { imageId: 999_999 }, "999999"],
    ["masks.get", {}, "imageId"],
    ["strokes.commit", { ...stroke, tool: "spray" }, "tool"],
    ["strokes.commit", { ...stroke, classIdx: null }, "classIdx"],
    ["strokes.commit", { ...stroke, classIdx: 254 }, "254"],
    ["strokes.commit", { ...stroke, classIdx: -1 }, "classIdx"],
    ["strokes.commit", { ...stroke, width: 0 }, "width"],
    ["strokes.commit", { ...stroke, width: 1e9 }, "width"],
    ["strokes.commit", { ...stroke, points: [] }, "points"],
    ["strokes.commit", { ...stroke, points: [[1]] }, "points"],
    ["strokes.commit", { ...stroke, points: [["1", "1"]] }, "points"],
    ["strokes.commit", { ...stroke, points: [[null, 1]] }, "points"],
    ["strokes.commit", { ...stroke, points: [[Number.POSITIVE_INFINITY, 1]] }, "points"],
    [
      "strokes.commit",
      {
        ...stroke,
        tool: "polygon",
        points: [
          [1, 1],
          [2, 2],
        ],
      },
      "points",
    ],
    ["strokes.commit", { ...stroke, imageId: 999_999 }, "999999"],
    ["strokes.commit", { ...stroke, extra: true }, "extra"],
    ["masks.undo", { imageId: 0 }, "imageId"],
    ["regions.accept", { imageId: id, x: -1, y: 0 }, "x"],
    ["regions.accept", { imageId: id, x: 0.5, y: 0 }, "x"],
    ["masks.acceptConfident", { imageId: id, minConfidence: 2 }, "minConfidence"],
    ["predictions.get", { imageId: id, measure: "luck" }, "measure"],
    ["suggestions.list", { limit: 10_000 }, "limit"],
    ["training.start", { epochs: -1 }, "epochs"],
    ["training.start", { size: 17 }, "size"],
    ["training.start", { size: 4096 }, "size"],
    ["training.start", { widths: [] }, "widths"],
    ["training.start", { widths: [1e6] }, "widths"],
    ["training.start", { batchSize: 0 }, "batchSize"],
    ["training.start", { backend: "quantum" }, "backend"],
    ["training.start", { terms: { magic: true } }, "terms"],
    ["training.start", { minutes: 1e9 }, "minutes"],
    ["export.masks", { format: "gif" }, "format"],
    ["export.masks", { format: "index", source: "psychic" }, "source"],
    ["export.masks", { format: "index", outDir: "" }, "outDir"],
    ["export.masks", { format: "index", outDir: "/dev/null" }, "/dev/null"],
    ["export.dataset", { outDir: 5 }, "outDir"],
    ["export.model", { modelId: 0 }, "modelId"],
    ["export.model", { modelId: 999_999 }, "999999"],
  ];
  for (const [method, body, names] of apiVariants) apiCase(method, body, names);
  // Paths read or listed: the folder picker's methods, the import's paths (malformed-paths.ts).
  cases.push(...pathCases(ctx));
  return cases;
}
