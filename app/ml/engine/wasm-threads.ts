/**
 * Multi-threaded wasm under Node.
 *
 * tfjs-backend-wasm ships a threaded SIMD build (Emscripten pthreads, which under Node run on
 * worker_threads), but 4.22 disables it under Node: its WASM_HAS_MULTITHREAD_SUPPORT flag returns
 * false when IS_NODE (tfjs issue 3830). The reason is the loader: it hands Emscripten the pthread
 * worker script and the main script as Blob URLs, which browsers can load but Node's
 * worker_threads cannot (a Worker needs a file path, and the worker's importScripts shim reads
 * files with fs).
 *
 * enableWasmThreadsUnderNode() works around exactly that, and nothing else:
 *  - it writes the pthread worker script (shipped inside the package) to a temp file, prefixed
 *    with a two-line shim that makes the worker load the threaded main script from its file in
 *    the package instead of from a Blob;
 *  - while the backend initializes, URL.createObjectURL returns that temp file for the worker
 *    Blob (and is restored right after);
 *  - it sets WASM_HAS_MULTITHREAD_SUPPORT so the loader picks the threaded SIMD binary.
 * It must run before the wasm backend initializes for the first time in the process.
 *
 * Finding (tfjs 4.22, Node 22, see docs/ml-engine.md): with this the threaded build loads and its
 * 8 pthread workers start and load the module, but XNNPACK's thread pool still reports 1 thread
 * (get_threads_count() = 1 for any setThreadsCount value), no work is ever dispatched to the
 * workers and convolutions run at single-thread speed. So it is not "safe to enable" in the sense
 * of being useful: it costs 8 idle worker threads and gains nothing. It stays opt-in
 * (initBackend(..., { wasmThreads: n })) and reports the thread count actually obtained, so a
 * later tfjs release can be re-checked with one flag.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { tf } from "./tf.ts";
import { getThreadsCount, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";

const require = createRequire(import.meta.url);

export interface WasmThreadsResult {
  ok: boolean;
  reason: string;
}

function wasmOutDir(): string {
  const pkgJson = require.resolve("@tensorflow/tfjs-backend-wasm/package.json");
  return path.join(path.dirname(pkgJson), "wasm-out");
}

let result: WasmThreadsResult | undefined;

export async function enableWasmThreadsUnderNode(threads: number): Promise<WasmThreadsResult> {
  if (result) return result;
  if (tf.engine().registry.wasm != null) {
    result = {
      ok: false,
      reason: "the wasm backend was already initialized single-threaded in this process",
    };
    return result;
  }
  if (typeof SharedArrayBuffer !== "function") {
    result = { ok: false, reason: "SharedArrayBuffer is not available" };
    return result;
  }
  const dir = wasmOutDir();
  const mainScript = path.join(dir, "tfjs-backend-wasm-threaded-simd.js");
  const { wasmWorkerContents } = require(path.join(dir, "tfjs-backend-wasm-threaded-simd.worker.js")) as {
    wasmWorkerContents: string;
  };
  const shim =
    `URL.createObjectURL = () => ${JSON.stringify(mainScript)};\n` + `URL.revokeObjectURL = () => {};\n`;
  const workerFile = path.join(os.tmpdir(), `pixelloop-tfjs-wasm-pthread-${process.pid}.cjs`);
  // The package stores the script in a template literal in which "\n" escapes became real line
  // breaks; the loader escapes them back before use, and so do we.
  fs.writeFileSync(workerFile, shim + wasmWorkerContents.replace(/\n/g, "\\n"));
  process.once("exit", () => fs.rmSync(workerFile, { force: true }));

  const originalCreate = URL.createObjectURL;
  URL.createObjectURL = (obj: Blob) =>
    obj.type === "application/javascript" ? workerFile : originalCreate(obj);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  setThreadsCount(threads);
  try {
    const ok = await tf.setBackend("wasm");
    result = ok
      ? { ok: true, reason: `threaded SIMD build loaded; XNNPACK uses ${getThreadsCount()} thread(s)` }
      : { ok: false, reason: "the threaded build failed to load" };
  } catch (err) {
    result = { ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    URL.createObjectURL = originalCreate;
  }
  if (!result.ok) {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    setThreadsCount(1);
    tf.removeBackend("wasm");
  }
  return result;
}
