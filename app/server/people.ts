/**
 * Who is acting on a request to the server (#34; docs/security.md, "People"). Two ways:
 *
 * - `serve --person alice --person bob`: each person gets an access token of their own, new per
 *   launch like the shared one and never stored (the project file travels; a token in it would
 *   too). The token is the person: a request names no one else (a header naming another is
 *   refused; request bodies have no such field, their schemas are strict). Required off loopback
 *   by the CLI.
 * - Without: the one shared token, and the person is the name the browser sends in the
 *   `x-pixelloop-person` header (typed once, kept in the browser), validated; none: the server's
 *   default person (the OS user). On loopback everyone holding the token is on this machine.
 */
import type { IncomingMessage } from "node:http";
import { PERSON_HEADER, PersonNameError, checkPersonName } from "../api/people.ts";
import type { CallContext } from "../api/service.ts";
import { newToken, requestToken, sameToken } from "./security.ts";

export class PersonTokens {
  private readonly entries: { name: string; token: string }[];

  constructor(names: readonly string[]) {
    const seen = new Set<string>();
    this.entries = names.map((raw) => {
      const name = checkPersonName(raw, "--person");
      if (seen.has(name.toLowerCase())) throw new PersonNameError(`--person: "${name}" is named twice`);
      seen.add(name.toLowerCase());
      return { name, token: newToken() };
    });
  }

  get people(): readonly { name: string; token: string }[] {
    return this.entries;
  }

  /** The person a token belongs to (compared in constant time, every entry), or undefined. */
  personOf(token: string): string | undefined {
    let found: string | undefined;
    for (const e of this.entries) if (sameToken(token, e.token)) found = e.name;
    return found;
  }
}

/**
 * The acting person of an API request whose token was already checked: [status, reason] when it
 * names a person it may not (or a name that is not one).
 */
export function requestPerson(
  req: IncomingMessage,
  cookie: string,
  people: PersonTokens | null,
): CallContext | [number, string] {
  const token = requestToken(req, cookie);
  const raw = req.headers[PERSON_HEADER];
  const claimed = typeof raw === "string" ? decodeHeader(raw) : undefined;
  if (people) {
    const person = token === undefined ? undefined : people.personOf(token);
    if (person === undefined) return [401, "unauthorized: wrong access token"];
    if (claimed !== undefined && claimed.normalize("NFC").trim() !== person)
      return [403, `forbidden: this access token is ${person}'s; it cannot act as another person`];
    return { person, fixed: true };
  }
  if (claimed === undefined || claimed.trim() === "") return {};
  try {
    return { person: checkPersonName(claimed, PERSON_HEADER), fixed: false };
  } catch (e) {
    if (e instanceof PersonNameError) return [400, e.message];
    throw e;
  }
}

/** Header values are Latin-1 on the wire: the UI sends the name percent-encoded (UTF-8). */
function decodeHeader(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
