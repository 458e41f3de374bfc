/**
 * Tensor backend ladder (docs/ml-engine.md, docs/architecture.md), chosen at run time and reported:
 *   1. @tensorflow/tfjs-node-gpu  (native TensorFlow with CUDA)
 *   2. @tensorflow/tfjs-node      (native TensorFlow on the CPU)
 *   3. @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD) + our training kernels
 *   4. @tensorflow/tfjs-backend-cpu  (plain JavaScript; correct, far too slow to train)
 * The native packages are optional dependencies whose install downloads libtensorflow; they are
 * loaded softly and every failure is recorded with a reason a person can read.
 */
import { createRequire } from "node:module";
import os from "node:os";
import util from "node:util";
import { tf } from "./tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from "./kernels/wasm-kernels.ts";
import { simdKernelsStatus } from "./kernels/simd/simd-kernels.ts";
import { registerBatchNormGradient } from "./kernels/batch-norm-gradient.ts";
import { enableWasmThreadsUnderNode } from "./wasm-threads.ts";

export type BackendName = "tfjs-node-gpu" | "tfjs-node" | "wasm" | "cpu";
export type BackendPreference = "auto" | BackendName;

export const BACKEND_LADDER: readonly BackendName[] = ["tfjs-node-gpu", "tfjs-node", "wasm", "cpu"];

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was (not) chosen, in words a user can act on. */
  reason: string;
}

export interface BackendInfo {
  /** The rung in use. */
  name: BackendName;
  /** The tfjs backend name underneath ("tensorflow", "wasm", "cpu"). */
  tfBackend: string;
  /** Every rung tried, in order, with the outcome. */
  tried: BackendAttempt[];
  /** Compute threads the backend uses. */
  threads: number;
  /** Kernels Pixelloop registered for this backend (wasm only). */
  customKernels: string[];
  /**
   * Training only: threads that each run this backend on a slice of every batch (data-parallel,
   * data-parallel.ts); absent or 1 when one thread trains.
   */
  replicas?: number;
  /** why training runs on fewer replicas than asked (helper threads failed to start) */
  replicasNote?: string;
}

export interface BackendOptions {
  /**
   * wasm only: number of compute threads. 1 (default) uses the single-threaded SIMD build.
   * More than 1 loads the threaded SIMD build through worker_threads (see wasm-threads.ts and
   * docs/ml-engine.md); falls back to 1 thread when that fails. Must be chosen before the wasm
   * backend first initializes in this process.
   */
  wasmThreads?: number;
}

export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    readonly reason: string,
    readonly tried: BackendAttempt[],
  ) {
    super(`The ${backend} tensor backend is not available: ${reason}`);
    this.name = "BackendUnavailableError";
  }
}

const NATIVE_PACKAGES: Record<"tfjs-node-gpu" | "tfjs-node", string> = {
  "tfjs-node-gpu": "@tensorflow/tfjs-node-gpu",
  "tfjs-node": "@tensorflow/tfjs-node",
};

/**
 * tfjs-node 4.22 calls util.isNullOrUndefined (and util.isArray), removed from Node 23+.
 * Put them back, only if missing, before the native package is imported.
 */
export function installNodeUtilShim(): void {
  const u = util as unknown as Record<string, unknown>;
  if (typeof u.isNullOrUndefined !== "function")
    u.isNullOrUndefined = (v: unknown) => v === null || v === undefined;
  if (typeof u.isArray !== "function") u.isArray = Array.isArray;
}

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0].trim() || "unknown error";
}

function explainNativeFailure(pkg: string, err: unknown): string {
  const code = errorCode(err);
  const message = firstLine(err);
  if ((code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && message.includes(pkg)) {
    return `${pkg} is not installed (optional dependency; its install downloads libtensorflow and needs internet access)`;
  }
  if (/libcud|cuda|cudnn/i.test(message))
    return `${pkg} is installed but the CUDA libraries could not be loaded (${message})`;
  if (/\.node|\.so|\.dll|dylib|napi/i.test(message)) {
    return `${pkg} is installed but its native binding could not be loaded (${message}); reinstall it with internet access`;
  }
  return `${pkg} failed to load: ${message}`;
}

/** Whether a native TensorFlow package (tfjs-node or tfjs-node-gpu) is installed (not loaded). */
export function nativeBackendInstalled(): boolean {
  const require = createRequire(import.meta.url);
  return Object.values(NATIVE_PACKAGES).some((pkg) => {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  });
}

async function tryNative(name: "tfjs-node-gpu" | "tfjs-node"): Promise<string> {
  const pkg = NATIVE_PACKAGES[name];
  installNodeUtilShim();
  try {
    const specifier: string = pkg; // not a literal, so TypeScript does not require the package
    await import(specifier);
  } catch (err) {
    throw new Error(explainNativeFailure(pkg, err), { cause: err });
  }
  if (tf.findBackendFactory("tensorflow") == null)
    throw new Error(`${pkg} loaded but registered no "tensorflow" backend`);
  if (!(await tf.setBackend("tensorflow")))
    throw new Error(`${pkg} loaded but its backend failed to initialize`);
  return `native TensorFlow via ${pkg}`;
}

let wasmThreadsDecision: { threads: number; note: string } | undefined;

async function tryWasm(options: BackendOptions): Promise<string> {
  if (wasmThreadsDecision == null) {
    const wanted = Math.max(1, Math.floor(options.wasmThreads ?? 1));
    wasmThreadsDecision = { threads: 1, note: "" };
    if (wanted > 1) {
      const threaded = await enableWasmThreadsUnderNode(wanted);
      if (threaded.ok) {
        wasmThreadsDecision = { threads: getThreadsCount(), note: `, ${getThreadsCount()} threads` };
      } else {
        wasmThreadsDecision = { threads: 1, note: `, 1 thread (threads unavailable: ${threaded.reason})` };
      }
    }
  }
  const ok = await tf.setBackend("wasm").catch((err: unknown) => {
    throw new Error(`the WebAssembly backend failed to initialize: ${firstLine(err)}`);
  });
  if (!ok) throw new Error("the WebAssembly backend failed to initialize (could not load its .wasm binary)");
  registerWasmTrainingKernels();
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
  const ours = simdKernelsStatus();
  const kernels = ours.available
    ? "Pixelloop's SIMD convolution gradients"
    : `Pixelloop's convolution gradients as forward convolutions (no SIMD kernels: ${ours.reason})`;
  return `WebAssembly (${simd ? "SIMD" : "no SIMD"}${wasmThreadsDecision.note}) with ${kernels}`;
}

async function tryCpu(): Promise<string> {
  if (!(await tf.setBackend("cpu"))) throw new Error("the plain JavaScript backend failed to initialize");
  return "plain JavaScript (correct but slow; training will take very long)";
}

async function tryRung(name: BackendName, options: BackendOptions): Promise<string> {
  switch (name) {
    case "tfjs-node-gpu":
    case "tfjs-node":
      return tryNative(name);
    case "wasm":
      return tryWasm(options);
    case "cpu":
      return tryCpu();
  }
}

function threadsOf(name: BackendName): number {
  if (name === "wasm") return getThreadsCount();
  if (name === "cpu") return 1;
  return os.availableParallelism();
}

/**
 * Selects the tensor backend and makes it the active tfjs backend.
 * "auto" walks the ladder; a named preference tries only that rung and throws
 * BackendUnavailableError (with the reason) when it cannot be used.
 */
export async function initBackend(
  pref: BackendPreference = "auto",
  options: BackendOptions = {},
): Promise<BackendInfo> {
  const rungs = pref === "auto" ? BACKEND_LADDER : [pref];
  const tried: BackendAttempt[] = [];
  for (const name of rungs) {
    try {
      const reason = await tryRung(name, options);
      tried.push({ name, ok: true, reason });
      registerBatchNormGradient();
      return {
        name,
        tfBackend: tf.getBackend(),
        tried,
        threads: threadsOf(name),
        customKernels: name === "wasm" ? WASM_TRAINING_KERNELS.map((k) => k.kernel) : [],
      };
    } catch (err) {
      tried.push({ name, ok: false, reason: firstLine(err) });
    }
  }
  const last = tried[tried.length - 1];
  throw new BackendUnavailableError(last.name, last.reason, tried);
}

/** A short multi-line report for a CLI or a settings page. */
export function describeBackend(info: BackendInfo): string {
  const replicas = (info.replicas ?? 1) > 1 ? `, ${info.replicas} data-parallel replicas` : "";
  const lines = [
    `tensor backend: ${info.name} (${info.threads} thread${info.threads === 1 ? "" : "s"}${replicas})`,
  ];
  for (const t of info.tried) lines.push(`  ${t.ok ? "[ok]  " : "[skip]"} ${t.name}: ${t.reason}`);
  if (info.replicasNote) lines.push(`  ${info.replicasNote}`);
  return lines.join("\n");
}
