/**
 * Person names (#34): what a name may hold. Pure (no Node), so the UI checks a typed name with
 * the same rule the server applies. Shown escaped everywhere (React text, never HTML).
 */
export const MAX_PERSON_NAME = 40;

/** Changes made before people were recorded read as this name (the store's UNKNOWN_PERSON). */
export const RESERVED_PERSON = "unknown";

/** The header a browser on a loopback server names its person with (percent-encoded UTF-8). */
export const PERSON_HEADER = "x-pixelloop-person";

/** Letters and digits of any script, then spaces, dots, dashes, underscores, apostrophes and @. */
const NAME = /^[\p{L}\p{N}](?:[\p{L}\p{N} ._'@-]*[\p{L}\p{N}._])?$/u;

/** Why `name` (trimmed already) is not a valid person name, or null when it is. */
export function personNameProblem(name: string): string | null {
  if (name.length === 0) return "a name is needed";
  if ([...name].length > MAX_PERSON_NAME) return `a name has at most ${MAX_PERSON_NAME} characters`;
  if (!NAME.test(name))
    return "a name starts with a letter or digit and holds letters, digits, spaces and . _ - ' @";
  if (name.toLowerCase() === RESERVED_PERSON)
    return `"${RESERVED_PERSON}" names the changes made before people were recorded`;
  return null;
}

/** Labeled pixels one person set last (app/store/labels-by-person.ts counts them). */
export interface PersonLabels {
  person: string;
  humanPixels: number;
  acceptedPixels: number;
}
