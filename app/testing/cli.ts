/**
 * For CLI tests: `pixelloop ARGS` run in the test's own process through main(argv), with what it
 * writes to stdout and stderr captured, instead of a child process per command (each paid for
 * Node, tsx and the app's modules again). A few tests still spawn bin/pixelloop.mjs for what only
 * a real process shows (app/cli/smoke.test.ts: exit codes, output closed early).
 */
import { main } from "../cli/main.ts";

export interface CliResult {
  /** what main returned: the process's exit code (0 ok, 1 error or part done, 2 usage) */
  code: number;
  stdout: string;
  stderr: string;
}

type Write = typeof process.stdout.write;

function capture(stream: NodeJS.WriteStream, sink: (s: string) => void): () => void {
  const original = stream.write;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    sink(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
    const done = rest.find((r): r is () => void => typeof r === "function");
    done?.();
    return true;
  }) as Write;
  return () => {
    stream.write = original;
  };
}

/** Runs `pixelloop ...args` in this process; resolves with its exit code and output. */
export async function runCli(...args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  const restoreOut = capture(process.stdout, (s) => (stdout += s));
  const restoreErr = capture(process.stderr, (s) => (stderr += s));
  try {
    const code = await main(["node", "pixelloop", ...args]);
    return { code, stdout, stderr };
  } finally {
    restoreOut();
    restoreErr();
    process.exitCode = exitCode;
  }
}

/**
 * `pixelloop ...args` in this process, with the contract of a promisified `execFile` of the
 * command: resolves with its output when it exits 0, rejects with an error carrying `code`,
 * `stdout` and `stderr` otherwise.
 */
export async function cliOrThrow(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runCli(...args);
  if (r.code === 0) return { stdout: r.stdout, stderr: r.stderr };
  throw Object.assign(new Error(`pixelloop ${args.join(" ")} exited with ${r.code}: ${r.stderr.trim()}`), r);
}
