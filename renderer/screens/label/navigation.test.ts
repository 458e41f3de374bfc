import { describe, expect, it } from "vitest";
import { initialNav, navReducer, type NavAction, type NavState } from "./navigation.ts";

const nb = (prev: number | null, next: number | null, index = 1) => ({ prev, next, index, total: 5 });
const run = (s: NavState, ...actions: NavAction[]) => actions.reduce(navReducer, s);

describe("navigation reducer", () => {
  it("moves at once when the neighbours are known", () => {
    const s = run(initialNav(2), { type: "neighbors", of: 2, neighbors: nb(1, 3) }, { type: "step", by: 1 });
    expect(s.go).toBe(3);
    expect(s.moving).toBe(true);
    expect(run(s, { type: "went" }).go).toBeNull();
  });

  it("keeps presses made while loading, and takes them one image at a time", () => {
    let s = run(initialNav(1), { type: "step", by: 1 }, { type: "step", by: 1 }, { type: "step", by: 1 });
    expect(s.pending).toBe(3);
    expect(s.go).toBeNull();
    s = run(s, { type: "neighbors", of: 1, neighbors: nb(null, 2, 0) });
    expect(s).toMatchObject({ go: 2, pending: 2, moving: true });
    // A press while the move is under way waits too.
    s = run(s, { type: "went" }, { type: "step", by: 1 }, { type: "open", imageId: 2 });
    expect(s).toMatchObject({ pending: 3, moving: false, neighbors: null });
    s = run(s, { type: "neighbors", of: 2, neighbors: nb(1, 3) });
    expect(s).toMatchObject({ go: 3, pending: 2 });
  });

  it("ignores the last image's neighbours, arriving late", () => {
    const s = run(
      initialNav(1),
      { type: "open", imageId: 2 },
      { type: "neighbors", of: 1, neighbors: nb(null, 2) },
    );
    expect(s.neighbors).toBeNull();
  });

  it("drops pending presses at either end, and Prev / Next cancel out", () => {
    let s = run(
      initialNav(5),
      { type: "step", by: 1 },
      { type: "neighbors", of: 5, neighbors: nb(4, null, 4) },
    );
    expect(s).toMatchObject({ go: null, pending: 0 });
    s = run(initialNav(3), { type: "step", by: 1 }, { type: "step", by: -1 });
    expect(s.pending).toBe(0);
    expect(run(s, { type: "neighbors", of: 3, neighbors: nb(2, 4) }).go).toBeNull();
  });

  it("does not move past the ends", () => {
    const s = run(
      initialNav(1),
      { type: "neighbors", of: 1, neighbors: nb(null, 2, 0) },
      { type: "step", by: -1 },
    );
    expect(s.go).toBeNull();
    expect(s.moving).toBe(false);
  });
});
