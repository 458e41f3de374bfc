/**
 * People: who is acting. The door decides it, never the request body (docs/security.md):
 * the desktop app and the CLI act as the OS user (the CLI's `--as NAME`), a browser on a
 * loopback server as the name typed in it (the `x-pixelloop-person` header), a browser or
 * script off loopback as the person its token belongs to (`serve --person NAME`).
 */
import os from "node:os";
import { UNKNOWN_PERSON } from "../store/masks.ts";

export const MAX_PERSON_NAME = 40;

/** The header a browser on a loopback server names its person with. */
export const PERSON_HEADER = "x-pixelloop-person";

/** Letters and digits of any script, then spaces, dots, dashes, underscores, apostrophes and @. */
const NAME = /^[\p{L}\p{N}](?:[\p{L}\p{N} ._'@-]*[\p{L}\p{N}._])?$/u;

/** Why `name` is not a valid person name, or null when it is. */
export function personNameProblem(name: string): string | null {
  if (name.length === 0) return "a name is needed";
  if ([...name].length > MAX_PERSON_NAME) return `a name has at most ${MAX_PERSON_NAME} characters`;
  if (!NAME.test(name))
    return "a name starts with a letter or digit and holds letters, digits, spaces and . _ - ' @";
  if (name.toLowerCase() === UNKNOWN_PERSON)
    return `"${UNKNOWN_PERSON}" names the changes made before people were recorded`;
  return null;
}

/** `name` trimmed, or a UserError-like Error naming what is wrong with it. */
export function checkPersonName(name: string, where: string): string {
  const trimmed = name.normalize("NFC").trim();
  const problem = personNameProblem(trimmed);
  if (problem)
    throw new PersonNameError(
      `${where}: ${JSON.stringify(name.slice(0, 60))} is not a usable name: ${problem}`,
    );
  return trimmed;
}

export class PersonNameError extends Error {}

/** The OS user's name as a person name (characters a name may not hold become "_"), else "me". */
export function osPersonName(): string {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? "";
  }
  const cleaned = [...user.normalize("NFC")]
    .map((c) => (/[\p{L}\p{N} ._'@-]/u.test(c) ? c : "_"))
    .join("")
    .slice(0, MAX_PERSON_NAME)
    .trim();
  return personNameProblem(cleaned) === null ? cleaned : "me";
}
