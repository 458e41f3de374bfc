import type { Command } from "commander";

/** train / predict / eval commands (issue 4). */
export function registerMlCommands(_program: Command): void {}
