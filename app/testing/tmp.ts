import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** A fresh temporary folder, removed by the returned cleanup. */
export function tmpDir(prefix = "pixelloop-"): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The camvid-dev development data (not part of the repository): $PIXELLOOP_CAMVID, else
 * ../shared/datasets/camvid-dev beside the checkout, else /work/shared/datasets/camvid-dev.
 * Empty string when none exists; tests that need it are then skipped with that reason.
 */
export const CAMVID =
  [
    process.env.PIXELLOOP_CAMVID,
    path.resolve(import.meta.dirname, "../../../shared/datasets/camvid-dev"),
    "/work/shared/datasets/camvid-dev",
  ].find((p): p is string => !!p && fs.existsSync(path.join(p, "classes.json"))) ?? "";

export const CAMVID_MISSING = CAMVID ? null : "camvid-dev data not found (set PIXELLOOP_CAMVID)";
export const DEMO = path.resolve(import.meta.dirname, "../../resources/demo");
