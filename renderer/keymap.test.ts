import { describe, expect, it } from "vitest";
import { accelerator, commandFor, KEYMAP, keyLabel, sheetGroups, type Press } from "./keymap.ts";
import { CLASS_KEY_COUNT, classIndexForPress, classShortcut } from "../app/common/class-keys.ts";

const press = (key: string, more: Partial<Press> = {}): Press => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...more,
});

describe("class keys", () => {
  it("give the first 44 classes a key: digits, Shift+digits, then free letters", () => {
    expect([0, 8, 9, 10, 19, 20, 31, 32, 43].map(classShortcut)).toEqual([
      "1",
      "9",
      "0",
      "Shift+1",
      "Shift+0",
      "C",
      "Z",
      "Shift+C",
      "Shift+Z",
    ]);
    expect(classShortcut(CLASS_KEY_COUNT)).toBeNull();
  });

  it("read a press back to its class, only for classes the project has", () => {
    expect(classIndexForPress(press("3"), 12)).toBe(2);
    expect(classIndexForPress(press("0"), 12)).toBe(9);
    expect(classIndexForPress({ ...press("!", { shiftKey: true }), code: "Digit1" }, 12)).toBe(10);
    expect(classIndexForPress({ ...press("@", { shiftKey: true }), code: "Digit2" }, 12)).toBe(11);
    expect(classIndexForPress({ ...press("#", { shiftKey: true }), code: "Digit3" }, 12)).toBeNull();
    // AZERTY: digits typed with Shift pick the first ten as before; "-" on the 6 key stays zoom out
    expect(classIndexForPress({ ...press("1", { shiftKey: true }), code: "Digit1" }, 12)).toBe(0);
    expect(classIndexForPress({ ...press("-"), code: "Digit6" }, 12)).toBeNull();
    expect(classIndexForPress(press("c"), 30)).toBe(20);
    expect(classIndexForPress(press("C", { shiftKey: true }), 40)).toBe(32);
    expect(classIndexForPress(press("1", { ctrlKey: true }), 12)).toBeNull();
    expect(classIndexForPress(press("1", { altKey: true }), 12)).toBeNull();
  });

  it("clash with no key of the label screen or the app", () => {
    for (let idx = 0; idx < CLASS_KEY_COUNT; idx++) {
      const key = classShortcut(idx) ?? "";
      const shift = key.startsWith("Shift+");
      const base = key.replace("Shift+", "");
      // as a US keyboard types them: Shift+1 is "!"
      const us: Record<string, string> = {
        "1": "!",
        "2": "@",
        "3": "#",
        "4": "$",
        "5": "%",
        "6": "^",
        "7": "&",
        "8": "*",
        "9": "(",
        "0": ")",
      };
      const typed = /^[A-Z]$/.test(base) ? (shift ? base : base.toLowerCase()) : shift ? us[base] : base;
      const p = {
        ...press(typed, { shiftKey: shift }),
        code: /^\d$/.test(base) ? `Digit${base}` : `Key${base}`,
      };
      expect(commandFor(p, ["label", "app"]), key).toBeNull();
      expect(classIndexForPress(p, 255), key).toBe(idx);
    }
  });
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
