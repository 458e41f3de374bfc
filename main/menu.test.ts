import { describe, expect, it } from "vitest";
import { menuTemplate } from "./menu.ts";

describe("the menu, from the keymap", () => {
  it("has the items and accelerators of the keymap, and runs their commands", () => {
    const ran: string[] = [];
    const t = menuTemplate((c) => ran.push(c), { openDemo: () => ran.push("demo"), devTools: false });
    const items = t.flatMap((m) => (Array.isArray(m.submenu) ? m.submenu : []));
    const by = (label: string) => items.find((i) => i.label === label);
    expect(by("Undo")?.accelerator).toBe("CmdOrCtrl+Z");
    expect(by("Redo")?.accelerator).toBe("CmdOrCtrl+Shift+Z");
    expect(by("Zoom to Fit")?.accelerator).toBe("CmdOrCtrl+0");
    expect(by("New Project…")?.accelerator).toBe("CmdOrCtrl+N");
    expect(by("Keyboard Shortcuts")?.accelerator).toBe("?");
    // Single letters stay keys of the page (they would take typing from text fields).
    expect(by("Toggle Prediction Layer")?.accelerator).toBeUndefined();
    by("Undo")?.click?.({} as never, undefined, {} as never);
    by("Open Demo Project")?.click?.({} as never, undefined, {} as never);
    expect(ran).toEqual(["undo", "demo"]);
  });
});
