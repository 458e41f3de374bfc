import { afterAll, describe, expect, it } from "vitest";
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import { tmpDir } from "../testing/tmp.ts";
import { withStore } from "./shared.ts";

describe("withStore: a CLI command's project is closed however the command ends", () => {
  const t = tmpDir();
  afterAll(() => t.cleanup());
  const file = path.join(t.dir, "p.pxl");
  ProjectStore.create(file, { name: "p", classes: [{ idx: 0, name: "road", color: "#804080" }] }).close();

  it("returns what the command returns, and closes", () => {
    let seen: ProjectStore | undefined;
    const name = withStore(file, { readonly: true }, (store) => {
      seen = store;
      return store.name;
    });
    expect(name).toBe("p");
    expect(seen?.isOpen).toBe(false);
  });

  it("an async command that fails after saving: the error reaches the caller, the save stays, the file closes", async () => {
    let seen: ProjectStore | undefined;
    await expect(
      withStore(file, {}, async (store) => {
        seen = store;
        store.setMeta("note", "saved before the failure");
        await Promise.resolve();
        expect(store.isOpen).toBe(true);
        throw new Error("disk full");
      }),
    ).rejects.toThrow("disk full");
    expect(seen?.isOpen).toBe(false);
    expect(withStore(file, { readonly: true }, (s) => s.getMeta("note"))).toBe("saved before the failure");
  });

  it("a read-only command cannot write", () => {
    expect(() => withStore(file, { readonly: true }, (s) => s.setMeta("x", "y"))).toThrow();
    expect(withStore(file, {}, (s) => s.getMeta("x"))).toBeUndefined();
  });
});
