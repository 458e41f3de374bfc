/**
 * Background training on a real project file: rounds of the training controller run while
 * people label, each learning the labels saved before it started; after each, the preview
 * classifier is checked against the network on the val labels and the better one is shown. It
 * makes way for what a run blocks (a class edit) and Stop pauses it.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ApiEvent, TrainingStatus } from "../common/api-types.ts";
import {
  brush,
  createDiscProject,
  newService,
  nextEvent,
  nextStatus,
  runEnded,
  scribbleEveryImage,
  serviceDir,
  writeDiscImages,
} from "../testing/service-fixture.ts";
import { heldOutImage, HOLD_OUT_ONE_IN } from "./background.ts";
import type { PixelloopService } from "./service.ts";

const W = 48;
const H = 40;
/** one epoch of a tiny network per round: the same work however busy the machine is */
const ROUND = { epochs: 1, size: 32, widths: [8, 16], backend: "wasm" as const };

const backgroundEnd = (service: PixelloopService) =>
  nextStatus(service, (s) => s.backgroundRun && runEnded(s), { beforeEnd: false });

async function labeledProject(service: PixelloopService, dir: string, name: string) {
  const images = path.join(dir, `${name}-images`);
  await writeDiscImages(images, ["a.png", "b.png", "c.png", "d.png", "e.png", "f.png"], W, H, 120);
  await createDiscProject(service, dir, name);
  await service.call("images.import", { paths: [images] });
  // background on row 4, the disc on row 20 (its centre): every image, then two of them are val
  const items = await scribbleEveryImage(service, [4, 20], [16, 28]);
  await service.call("images.setSplit", { ids: [items[4].id, items[5].id], split: "val" });
  return items;
}

describe("background training", () => {
  const dir = serviceDir("pixelloop-background-");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("trains round after round, learns new strokes, and shows the model that checks better", async () => {
    const service = newService(dir, { watchMs: 0, backgroundRound: ROUND, backgroundDebounceMs: 0 });
    try {
      const [a] = await labeledProject(service, dir, "rounds");
      expect(((await service.call("training.status", {})) as TrainingStatus).background).toMatchObject({
        enabled: false,
        state: "off",
      });
      await service.call("live.set", { imageId: a.id });
      const compared = nextEvent<Extract<ApiEvent, { type: "live.status" }>>(
        service,
        (e) => e.type === "live.status" && e.status.comparison?.modelId === 1,
      );
      const first = backgroundEnd(service);
      const on = (await service.call("training.background", { enabled: true })) as TrainingStatus;
      expect(on.background).toMatchObject({ enabled: true, state: "training" });
      expect(on.backgroundRun).toBe(true);
      expect(on.background.message).toContain("Round 1: trains from scratch");

      const ended = await first;
      expect(ended.state).toBe("done");
      expect(service.project!.latestModelId()).toBe(1);

      // The check: both models scored on the 2 labeled val images; the better one is shown.
      const live = (await compared).status;
      expect(live.comparison).toMatchObject({ modelId: 1, on: "val", images: 2 });
      const c = live.comparison!;
      for (const v of [c.preview, c.network]) expect(v).toBeGreaterThanOrEqual(0);
      // (as told with the check: a later round may have stored another model since)
      if (c.preview > c.network) expect(live).toMatchObject({ enabled: true, showing: { kind: "preview" } });
      else expect(live).toMatchObject({ enabled: false, showing: { kind: "network" } });

      // A stroke saved now is learned by a round that starts after it: no Start pressed.
      const stroke = (await brush(service, a.id, 1, [
        [20, 18],
        [24, 18],
      ])) as { version: number };
      let learned = false;
      for (let i = 0; i < 4 && !learned; i++) {
        const end = await backgroundEnd(service);
        expect(end.state).toBe("done");
        const model = service.project!.latestModelId()!;
        const snapshot = JSON.parse(service.project!.models.get(model)!.label_snapshot) as {
          images: { id: number; version: number }[];
        };
        learned = snapshot.images.some((im) => im.id === a.id && im.version === stroke.version);
      }
      expect(learned).toBe(true);
      const now = (await service.call("training.status", {})) as TrainingStatus;
      expect(now.background.rounds).toBeGreaterThanOrEqual(2);
      expect(now.rounds.length).toBe(now.background.rounds);
    } finally {
      await service.close();
    }
  });

  it("makes way for a class edit, and Stop pauses it", async () => {
    const service = newService(dir, { watchMs: 0, backgroundRound: ROUND, backgroundDebounceMs: 0 });
    try {
      await labeledProject(service, dir, "pause");
      const first = backgroundEnd(service);
      await service.call("training.background", { enabled: true });
      // A round runs: the class is added once it has stopped (no "training is running" refusal).
      await service.call("classes.add", { name: "extra" });
      expect(service.project!.classes()).toHaveLength(3);
      await first;

      // The next round starts by itself (a class more: from scratch) and Stop pauses the trainer.
      const running = (await service.call("training.status", {})) as TrainingStatus;
      const next =
        running.backgroundRun && !runEnded(running)
          ? running
          : await nextStatus(service, (s) => s.backgroundRun && s.state === "training", { beforeEnd: false });
      expect(next.background.message).toContain("trains from scratch");
      const paused = backgroundEnd(service);
      const stopped = (await service.call("training.stop", {})) as TrainingStatus;
      expect(stopped.background).toMatchObject({ enabled: false, state: "off" });
      await paused;
      const after = (await service.call("training.status", {})) as TrainingStatus;
      expect(after.state).not.toMatch(/starting|training/);
      expect(after.background.enabled).toBe(false);
    } finally {
      await service.close();
    }
  });

  it("holds out about one labeled image in five, the same ones every round", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => i + 1);
    const held = ids.filter(heldOutImage).length / ids.length;
    expect(held).toBeGreaterThan(1 / HOLD_OUT_ONE_IN - 0.02);
    expect(held).toBeLessThan(1 / HOLD_OUT_ONE_IN + 0.02);
    expect(ids.map(heldOutImage)).toEqual(ids.map(heldOutImage));
  });
});
