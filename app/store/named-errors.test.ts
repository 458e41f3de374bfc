/**
 * Errors that used to say only "bad magic", "EISDIR" or "no such file" (issue 32): each names the
 * file (or the flag) and the reason.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../common/api-error.ts";
import type { PixelloopService } from "../api/service.ts";
import type { ProjectInfo } from "../common/api-types.ts";
import { classesFromNames, readClassesFile } from "../exchange/classes-file.ts";
import { importIndexMasks } from "../exchange/mask-files.ts";
import { loadModel } from "../jobs/project-prediction.ts";
import { createDiscProject, newService, serviceDir, writeGray } from "../testing/service-fixture.ts";
import { withRawDb } from "../testing/raw-db.ts";

let dir: string;
let service: PixelloopService;
let project: ProjectInfo;

beforeAll(async () => {
  dir = serviceDir("pixelloop-named-");
  service = newService(dir);
  project = await createDiscProject(service, dir, "Named");
  await writeGray(path.join(dir, "a.png"), 20, 10, () => 3);
  await service.call("images.import", { paths: [path.join(dir, "a.png")] });
});

afterAll(async () => {
  await service?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("messages name the file and the reason", () => {
  it("a damaged stored model: the project file and the model, not just 'bad magic' (422)", async () => {
    const id = Number(
      withRawDb(
        service.project!,
        (db) =>
          db
            .prepare(
              "INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot, metrics) VALUES ('x', 'now', '{}', 'cpu', ?, '{}', '{}')",
            )
            .run(Buffer.from("garbage, not weights")).lastInsertRowid,
      ),
    );
    const e = await service.call("export.model", { modelId: id }).then(
      () => null,
      (err: unknown) => err as ApiError,
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(e!.status).toBe(422);
    expect(e!.message).toBe(
      `${project.file}: model ${id} cannot be read (not a Pixelloop weights blob (bad magic))`,
    );
    expect(() => loadModel(service.project!, id)).toThrow(
      `${project.file}: model ${id} cannot be read (not a Pixelloop weights blob (bad magic))`,
    );
  });

  it("a classes file that is missing or a folder, and class names over the API's limit", () => {
    const missing = path.join(dir, "nope.json");
    expect(() => readClassesFile(missing)).toThrow(
      `${missing}: cannot read (the file is missing (moved or deleted?))`,
    );
    expect(() => readClassesFile(dir)).toThrow(`${dir}: cannot read (is a folder, not a file)`);
    const long = "x".repeat(10_000);
    expect(() => classesFromNames(`road,${long}`)).toThrow(
      `--classes: "${"x".repeat(20)}…" is 10000 characters long; class names have at most 60`,
    );
    const file = path.join(dir, "long.json");
    fs.writeFileSync(file, JSON.stringify({ classes: [{ index: 0, name: long }] }));
    expect(() => readClassesFile(file)).toThrow(
      `${file}: classes.0.name: class names have at most 60 characters`,
    );
  });

  it("a masks 'folder' that is a file says so", () => {
    const file = path.join(dir, "masks.txt");
    fs.writeFileSync(file, "");
    const r = importIndexMasks(service.project!, file);
    expect(r.errors).toEqual([
      { file, reason: `${file}: is a file, not a folder of masks (a COCO file ends in .json)` },
    ]);
  });
});
