import { describe, expect, it } from "vitest";
import { classesAddedMessage } from "./classes-added.ts";

describe("the classes-file toast", () => {
  it("says what was added and what was skipped", () => {
    expect(classesAddedMessage("more.json", ["tree", "sky"], ["Road"])).toBe(
      'more.json: added 2 ("tree", "sky"); skipped 1 the project has ("Road").',
    );
    expect(classesAddedMessage("more.json", ["tree"], [])).toBe('more.json: added 1 ("tree").');
    expect(classesAddedMessage("same.json", [], ["road", "car"])).toBe(
      'same.json: nothing new; skipped 2 the project has ("road", "car").',
    );
  });
});
