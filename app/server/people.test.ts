/**
 * People on the server (#34): off loopback each person's own token is who they are: their strokes
 * are recorded under their name, their undo is theirs, and neither a header nor the request body
 * can make them another person. On loopback (one shared token) the browser names its person in a
 * header, validated.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PixelloopService } from "../api/service.ts";
import { startServer, type RunningServer } from "./server.ts";

let dir: string;
let service: PixelloopService;
let team: RunningServer;
let local: RunningServer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-people-"));
  service = new PixelloopService({
    projectsDir: path.join(dir, "projects"),
    recentFile: path.join(dir, "recent.json"),
    author: "server-user",
  });
  await service.call("project.create", {
    name: "People",
    classes: [
      { name: "car", color: "#ff0000" },
      { name: "tree", color: "#00ff00" },
    ],
  });
  // Imports read only from allowed folders: the image is copied into the projects folder first.
  const img = path.join(dir, "projects", "garden-01.png");
  fs.copyFileSync(path.join(import.meta.dirname, "../../resources/demo/images/garden-01.png"), img);
  await service.call("images.import", { paths: [img] });
  // 0.0.0.0 is reachable through 127.0.0.1 here.
  team = await startServer(service, { host: "0.0.0.0", port: 0, people: ["alice", "bob"] });
  local = await startServer(service, { host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await team?.close();
  await local?.close();
  await service?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function call(
  server: RunningServer,
  method: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: { ok: boolean; result?: unknown; error?: { message: string } } }> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text.startsWith("{") ? JSON.parse(text) : { ok: false, error: { message: text } },
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const stroke = (classIdx: number, y: number) => ({
  imageId: 1,
  tool: "brush",
  classIdx,
  width: 6,
  points: [
    [10, y],
    [60, y],
  ],
});

describe("a person's own token, off loopback", () => {
  it("prints one URL per person and no shared token", () => {
    expect(team.token).toBe("");
    expect(team.people.map((p) => p.name)).toEqual(["alice", "bob"]);
    const [alice, bob] = team.people;
    expect(alice.token).not.toBe(bob.token);
    expect(alice.openUrl).toBe(`${team.url}?token=${alice.token}`);
  });

  it("maps the token to its person: strokes record them, people.me says so", async () => {
    const [alice, bob] = team.people;
    expect((await call(team, "people.me", {}, bearer(alice.token))).body.result).toEqual({
      name: "alice",
      fixed: true,
    });
    const a = await call(team, "strokes.commit", stroke(0, 20), bearer(alice.token));
    const b = await call(team, "strokes.commit", stroke(1, 40), bearer(bob.token));
    expect([a.status, b.status]).toEqual([200, 200]);
    const rows = service.project!.strokes(1).slice(-2);
    expect(rows.map((r) => [r.person, r.author, r.classIdx])).toEqual([
      ["alice", "alice", 0],
      ["bob", "bob", 1],
    ]);
    // Alice's undo undoes her stroke, not bob's later one.
    const undo = await call(team, "masks.undo", { imageId: 1 }, bearer(alice.token));
    expect(undo.status).toBe(200);
    const after = service.project!.strokes(1).slice(-2);
    expect(after.map((r) => [r.person, r.undone])).toEqual([
      ["alice", true],
      ["bob", false],
    ]);
  });

  it("refuses a header naming another person, and a body claiming a name", async () => {
    const [alice] = team.people;
    const header = await call(team, "strokes.commit", stroke(0, 60), {
      ...bearer(alice.token),
      "x-pixelloop-person": "bob",
    });
    expect(header.status).toBe(403);
    expect(header.body.error?.message).toBe(
      "forbidden: this access token is alice's; it cannot act as another person",
    );
    for (const field of ["person", "author"]) {
      const body = await call(
        team,
        "strokes.commit",
        { ...stroke(0, 60), [field]: "bob" },
        bearer(alice.token),
      );
      expect(body.status, field).toBe(400);
      expect(body.body.error?.message, field).toContain(field);
    }
    // Nothing was recorded as bob by those requests.
    expect(service.project!.strokes(1).filter((r) => r.person === "bob")).toHaveLength(1);
    // Naming oneself is fine.
    const own = await call(team, "people.me", {}, { ...bearer(alice.token), "x-pixelloop-person": "alice" });
    expect(own.body.result).toEqual({ name: "alice", fixed: true });
  });

  it("refuses a token that is no one's", async () => {
    const res = await call(team, "people.me", {}, bearer("not-a-token-of-anyone-here"));
    expect([res.status, res.body.error?.message]).toEqual([401, "unauthorized: wrong access token"]);
  });
});

describe("a named browser on loopback", () => {
  it("acts as the name in the header, validated; without one, as the server's person", async () => {
    const h = bearer(local.token);
    expect(
      (await call(local, "people.me", {}, { ...h, "x-pixelloop-person": encodeURIComponent("Zoë") })).body
        .result,
    ).toEqual({
      name: "Zoë",
      fixed: false,
    });
    expect((await call(local, "people.me", {}, h)).body.result).toEqual({
      name: "server-user",
      fixed: false,
    });
    const bad = await call(local, "people.me", {}, { ...h, "x-pixelloop-person": "<script>" });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain("is not a usable name");
    const reserved = await call(local, "people.me", {}, { ...h, "x-pixelloop-person": "unknown" });
    expect(reserved.status).toBe(400);
  });
});
