/**
 * Commands of the keymap (renderer/keymap.ts) from outside the keyboard: the desktop app's menu
 * sends one (main/menu.ts), and the screen that is open runs it as its key would.
 */
import { useEffect, useRef } from "react";
import { KEYMAP, type Command } from "../keymap.ts";

type Listener = (c: Command) => void;
const listeners = new Set<Listener>();
const known = new Set<string>(KEYMAP.map((b) => b.command));

/** Runs a command sent by the menu; unknown names are ignored. */
export function runCommand(name: string): void {
  if (!known.has(name)) return;
  for (const l of [...listeners]) l(name as Command);
}

/** Listens for commands while mounted (the latest handler is always used). */
export function useCommands(handler: Listener): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const l: Listener = (c) => ref.current(c);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
}
