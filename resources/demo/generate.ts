/**
 * Generates the demo project's images: procedural garden-street scenes made by this script
 * (so the project may ship them), with dense ground truth and sparse scribbles.
 * Deterministic: `node --import tsx resources/demo/generate.ts` rewrites the same files.
 */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { encodeIndexPng } from "../../app/exchange/index-png.ts";
import { seededRandom } from "../../app/ml/engine/random.ts";

export const DEMO_CLASSES = [
  { index: 0, name: "sky", color: "#6fa8dc" },
  { index: 1, name: "grass", color: "#6aa84f" },
  { index: 2, name: "road", color: "#999999" },
  { index: 3, name: "tree", color: "#274e13" },
  { index: 4, name: "house", color: "#cc4125" },
];

const W = 320;
const H = 240;

function scene(seed: number): { rgb: Uint8Array; gt: Uint8Array } {
  const r = seededRandom(seed);
  const rgb = new Uint8Array(W * H * 3);
  const gt = new Uint8Array(W * H);
  const horizon = Math.floor(H * (0.35 + r() * 0.2));
  const roadTop = W * (0.4 + r() * 0.2);
  const roadTopHalf = 6 + r() * 10;
  const roadBottomHalf = W * (0.25 + r() * 0.15);
  const roadShift = (r() - 0.5) * W * 0.4;
  const set = (x: number, y: number, c: number, col: [number, number, number], noise: number) => {
    const i = y * W + x;
    gt[i] = c;
    const n = (r() - 0.5) * noise;
    rgb[i * 3] = clamp(col[0] + n);
    rgb[i * 3 + 1] = clamp(col[1] + n);
    rgb[i * 3 + 2] = clamp(col[2] + n);
  };
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (y < horizon) {
        const t = y / horizon;
        set(x, y, 0, [110 + 60 * t, 160 + 50 * t, 230 - 10 * t], 6);
      } else {
        const t = (y - horizon) / (H - horizon);
        const cx = roadTop + roadShift * t;
        const half = roadTopHalf + (roadBottomHalf - roadTopHalf) * t;
        if (Math.abs(x - cx) < half) set(x, y, 2, [120 + 20 * t, 120 + 20 * t, 125 + 20 * t], 18);
        else set(x, y, 1, [80 + 30 * Math.sin(x * 0.3 + y * 0.7), 150 + 20 * t, 60], 40);
      }
    }
  }
  const houses = 1 + Math.floor(r() * 3);
  for (let k = 0; k < houses; k++) {
    const hw = 40 + r() * 50;
    const hh = 30 + r() * 40;
    const hx = r() * (W - hw);
    const base = horizon + 4 + r() * 12;
    const wall: [number, number, number] = [200 + r() * 40, 180 + r() * 40, 150 + r() * 30];
    for (let y = Math.max(0, Math.floor(base - hh - hw / 3)); y < Math.min(H, base); y++) {
      for (let x = Math.max(0, Math.floor(hx)); x < Math.min(W, hx + hw); x++) {
        const roofY = base - hh - (hw / 3) * (1 - Math.abs((x - hx) / hw - 0.5) * 2);
        if (y < roofY) continue;
        const isRoof = y < base - hh;
        const isWindow =
          !isRoof && Math.floor((x - hx) / 8) % 2 === 1 && Math.floor((y - (base - hh)) / 8) % 2 === 1;
        set(x, y, 4, isRoof ? [170, 50, 40] : isWindow ? [60, 70, 90] : wall, 12);
      }
    }
  }
  const trees = 2 + Math.floor(r() * 4);
  for (let k = 0; k < trees; k++) {
    const tx = r() * W;
    const ty = horizon + r() * (H - horizon) * 0.5;
    const rad = 12 + r() * 22;
    for (let y = Math.max(0, Math.floor(ty - rad * 2.2)); y < Math.min(H, ty); y++) {
      for (let x = Math.max(0, Math.floor(tx - rad)); x < Math.min(W, tx + rad); x++) {
        const dx = x - tx;
        const dy = y - (ty - rad * 1.3);
        const inCanopy = dx * dx + dy * dy < rad * rad;
        const inTrunk = Math.abs(dx) < rad * 0.15 && y > ty - rad * 0.5;
        if (inCanopy) set(x, y, 3, [40 + 20 * Math.sin(x + y), 90, 30], 50);
        else if (inTrunk) set(x, y, 3, [90, 60, 30], 15);
      }
    }
  }
  return { rgb, gt };
}

/** Scribbles: for each class, a 3-px line along the middle row of its interior. */
function scribbles(gt: Uint8Array): Uint8Array {
  const s = new Uint8Array(W * H).fill(255);
  const inset = 5;
  for (const c of DEMO_CLASSES) {
    const interior: number[] = [];
    for (let y = inset; y < H - inset; y++) {
      for (let x = inset; x < W - inset; x++) {
        const i = y * W + x;
        if (gt[i] !== c.index) continue;
        if (
          gt[i - inset] === c.index &&
          gt[i + inset] === c.index &&
          gt[i - inset * W] === c.index &&
          gt[i + inset * W] === c.index
        )
          interior.push(i);
      }
    }
    if (interior.length < 30) continue;
    const mid = interior[Math.floor(interior.length / 2)];
    const row = Math.floor(mid / W);
    for (const i of interior) {
      if (Math.abs(Math.floor(i / W) - row) <= 1) s[i] = c.index;
    }
  }
  return s;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

export async function generateDemo(outDir: string, count = 24): Promise<void> {
  for (const sub of ["images", "scribbles", "gt"]) fs.mkdirSync(path.join(outDir, sub), { recursive: true });
  fs.writeFileSync(
    path.join(outDir, "classes.json"),
    JSON.stringify({ classes: DEMO_CLASSES }, null, 2) + "\n",
  );
  for (let k = 0; k < count; k++) {
    const name = `garden-${String(k + 1).padStart(2, "0")}.png`;
    const { rgb, gt } = scene(1000 + k);
    await sharp(Buffer.from(rgb), { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(path.join(outDir, "images", name));
    fs.writeFileSync(path.join(outDir, "gt", name), encodeIndexPng(gt, W, H));
    fs.writeFileSync(path.join(outDir, "scribbles", name), encodeIndexPng(scribbles(gt), W, H));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  await generateDemo(path.dirname(import.meta.filename));
}
