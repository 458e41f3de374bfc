/**
 * People through the service (#34): the name rule, labeled pixels by person (the status, the UI's
 * people.labels, each new round), and the authors a COCO export carries. On a real project file.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ImageList } from "../common/api-types.ts";
import { checkPersonName, personNameProblem } from "./people.ts";
import { RESERVED_PERSON } from "../common/person-name.ts";
import { UNKNOWN_PERSON } from "../store/masks.ts";
import { projectStatus } from "../ops/status.ts";
import { listRounds, recordRound } from "../loop/rounds.ts";
import { exportCoco } from "../exchange/coco.ts";
import { createDiscProject, newService, serviceDir, writeDiscImages } from "../testing/service-fixture.ts";
import { withRawDb } from "../testing/raw-db.ts";

describe("person names", () => {
  it("takes names in any script, and refuses markup, control characters, overlong and reserved ones", () => {
    for (const ok of ["alice", "Zoë", "李雷", "Mary-Jane O'Neil", "j.doe@lab", "bob_2"])
      expect(personNameProblem(ok), ok).toBeNull();
    for (const bad of ["", " alice", "<b>x</b>", "a\nb", "a\u0000b", "x".repeat(41), "-lead", "Unknown"])
      expect(personNameProblem(bad), JSON.stringify(bad)).not.toBeNull();
    expect(checkPersonName("  alice ", "--as")).toBe("alice");
    expect(() => checkPersonName("<script>", "--as")).toThrow(
      '--as: "<script>" is not a usable name: a name starts with a letter or digit',
    );
    // The name old changes read as is the one no person may take.
    expect(RESERVED_PERSON).toBe(UNKNOWN_PERSON);
  });
});

describe("labels by person", () => {
  const dir = serviceDir("pixelloop-people-api-");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("counts each labeled pixel for the person who set it last, in status, people.labels, rounds and COCO", async () => {
    const images = path.join(dir, "images");
    await writeDiscImages(images, ["a.png", "b.png"], 40, 30, 60);
    const service = newService(dir, { author: "desk" });
    await createDiscProject(service, dir, "people");
    await service.call("images.import", { paths: [images] });
    const [a] = ((await service.call("images.list", { limit: 10, sort: "name" })) as ImageList).items;
    const stroke = (person: string, classIdx: number, y: number, x0: number, x1: number) =>
      service.call(
        "strokes.commit",
        {
          imageId: a.id,
          tool: "brush",
          classIdx,
          width: 1,
          // through pixel centers: a 1-px brush paints exactly x0..x1 on row y
          points: [
            [x0 + 0.5, y + 0.5],
            [x1 + 0.5, y + 0.5],
          ],
        },
        { person },
      );
    await stroke("alice", 0, 2, 0, 19); // 20 px
    await stroke("bob", 1, 2, 10, 29); // 20 px, 10 of them over alice's
    await stroke("alice", 0, 5, 0, 9); // 10 px
    const expected = [
      { person: "alice", humanPixels: 20, acceptedPixels: 0 }, // most first; a tie by name
      { person: "bob", humanPixels: 20, acceptedPixels: 0 },
    ];
    expect(await service.call("people.labels", {})).toEqual(expected);
    const store = service.project!;
    expect(projectStatus(store).status.labelsByPerson).toEqual(expected);
    // people.me without a person from the door: the service's own (the desktop app's OS user).
    expect(await service.call("people.me", {})).toEqual({ name: "desk", fixed: false });

    // Alice undoes her last stroke; then bob his: alice's pixels under bob's come back as hers.
    await service.call("masks.undo", { imageId: a.id }, { person: "alice" });
    await service.call("masks.undo", { imageId: a.id }, { person: "bob" });
    expect(await service.call("people.labels", {})).toEqual([
      { person: "alice", humanPixels: 20, acceptedPixels: 0 },
    ]);
    // Bob has nothing left: the answer says whose the remaining changes are.
    expect(await service.call("masks.undo", { imageId: a.id }, { person: "bob" })).toMatchObject({
      changed: false,
      reason:
        "Nothing undone: bob has no change left to undo on this image; the others on it are other people's to undo.",
    });

    // A round records its train labels by person; rounds from before format 10 read null.
    recordRound(store, null);
    withRawDb(store, (db) =>
      db
        .prepare(
          "INSERT INTO rounds (created_at, labeled_pixels, human_pixels, accepted_pixels, labeled_images, labeling_seconds) VALUES ('then', 0, 0, 0, 0, 0)",
        )
        .run(),
    );
    expect(listRounds(store).map((r) => r.labelsByPerson)).toEqual([
      [{ person: "alice", humanPixels: 20, acceptedPixels: 0 }],
      null,
    ]);

    // COCO: each annotation names the people who set its pixels; info the contributors.
    await stroke("bob", 1, 20, 0, 9);
    const file = path.join(dir, "coco.json");
    exportCoco(store, file);
    const coco = JSON.parse(fs.readFileSync(file, "utf8")) as {
      info: { contributor?: string };
      annotations: { category_id: number; attributes?: { authors: string[] } }[];
    };
    expect(coco.info.contributor).toBe("alice, bob");
    expect(coco.annotations.map((x) => [x.category_id, x.attributes?.authors])).toEqual([
      [1, ["alice"]],
      [2, ["bob"]],
    ]);
    await service.close();
  });
});
