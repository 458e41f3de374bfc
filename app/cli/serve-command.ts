import type { Command } from "commander";

/** serve command: the UI in a browser against the core (issue 6). */
export function registerServeCommand(_program: Command): void {}
