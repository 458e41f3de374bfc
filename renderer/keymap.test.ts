import { describe, expect, it } from "vitest";
import { accelerator, commandFor, KEYMAP, keyLabel, sheetGroups, type Press } from "./keymap.ts";

const press = (key: string, more: Partial<Press> = {}): Press => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...more,
});

describe("keymap", () => {
  it("finds a command by key, in the scopes asked for", () => {
    expect(commandFor(press("b"), ["label"])).toBe("tool.brush");
    expect(commandFor(press("b"), ["grid"])).toBeNull();
    expect(commandFor(press("i"), ["label"])).toBe("layer.image");
    expect(commandFor(press("i"), ["grid"])).toBe("grid.import");
    expect(commandFor(press("r"), ["label"])).toBe("region.next");
    expect(commandFor(press("R", { shiftKey: true }), ["label"])).toBe("region.prev");
    expect(commandFor(press("+", { shiftKey: true }), ["label"])).toBe("zoom.in");
    expect(commandFor(press("b", { altKey: true }), ["label"])).toBeNull();
  });

  it("reads Ctrl and Cmd alike, Shift from the spec", () => {
    expect(commandFor(press("z", { ctrlKey: true }), ["label"])).toBe("undo");
    expect(commandFor(press("Z", { metaKey: true, shiftKey: true }), ["label"])).toBe("redo");
    expect(commandFor(press("y", { ctrlKey: true }), ["label"])).toBe("redo");
    expect(commandFor(press("0", { ctrlKey: true }), ["label"])).toBe("zoom.fit");
    expect(commandFor(press("n", { ctrlKey: true }), ["label", "grid", "app"])).toBeNull();
  });

  it("has no key bound twice in one scope", () => {
    const seen = new Set<string>();
    for (const b of KEYMAP)
      for (const s of b.keys) {
        const id = `${b.scope}:${s.mod ? "mod+" : ""}${s.shift ? "shift+" : ""}${s.key}`;
        expect(seen.has(id), id).toBe(false);
        seen.add(id);
      }
  });

  it("gives the sheet and the menu their texts", () => {
    expect(
      keyLabel([
        { key: "z", mod: true, shift: true },
        { key: "y", mod: true },
      ]),
    ).toBe("Ctrl+Shift+Z, Ctrl+Y");
    expect(accelerator({ key: "z", mod: true, shift: true })).toBe("CmdOrCtrl+Shift+Z");
    const groups = sheetGroups();
    expect(groups.map((g) => g.title)).toEqual(["Labeling", "View", "Moving around"]);
    expect(groups[0].items).toContainEqual(["Ctrl+Z", "Undo"]);
    expect(groups[2].items).toContainEqual(["?", "This sheet"]);
  });
});
