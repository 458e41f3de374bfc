/**
 * Undo and redo per person on one image (issue #34): each person undoes their own changes only,
 * even when another person edited the image since; where the other's later edit overlaps the
 * undone pixels, the later edit stays, and undoing it later never brings back the undone paint.
 * On a real project file.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProjectStore } from "./project-store.ts";
import { applyStrokeInPlace } from "../labels/edit.ts";
import { countBySource, UNLABELED, type LabelMask } from "../common/mask.ts";
import { tmpDir } from "../testing/tmp.ts";
import { CLASSES } from "../testing/store-fixture.ts";
import { withRawDb } from "../testing/raw-db.ts";

const W = 40;
const H = 20;
const ROAD = 0;
const CAR = 1;

let dir: string;
let store: ProjectStore;
let id: number;

beforeEach(() => {
  dir = tmpDir("pixelloop-person-undo-").dir;
  store = ProjectStore.create(path.join(dir, "p.pxl"), { name: "people", classes: CLASSES });
  id = store.insertImage({
    absPath: path.join(dir, "a.png"),
    sha256: crypto.createHash("sha256").update("a").digest("hex"),
    width: W,
    height: H,
    channels: 3,
    bitDepth: 8,
    split: "train",
    thumbnail: { width: 4, height: 2, webp: Buffer.from([1]) },
  });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A horizontal brush stroke of `person` along row y from x0 to x1 (4 px wide). */
function paint(person: string, classIdx: number | null, y: number, x0: number, x1: number): void {
  const mask = store.mask(id);
  const tool = classIdx === null ? "eraser" : "brush";
  const points: [number, number][] = [
    [x0, y],
    [x1, y],
  ];
  const r = applyStrokeInPlace(mask, { tool, classIdx, width: 4, points });
  if (!r) throw new Error("stroke missed the image");
  store.commitPatch(id, mask, r.patch, { tool, classIdx, width: 4, points, author: person, person });
}

function at(mask: LabelMask, x: number, y: number): number {
  return mask.classes[y * W + x];
}

/** The stored counts agree with the mask (undo and redo count from the changed rectangle alone). */
function expectCountsConsistent(): void {
  const m = store.mask(id);
  const c = countBySource(m);
  expect(store.image(id)?.labeledPixels).toBe(c.human + c.accepted);
}

describe("undo and redo per person", () => {
  it("undoes the acting person's last change even when another person drew since (the issue's scenario)", () => {
    paint("alice", CAR, 5, 2, 15); // tab 1: car on the left
    paint("bob", ROAD, 14, 25, 38); // tab 2: "tree" (road here) on the right, later
    expect(store.undo(id, "alice")?.person).toBe("alice");
    const m = store.mask(id);
    expect(at(m, 8, 5)).toBe(UNLABELED); // alice's car is gone
    expect(at(m, 30, 14)).toBe(ROAD); // bob's stroke stays
    expectCountsConsistent();
    // Alice has nothing more to undo; bob's stroke is not hers to undo.
    expect(store.undo(id, "alice")).toBeNull();
    expect(at(store.mask(id), 30, 14)).toBe(ROAD);
    // Redo brings the car back, bob's stroke still there.
    expect(store.redo(id, "alice")?.person).toBe("alice");
    expect([at(store.mask(id), 8, 5), at(store.mask(id), 30, 14)]).toEqual([CAR, ROAD]);
    expectCountsConsistent();
  });

  it("keeps the other person's later edit where it overlaps, and never brings the undone paint back", () => {
    paint("alice", CAR, 10, 0, 39); // a car band across the image
    paint("bob", ROAD, 10, 20, 39); // bob paints over its right half
    store.undo(id, "alice");
    let m = store.mask(id);
    expect(at(m, 5, 10)).toBe(UNLABELED); // alice's pixels nobody touched since: undone
    expect(at(m, 30, 10)).toBe(ROAD); // bob's later edit over them: stays
    expectCountsConsistent();
    // Bob undoes: his pixels go back to what was there before alice's undone car: unlabeled.
    store.undo(id, "bob");
    m = store.mask(id);
    expect(at(m, 30, 10)).toBe(UNLABELED);
    expect(m.classes.every((c) => c === UNLABELED)).toBe(true);
    expectCountsConsistent();
  });

  it("redo puts the change back under the later edit of another person", () => {
    paint("alice", CAR, 10, 0, 39);
    paint("bob", ROAD, 10, 20, 39);
    const both = store.mask(id).classes.slice();
    store.undo(id, "alice");
    store.redo(id, "alice");
    expect(store.mask(id).classes).toEqual(both); // the same picture as before the undo
    expectCountsConsistent();
    // Bob's undo now reveals alice's car (live again) under his stroke.
    store.undo(id, "bob");
    const m = store.mask(id);
    expect([at(m, 5, 10), at(m, 30, 10)]).toEqual([CAR, CAR]);
    expectCountsConsistent();
  });

  it("gives each person their own redo: another person's change does not end it, one's own does", () => {
    paint("alice", CAR, 5, 2, 15);
    store.undo(id, "alice");
    paint("bob", ROAD, 14, 25, 38); // another person draws: alice can still redo
    expect(store.redo(id, "alice")).not.toBeNull();
    store.undo(id, "alice");
    paint("alice", ROAD, 2, 2, 10); // her own new change ends her redo
    expect(store.redo(id, "alice")).toBeNull();
    expect(store.strokes(id).map((s) => [s.person, s.undone])).toEqual([
      ["alice", true],
      ["bob", false],
      ["alice", false],
    ]);
  });

  it("reads changes made before format 10 as by an unknown person, in no one's undo", () => {
    paint("alice", CAR, 5, 2, 15);
    withRawDb(store, (db) => db.prepare("UPDATE strokes SET person = NULL").run()); // as a migrated file has them
    expect(store.strokes(id)[0].person).toBe("unknown");
    expect(store.undo(id, "alice")).toBeNull();
    expect(store.undo(id, "unknown")).toBeNull();
    expect(at(store.mask(id), 8, 5)).toBe(CAR);
  });

  it("stays exact through many interleaved changes, undos and redos of three people", () => {
    const people = ["alice", "bob", "carol"];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let step = 0; step < 120; step++) {
      const who = people[rand(3)];
      const op = rand(4);
      if (op === 0) store.undo(id, who);
      else if (op === 1) store.redo(id, who);
      else {
        const x0 = rand(W);
        paint(who, rand(3) === 0 ? null : rand(2), rand(H), x0, Math.min(W - 1, x0 + rand(20)));
      }
      expectCountsConsistent();
    }
    // Everyone undoes everything: the image is empty again, whatever the order of the edits.
    for (let round = 0; round < 200; round++) {
      const undone = people.map((p) => store.undo(id, p)).filter((r) => r !== null);
      if (undone.length === 0) break;
    }
    expect(store.mask(id).classes.every((c) => c === UNLABELED)).toBe(true);
    expectCountsConsistent();
  });
});
