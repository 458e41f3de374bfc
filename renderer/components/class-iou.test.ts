import { describe, expect, it } from "vitest";
import { signedChange } from "./ClassIou.tsx";

describe("per-class IoU change beside the training panel's bars", () => {
  it("shows the sign of a change and never a negative zero", () => {
    expect(signedChange(0.031)).toBe("+0.03");
    expect(signedChange(-0.12)).toBe("−0.12");
    // A loss too small to show is no change, not "−0.00" (nor "+0.00").
    expect(signedChange(-0.004)).toBe("±0.00");
    expect(signedChange(0.0049)).toBe("±0.00");
    expect(signedChange(0)).toBe("±0.00");
  });
});
