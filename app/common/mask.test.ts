import { describe, expect, it } from "vitest";
import { emptyMask } from "./mask.ts";

describe("masks", () => {
  it("emptyMask is fully unlabeled", () => {
    expect(emptyMask(3, 2).classes).toEqual(new Uint8Array(6).fill(255));
  });
});
