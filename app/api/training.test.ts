/**
 * Training from the app (the service the UI calls): an image whose file changed on disk is left
 * out and named in the status message; the model is still trained, stored and used to predict,
 * and the next suggestion queue is picked in a worker, whose regions can be accepted as labels.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type {
  DatasetExportResult,
  ImageList,
  MaskChange,
  PredictionData,
  Suggestion,
  TrainingStatus,
} from "../common/api-types.ts";
import { readIndexPng } from "../exchange/index-png.ts";
import { importImages } from "../images/importer.ts";
import { Source } from "../common/mask.ts";
import { ProjectStore } from "../store/project-store.ts";
import {
  brush,
  scribbleEveryImage,
  createDiscProject,
  newService,
  serviceDir,
  writeDiscImages,
  nextStatus,
  runEnd,
  writeGray,
} from "../testing/service-fixture.ts";
import { withRawDb } from "../testing/raw-db.ts";

describe("training from the app", () => {
  it("leaves out an image whose file changed size, names it once, and still trains and predicts", async () => {
    const dir = serviceDir("pixelloop-train-api-");
    const images = path.join(dir, "images");
    // A bright disc on a dark ground, a little further right in each image.
    await writeDiscImages(images, ["a.png", "b.png", "c.png"], 40, 32, 100);
    const service = newService(dir);
    await createDiscProject(service, dir, "gray");
    await service.call("images.import", { paths: [images] });
    const list = (await service.call("images.list", { limit: 10, sort: "name" })) as ImageList;
    expect(list.total).toBe(3);
    for (const img of list.items) {
      await brush(service, img.id, 0, [
        [2, 2],
        [37, 2],
      ]);
      await brush(service, img.id, 1, [
        [14, 16],
        [26, 16],
      ]);
    }
    // c.png is replaced on disk by an image of another size.
    await writeGray(path.join(images, "c.png"), 20, 20, () => 128);

    // No model yet: "continue from the last model" has nothing to start from.
    expect(((await service.call("training.status", {})) as TrainingStatus).fineTune).toEqual({
      modelId: null,
      modelClasses: null,
    });
    const finished = runEnd(service);
    await service.call("training.start", { epochs: 1, size: 32, widths: [8, 16], backend: "wasm" });
    // While it runs (from the moment start answers), the classes and images it works on stay put.
    await expect(service.call("classes.add", { name: "extra" })).rejects.toThrow(/training is running/);
    await expect(service.call("images.remove", { ids: [1] })).rejects.toThrow(/training is running/);
    const status = await finished;
    expect(service.project!.classes()).toHaveLength(2);

    expect(status.state).toBe("done");
    expect(status.fineTune).toEqual({ modelId: 1, modelClasses: 2 });
    expect(status.message).toContain(
      `1 image left out of training (${path.join(images, "c.png")}: image is 20x20 now, 40x32 when imported; put the original file back, or remove the image from the project and import the file again).`,
    );
    expect(status.message).toContain("2 images predicted with model 1.");
    expect(status.message).not.toContain("not predicted"); // named once, not twice
    // One epoch of two labeled images is a step or two: the message says the model learned little.
    expect(status.message).toMatch(
      /Only \d steps: too few to learn much; train for minutes \(5 is the default\) for a useful model\./,
    );

    // The worker picked the next queue after predicting.
    const queue = (await service.call("suggestions.list", { limit: 10 })) as Suggestion[];
    expect(queue.map((q) => q.name).sort()).toEqual(["a.png", "b.png"]);
    // The grid can list the queue first, in its order, each image with its place in it.
    const bySuggestion = (await service.call("images.list", { limit: 10, sort: "suggested" })) as ImageList;
    expect(bySuggestion.items.map((i) => [i.name, i.suggestedRank])).toEqual([
      ...queue.map((q) => [q.name, q.rank]),
      ["c.png", null],
    ]);
    expect(queue.map((q) => q.rank)).toEqual([1, 2]);
    // Labeled before the queue was picked: not worked on in this round yet.
    expect(queue.map((q) => q.worked)).toEqual([false, false]);

    // Accepting a suggested region labels its unlabeled pixels with the prediction, inside the
    // region only, as accepted labels of model 1; the hand-drawn ones stay.
    const first = queue[0];
    const region = first.regions[0];
    const store0 = service.project!;
    const before = store0.mask(first.imageId);
    const change = (await service.call("suggestions.acceptRegion", {
      imageId: first.imageId,
      regionId: region.id,
    })) as MaskChange;
    expect(change.changed).toBe(true);
    const after = store0.mask(first.imageId);
    let accepted = 0;
    for (let i = 0; i < after.classes.length; i++) {
      const x = i % after.width;
      const y = Math.floor(i / after.width);
      const inside =
        x >= region.x && x < region.x + region.width && y >= region.y && y < region.y + region.height;
      if (before.sources[i] === Source.human) {
        expect(after.sources[i]).toBe(Source.human);
        expect(after.classes[i]).toBe(before.classes[i]);
      } else if (after.sources[i] === Source.accepted) {
        expect(inside).toBe(true);
        accepted++;
      }
    }
    expect(accepted).toBeGreaterThan(0);
    expect(store0.strokes(first.imageId).at(-1)).toMatchObject({ tool: "accept", modelId: 1 });
    await expect(
      service.call("suggestions.acceptRegion", { imageId: first.imageId, regionId: 99 }),
    ).rejects.toThrow(`${first.name} has no suggested region 99`);
    const workedOn = (await service.call("suggestions.list", { limit: 10 })) as Suggestion[];
    expect(workedOn.map((q) => q.worked)).toEqual([true, false]);
    await service.call("masks.undo", { imageId: first.imageId });
    expect(store0.mask(first.imageId).sources).toEqual(before.sources);
    // Undone: not worked on after all.
    const undone = (await service.call("suggestions.list", { limit: 10 })) as Suggestion[];
    expect(undone.map((q) => q.worked)).toEqual([false, false]);

    // A model without a queue (predicted by the CLI, or stopped while picking) gets one when asked;
    // requests during the pick wait for the same one.
    const store = service.project!;
    withRawDb(store, (db) => db.prepare("DELETE FROM suggestions").run());
    // The grid's "suggested first" asks for one too.
    const [listed, again, twice] = (await Promise.all([
      service.call("images.list", { limit: 10, sort: "suggested" }),
      service.call("suggestions.list", { limit: 10 }),
      service.call("suggestions.list", { limit: 10 }),
    ])) as [ImageList, Suggestion[], Suggestion[]];
    expect(again).toEqual(queue);
    expect(twice).toEqual(queue);
    expect(listed.items.map((i) => i.suggestedRank)).toEqual([1, 2, null]);
    expect(
      (withRawDb(store, (db) => db.prepare("SELECT COUNT(*) AS n FROM suggestions").get()) as { n: number })
        .n,
    ).toBe(2);

    // Exporting masks lets other requests through between images: a stroke sent right after the
    // export is saved while the export has written one file of three.
    const exportDir = path.join(dir, "exports", "masks-index");
    let writtenWhenSaved = -1;
    await Promise.all([
      service.call("export.masks", { format: "index", onlyLabeled: false }),
      brush(service, list.items[0].id, 0, [[5, 5]]).then(
        () => (writtenWhenSaved = fs.readdirSync(exportDir).length),
      ),
    ]);
    expect(writtenWhenSaved).toBe(1);
    expect(fs.readdirSync(exportDir)).toHaveLength(3);

    // A dataset folder of the completed masks: every pixel has a class (labels, prediction elsewhere).
    // c.png, whose file changed size, is left out and named, as training and prediction do.
    const ds = (await service.call("export.dataset", { source: "completed" })) as DatasetExportResult;
    expect(ds).toMatchObject({
      outDir: path.join(dir, "exports", "dataset"),
      images: 2,
      skipped: [{ file: path.join(images, "c.png"), reason: expect.stringMatching(/^image is 20x20 now/) }],
    });
    const completed = fs.readdirSync(path.join(ds.outDir, "SegmentationClass"));
    expect(completed).toHaveLength(2);
    const done = readIndexPng(path.join(ds.outDir, "SegmentationClass", completed[0])).values;
    expect(done.every((v) => v < 2)).toBe(true); // two classes, no 255

    // A class added after model 1: the status still names model 1 with its two classes (the UI
    // compares them with the project's three and turns fine-tuning off), and a fine-tune is refused.
    await service.call("classes.add", { name: "rim" });
    expect(((await service.call("training.status", {})) as TrainingStatus).fineTune).toEqual({
      modelId: 1,
      modelClasses: 2,
    });
    const refused = runEnd(service);
    await service.call("training.start", {
      epochs: 1,
      size: 32,
      widths: [8, 16],
      backend: "wasm",
      fineTune: true,
    });
    const failed = await refused;
    expect(failed.state).toBe("failed");
    expect(failed.message).toContain("model 1 predicts 2 classes, the project has 3; train from scratch");
    await service.close();
  });

  it("says in the panel's message what a self-training round labeled", async () => {
    const dir = serviceDir("pixelloop-self-training-api-");
    const images = path.join(dir, "images");
    await writeDiscImages(images, ["a.png", "b.png"], 40, 32, 100);
    const service = newService(dir);
    await createDiscProject(service, dir, "self");
    await service.call("images.import", { paths: [images] });
    await scribbleEveryImage(service, [2, 16], [14, 26]);
    const said = nextStatus(service, (s) => /Self-training after step \d+ labeled/.test(s.message ?? ""));
    const finished = runEnd(service);
    await service.call("training.start", {
      epochs: 4,
      size: 32,
      widths: [8, 16],
      backend: "wasm",
      terms: { selfTraining: true },
    });
    expect((await said).message).toMatch(
      /Self-training after step \d+ labeled [\d,]+ pixels the model is sure of in 2 images\./,
    );
    expect((await finished).state).toBe("done");
    await service.close();
  });

  it("predicts images imported after the model with it, in the background, and says so", async () => {
    const dir = serviceDir("pixelloop-predict-new-api-");
    const images = path.join(dir, "images");
    await writeDiscImages(images, ["a.png", "b.png"], 40, 32, 100);
    const service = newService(dir);
    await createDiscProject(service, dir, "later");
    await service.call("images.import", { paths: [images] });
    // No model yet: an import predicts nothing.
    const before = (await service.call("training.status", {})) as TrainingStatus;
    expect(before.state).toBe("idle");
    expect(before.unpredicted).toEqual({ modelId: null, images: 0, refused: null });
    const labeled = await scribbleEveryImage(service, [2, 16], [14, 26]);
    let finished = runEnd(service);
    await service.call("training.start", { epochs: 1, size: 32, widths: [8, 16], backend: "wasm" });
    expect((await finished).state).toBe("done");

    // Two more images, imported after model 1: predicted with it, with progress as after training.
    const later = path.join(dir, "later");
    await writeDiscImages(later, ["c.png", "d.png"], 40, 32, 90);
    const changed: number[] = [];
    service.on((e) => {
      if (e.type === "predictions.changed") changed.push(e.modelId);
    });
    finished = runEnd(service);
    // Waited for as an event (it comes before the run's end, or the wait fails naming what came).
    const progress = nextStatus(
      service,
      (s) => s.message === "Predicting 2 new images with model 1: image 1 of 2…",
    );
    const imported = (await service.call("images.import", { paths: [later] })) as { importedIds: number[] };
    // It has started when the import answers: the label screen can say the image is being predicted.
    const running = (await service.call("training.status", {})) as TrainingStatus;
    expect(running.state).toBe("predicting");
    expect(running.message).toBe("Predicting 2 new images with model 1…");
    expect(running.unpredicted).toEqual({ modelId: 1, images: 2, refused: null });
    // Removing an image waits for that run, and the refusal names it (not "training").
    await expect(service.call("images.remove", { ids: [imported.importedIds[0]] })).rejects.toThrow(
      "new images are being predicted; remove images when that has finished",
    );
    // One more imported while those are predicted: predicted when that run has ended.
    await writeDiscImages(path.join(dir, "meanwhile"), ["f.png"], 40, 32, 70);
    const meanwhile = (await service.call("images.import", { paths: [path.join(dir, "meanwhile")] })) as {
      importedIds: number[];
    };
    expect(await progress).toMatchObject({ state: "predicting", step: 1, totalSteps: 2 });
    const status = await finished;
    expect(status.state).toBe("done");
    expect(status.message).toBe("2 new images predicted with model 1.");
    // Listening from here is in time: the next run started synchronously as this one ended.
    const last = await runEnd(service);
    expect(last.message).toBe("1 new image predicted with model 1.");
    expect(last.unpredicted).toEqual({ modelId: 1, images: 0, refused: null });
    // The runs' own writes (through their workers' connections) are not told again as another
    // process's when the file is next checked (the timer may or may not have fallen after them).
    expect(service.checkExternalChanges()).toBe(false);
    expect(changed).toEqual([1, 1]);
    imported.importedIds.push(...meanwhile.importedIds);
    for (const id of imported.importedIds) {
      const pred = (await service.call("predictions.get", { imageId: id })) as PredictionData | null;
      expect(pred?.modelId).toBe(1);
    }
    // The images predicted before keep model 1's prediction; nothing else was predicted again.
    const rows = withRawDb(service.project!, (db) =>
      db.prepare("SELECT image_id, model_id FROM predictions ORDER BY image_id").all(),
    );
    expect(rows).toEqual(
      [...labeled.map((i) => i.id), ...imported.importedIds].map((id) => ({ image_id: id, model_id: 1 })),
    );

    // Images imported by another process (the CLI) while the project was closed: predicted with
    // model 1 in the background when the app opens it again.
    const file = service.project!.file;
    await service.call("project.close", {});
    await writeDiscImages(path.join(dir, "cli"), ["g.png"], 40, 32, 80);
    const cli = ProjectStore.open(file);
    const [g] = (await importImages(cli, [path.join(dir, "cli")])).imported;
    cli.close();
    finished = runEnd(service);
    await service.call("project.open", { file });
    const reopened = (await service.call("training.status", {})) as TrainingStatus;
    expect(reopened.state).toBe("predicting");
    expect(reopened.message).toBe("Predicting 1 new image with model 1…");
    expect((await finished).message).toBe("1 new image predicted with model 1.");
    const predicted = (await service.call("predictions.get", { imageId: g.id })) as PredictionData | null;
    expect(predicted?.modelId).toBe(1);

    // A class added after model 1: it cannot predict the project's classes, so an import leaves
    // the new image without a prediction and the status says why.
    await service.call("classes.add", { name: "rim" });
    await writeDiscImages(path.join(dir, "third"), ["e.png"], 40, 32, 60); // unlike c.png
    await service.call("images.import", { paths: [path.join(dir, "third")] });
    const refused = (await service.call("training.predictNew", {})) as TrainingStatus;
    expect(refused.state).toBe("done");
    expect(refused.unpredicted).toEqual({
      modelId: 1,
      images: 1,
      refused: "model 1 predicts 2 classes, the project has 3; train again (T)",
    });
    await service.close();
  });

  it("Stop during training keeps the model and predicts every image with it", async () => {
    const dir = serviceDir("pixelloop-stop-api-");
    const images = path.join(dir, "images");
    await writeDiscImages(images, ["a.png", "b.png"], 40, 32, 100);
    const service = newService(dir);
    await createDiscProject(service, dir, "stop");
    await service.call("images.import", { paths: [images] });
    const labeled = await scribbleEveryImage(service, [2, 16], [14, 26]);
    const finished = runEnd(service);
    const twoSteps = nextStatus(service, (s) => s.state === "training" && s.step >= 2);
    // Labels from the pixel classifier (on by default) are said while the first step waits on them.
    const preparing = nextStatus(service, (s) =>
      /Before the first step, the pixel classifier/.test(s.message ?? ""),
    );
    // A 10-minute budget, stopped once the first steps are done.
    await service.call("training.start", { minutes: 10, size: 32, widths: [8, 16], backend: "wasm" });
    expect((await preparing).step).toBe(0);
    // Once steps run, the message is the data summary again.
    expect((await twoSteps).message).not.toContain("Before the first step");
    await service.call("training.stop", {});
    const status = await finished;
    expect(status.state).toBe("done");
    expect(status.message).toMatch(/^Stopped after \d+ steps .*2 images predicted with model 1\./);
    const predicted = withRawDb(service.project!, (db) =>
      db.prepare("SELECT image_id, model_id FROM predictions ORDER BY image_id").all(),
    );
    expect(predicted).toEqual(labeled.map((i) => ({ image_id: i.id, model_id: 1 })));
    await service.close();
  });
});
