/**
 * The real `pixelloop serve` process (bin/pixelloop.mjs) against the requests that used to end
 * it (issue 32): it must answer each and still be running, with nothing left to its last guard
 * (an "unexpected error" line means a cause was not handled where it arises).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
let dir: string;
let proc: ChildProcess;
let port: number;
let token: string;
let stderr = "";

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-serve-proc-"));
  const renderer = path.join(dir, "renderer");
  fs.mkdirSync(renderer);
  fs.writeFileSync(path.join(renderer, "index.html"), "<!doctype html><title>ui</title>");
  proc = spawn(
    process.execPath,
    [
      path.join(ROOT, "bin/pixelloop.mjs"),
      "serve",
      "--port",
      "0",
      "--projects-dir",
      path.join(dir, "projects"),
      "--renderer",
      renderer,
    ],
    { cwd: dir, env: { ...process.env, PIXELLOOP_HOME: path.join(dir, "home") }, stdio: "pipe" },
  );
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  // The port and the access token, as its user reads them from what it prints.
  [port, token] = await new Promise<[number, string]>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      const t = /access token (\S+)/.exec(out);
      if (m && t) resolve([Number(m[1]), t[1]]);
    });
    proc.on("exit", (code) => reject(new Error(`pixelloop serve exited with ${code}: ${stderr}`)));
  });
}, 60_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function raw(data: string | Buffer, then?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, "127.0.0.1", () => s.write(data));
    s.on("data", (c: Buffer) => {
      chunks.push(c);
      // After the upgrade answer, the frame (if any) goes out.
      if (then && Buffer.concat(chunks).includes("\r\n\r\n")) {
        s.write(then);
        then = undefined;
      }
    });
    s.on("error", reject);
    s.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
  });
}

function get(
  p: string,
  headers: Record<string, string> = { authorization: `Bearer ${token}` },
): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: p, headers }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
      .on("error", reject);
  });
}

const upgrade = (target: string) =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Authorization: Bearer ${token}\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

it("answers every attack and is still running, with nothing left to its last guard", async () => {
  const attacks: [string, string | Buffer, Buffer?][] = [
    ["GET //", `GET // HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`],
    ["GET //x:99999/", `GET //x:99999/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`],
    ["upgrade //", upgrade("//")],
    ["upgrade //x:99999/", upgrade("//x:99999/")],
    [
      "cookie %",
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: pixelloop_token=%\r\nConnection: close\r\n\r\n`,
    ],
    // A masked frame with a reserved opcode, then one over the size limit (a 64-bit length).
    ["bad frame", upgrade("/events"), Buffer.from([0x83, 0x80, 0, 0, 0, 0])],
    [
      "huge frame",
      upgrade("/events"),
      Buffer.from([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]),
    ],
    ["garbage", "\x00\x01\x02 not http\r\n\r\n"],
  ];
  for (const [name, data, then] of attacks) {
    await raw(data, then);
    expect(await get("/"), name).toBe(200);
  }
  expect(proc.exitCode).toBeNull();
  expect(stderr).not.toContain("unexpected error");
}, 60_000);

it("on loopback too, refuses every request without the printed token and takes it once from the URL", async () => {
  for (const p of ["/", "/files/image/1", "/api/project.status"]) expect(await get(p, {}), p).toBe(401);
  expect(await get("/events", {})).toBe(401);
  expect(await get("/", { authorization: "Bearer wrong" })).toBe(401);
  expect(await get("/")).toBe(200);
  // The printed URL: its first load sets the cookie and sends the browser to the clean address.
  const first = await new Promise<http.IncomingMessage>((resolve, reject) =>
    http.get({ host: "127.0.0.1", port, path: `/?token=${token}` }, resolve).on("error", reject),
  );
  first.resume();
  expect(first.statusCode).toBe(302);
  expect(first.headers.location).toBe("/");
  const cookie = String(first.headers["set-cookie"]).split(";")[0];
  expect(cookie).toBe(`pixelloop_token_${port}=${token}`);
  expect(await get("/", { cookie })).toBe(200);
  expect(await get("/files/image/1", { cookie })).toBe(409); // past the token: no project is open
  expect(proc.exitCode).toBeNull();
});
