import { afterAll, expect, it } from "vitest";
import { spawn } from "node:child_process";
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import { createDemoProject } from "../ops/demo.ts";
import { tmpDir } from "../testing/tmp.ts";
import { recoverInterruptedRuns } from "./recovery.ts";
import { networkFromWeights } from "../ml/model/weights.ts";
import { predict } from "../ml/prediction/predict.ts";
import { initBackend } from "../ml/engine/backend.ts";
import { decodePixels } from "../images/decode.ts";
import { withRawDb } from "../testing/raw-db.ts";

const t = tmpDir();
afterAll(() => t.cleanup());

it("training killed with SIGKILL keeps its last checkpoint, which loads and predicts", async () => {
  const file = await createDemoProject(t.dir);
  const bin = path.resolve(import.meta.dirname, "../../bin/pixelloop.mjs");
  const child = spawn(
    process.execPath,
    [
      bin,
      "train",
      file,
      "--epochs",
      "10000",
      "--widths",
      "4,8",
      "--size",
      "64",
      "--checkpoint-every",
      "2",
      "--no-semi-supervised",
      "--no-pixl",
    ],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  // Wait (bounded) for the condition: a checkpoint in the run row.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const s = ProjectStore.open(file, { readonly: true });
    const row = withRawDb(s, (db) =>
      db.prepare("SELECT COUNT(*) AS n FROM training_runs WHERE checkpoint IS NOT NULL").get(),
    ) as { n: number };
    s.close();
    if (row.n > 0) break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error("the training never wrote a checkpoint");
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill("SIGKILL");
  await exited;

  const store = ProjectStore.open(file);
  try {
    expect(withRawDb(store, (db) => db.prepare("SELECT status FROM training_runs").get())).toEqual({
      status: "running",
    });
    const recovered = recoverInterruptedRuns(store);
    expect(recovered).toHaveLength(1);
    expect(recovered[0].modelId).not.toBeNull();
    expect(withRawDb(store, (db) => db.prepare("SELECT status FROM training_runs").get())).toEqual({
      status: "failed",
    });
    expect(recoverInterruptedRuns(store)).toEqual([]); // once only

    await initBackend("wasm");
    const row = withRawDb(store, (db) =>
      db.prepare("SELECT weights FROM models WHERE id = ?").get(recovered[0].modelId),
    ) as {
      weights: Buffer;
    };
    const net = networkFromWeights(new Uint8Array(row.weights));
    const img = store.listImages({ limit: 1 })[0];
    const px = await decodePixels(store.absolutePath(img.path));
    const p = predict(net, { pixels: px.data, width: px.width, height: px.height, channels: px.channels });
    expect(p.classMap.length).toBe(img.width * img.height);
    net.dispose();
  } finally {
    store.close();
  }
});
