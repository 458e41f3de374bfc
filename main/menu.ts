/**
 * The application menu, from the one keymap (renderer/keymap.ts): its items, their order and
 * accelerators. What an item does is up to `run` (main.ts: a dialog of the shell, or the
 * command sent to the window, which runs it as its key would).
 */
import type { MenuItemConstructorOptions } from "electron";
import { accelerator, KEYMAP, type Binding, type Command } from "../renderer/keymap.ts";

export interface MenuExtras {
  /** items of the shell with no key, after the File menu's keyed items of the same group */
  openDemo: () => void;
  devTools: boolean;
}

function item(b: Binding, run: (c: Command) => void): MenuItemConstructorOptions {
  const first = b.keys[0];
  return {
    label: b.menu?.label,
    ...(b.menu?.accelerator && first ? { accelerator: accelerator(first) } : {}),
    click: () => run(b.command),
  };
}

export function menuTemplate(run: (c: Command) => void, extras: MenuExtras): MenuItemConstructorOptions[] {
  const of = (menu: NonNullable<Binding["menu"]>["menu"]) =>
    KEYMAP.filter((b) => b.menu?.menu === menu).map((b) => item(b, run));
  const [newProject, openProject, ...importExport] = of("File");
  return [
    {
      label: "File",
      submenu: [
        newProject,
        openProject,
        { label: "Open Demo Project", click: extras.openDemo },
        { type: "separator" },
        ...importExport,
        { type: "separator" },
        { role: "quit" },
      ],
    },
    { label: "Edit", submenu: of("Edit") },
    {
      label: "View",
      submenu: [
        ...of("View"),
        { type: "separator" },
        ...(extras.devTools ? [{ role: "toggleDevTools" } as const] : []),
        { role: "togglefullscreen" },
      ],
    },
    { label: "Help", submenu: of("Help") },
  ];
}
