/**
 * People: who is acting. The door decides it, never the request body (docs/security.md):
 * the desktop app and the CLI act as the OS user (the CLI's `--as NAME`), a browser on a
 * loopback server as the name typed in it (the `x-pixelloop-person` header), a browser or
 * script off loopback as the person its token belongs to (`serve --person NAME`).
 */
import os from "node:os";
import { MAX_PERSON_NAME, PERSON_HEADER, personNameProblem } from "../common/person-name.ts";

export { MAX_PERSON_NAME, PERSON_HEADER, personNameProblem };

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
