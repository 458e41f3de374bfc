import path from "node:path";
import type { Command } from "commander";
import { PixelloopService } from "../api/service.ts";
import { startServer } from "../server/server.ts";
import { isLoopbackHost } from "../server/security.ts";
import { personNameProblem } from "../api/people.ts";
import { out, UsageError } from "./shared.ts";

/** serve command: the UI in a browser against the core (issue 6). */
export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("serve the UI and the API on this machine (browser mode)")
    .argument("[project]", "project file to open at start")
    .option("--port <n>", "port (0 picks a free one)", "4780")
    .option(
      "--host <host>",
      "address to bind (every request needs the printed access token, loopback too)",
      "127.0.0.1",
    )
    .option("--projects-dir <dir>", "folder for new projects")
    .option(
      "--allow <dir>",
      "another folder the UI may open projects from and export to (repeatable; the projects folder and the open project's folder always are)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option(
      "--person <name>",
      "a person who labels, with an access token of their own (repeatable; needed off loopback): undo, authorship and status are per person",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option("--renderer <dir>", "folder of the built UI (default dist/renderer)")
    .action(
      async (
        project: string | undefined,
        o: {
          port: string;
          host: string;
          projectsDir?: string;
          allow: string[];
          person: string[];
          renderer?: string;
        },
      ) => {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new UsageError(`--port: "${o.port}" is not a port number`);
        // Off this machine a shared token would let anyone act under any name: one token each (#34).
        if (!isLoopbackHost(o.host) && o.person.length === 0)
          throw new UsageError(
            `--host ${o.host}: off loopback each person needs an access token of their own; add --person NAME for each (a URL each is printed)`,
          );
        const named = new Set<string>();
        for (const name of o.person) {
          const problem = personNameProblem(name.trim());
          if (problem)
            throw new UsageError(`--person: ${JSON.stringify(name)} is not a usable name: ${problem}`);
          if (named.has(name.trim().toLowerCase()))
            throw new UsageError(`--person: "${name}" is named twice`);
          named.add(name.trim().toLowerCase());
        }
        // Folders named on the command line are the person's choice; so is the project's folder.
        const service = new PixelloopService({
          projectsDir: o.projectsDir,
          allowedDirs: [...o.allow, ...(project ? [path.dirname(path.resolve(project))] : [])],
        });
        if (project) service.open(project);
        const server = await startServer(service, {
          host: o.host,
          port,
          rendererDir: o.renderer,
          people: o.person,
        });
        out(`pixelloop: serving ${service.project?.file ?? "(no project open)"}`);
        out(`pixelloop: listening ${server.url}`);
        // The token is per launch: the URL carries it once; its first load trades it for a cookie.
        // Scripts send it as `Authorization: Bearer <token>`.
        if (server.people.length === 0) {
          out(`pixelloop: open ${server.openUrl}`);
          out(`pixelloop: access token ${server.token} (scripts: Authorization: Bearer <token>)`);
        } else {
          // Each URL is that person's alone: it carries their token (scripts: Authorization: Bearer).
          for (const p of server.people) out(`pixelloop: ${p.name}: open ${p.openUrl}`);
        }
        out("pixelloop: press Ctrl+C to stop");
        // The last guard: every known cause is handled where it arises (app/server), but an error
        // nobody caught is logged and the server keeps serving the others (docs/security.md).
        const unexpected = (e: unknown) => {
          const err = e as Error;
          process.stderr.write(
            `pixelloop serve: unexpected error, still serving: ${err?.stack ?? String(e)}\n`,
          );
        };
        process.on("uncaughtException", unexpected);
        process.on("unhandledRejection", unexpected);
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off("SIGINT", stop);
            process.off("SIGTERM", stop);
            process.off("uncaughtException", unexpected);
            process.off("unhandledRejection", unexpected);
            void server
              .close()
              .then(() => service.close())
              .then(resolve);
          };
          process.on("SIGINT", stop);
          process.on("SIGTERM", stop);
        });
      },
    );
}
