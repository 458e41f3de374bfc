/**
 * The files `predict --out` writes: one class-index PNG per input image and, with uncertainty,
 * its entropy and margin maps beside it. Every input gets names of its own:
 *   a.jpg                      -> a.png, a.entropy.png, a.margin.png
 *   a.jpg and a.png (one stem) -> a.jpg.png, a.png.png: each keeps its extension
 *   a name still taken         -> -2, -3, ... after it, inputs in the order given (b.JPG, b.jpg
 *                                 -> b.JPG.png, b.jpg-2.png: names that differ only in letter
 *                                 case are one file on macOS and Windows disks)
 */
import fs from "node:fs";
import path from "node:path";
import { encodeIndexPng, toBytes } from "./index-png.ts";
import { stem } from "./mask-files.ts";
import type { Prediction } from "../ml/prediction/predict.ts";

export interface PredictionFiles {
  /** the input's file name (or path) */
  input: string;
  mask: string;
  /** with uncertainty: normalized entropy and top-1 minus top-2 probability, 8-bit */
  entropy?: string;
  margin?: string;
  /** named with its extension (or a number): its stem is another input's too */
  renamed: boolean;
}

export function planPredictionFiles(
  inputs: string[],
  outDir: string,
  uncertainty: boolean,
): PredictionFiles[] {
  const suffixes = uncertainty ? ["", ".entropy", ".margin"] : [""];
  const stems = new Map<string, number>();
  for (const f of inputs) stems.set(stem(f).toLowerCase(), (stems.get(stem(f).toLowerCase()) ?? 0) + 1);
  const used = new Set<string>();
  const taken = (name: string) => suffixes.some((s) => used.has(`${name}${s}.png`.toLowerCase()));
  return inputs.map((input) => {
    const base = (stems.get(stem(input).toLowerCase()) ?? 0) > 1 ? path.basename(input) : stem(input);
    let name = base;
    for (let n = 2; taken(name); n++) name = `${base}-${n}`;
    for (const s of suffixes) used.add(`${name}${s}.png`.toLowerCase());
    const file = (suffix: string) => path.join(outDir, `${name}${suffix}.png`);
    return {
      input,
      mask: file(""),
      ...(uncertainty ? { entropy: file(".entropy"), margin: file(".margin") } : {}),
      renamed: name !== stem(input),
    };
  });
}

/** Every path of a plan, for the check against the images to keep. */
export function plannedPaths(plan: PredictionFiles[]): string[] {
  return plan.flatMap((f) => [f.mask, ...(f.entropy ? [f.entropy] : []), ...(f.margin ? [f.margin] : [])]);
}

export function writePredictionFiles(p: Prediction, files: PredictionFiles): void {
  fs.writeFileSync(files.mask, encodeIndexPng(p.classMap, p.width, p.height));
  if (files.entropy) fs.writeFileSync(files.entropy, encodeIndexPng(toBytes(p.entropy), p.width, p.height));
  if (files.margin) fs.writeFileSync(files.margin, encodeIndexPng(toBytes(p.margin), p.width, p.height));
}
