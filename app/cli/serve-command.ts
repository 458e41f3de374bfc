import path from "node:path";
import type { Command } from "commander";
import { PixelloopService } from "../api/service.ts";
import { startServer } from "../server/server.ts";
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
    .option("--renderer <dir>", "folder of the built UI (default dist/renderer)")
    .action(
      async (
        project: string | undefined,
        o: { port: string; host: string; projectsDir?: string; allow: string[]; renderer?: string },
      ) => {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new UsageError(`--port: "${o.port}" is not a port number`);
        // Folders named on the command line are the person's choice; so is the project's folder.
        const service = new PixelloopService({
          projectsDir: o.projectsDir,
          allowedDirs: [...o.allow, ...(project ? [path.dirname(path.resolve(project))] : [])],
        });
        if (project) service.open(project);
        const server = await startServer(service, { host: o.host, port, rendererDir: o.renderer });
        out(`pixelloop: serving ${service.project?.file ?? "(no project open)"}`);
        out(`pixelloop: listening ${server.url}`);
        // The token is per launch: the URL carries it once; its first load trades it for a cookie.
        // Scripts send it as `Authorization: Bearer <token>`.
        out(`pixelloop: open ${server.openUrl}`);
        out(`pixelloop: access token ${server.token} (scripts: Authorization: Bearer <token>)`);
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
