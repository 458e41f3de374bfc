/**
 * A model folder written by `export model` (TensorFlow.js layers model + metadata.json) into the
 * project, refused when its classes differ from the project's: the flow behind `pixelloop
 * import-model`. Loaded when called, so that a process does not load TensorFlow.js until then.
 */
import type { ProjectStore } from "../store/project-store.ts";
import type { BackendPreference } from "../ml/engine/backend.ts";

export async function importModelFolder(
  store: ProjectStore,
  dir: string,
  opts: { backend: BackendPreference },
): Promise<{ dir: string; modelId: number }> {
  const { initBackend } = await import("../ml/engine/backend.ts");
  const { importModel } = await import("../exchange/model.ts");
  await initBackend(opts.backend);
  const r = await importModel(store, dir);
  return { dir, modelId: r.modelId };
}
