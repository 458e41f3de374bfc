/** An error a person can act on: the message names the file and the reason. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

/**
 * SQLite's word that a file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB), as a UserError naming the
 * file; undefined for any other error.
 */
export function damagedProjectError(file: string, e: unknown): UserError | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !(code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB"))
    return undefined;
  return new UserError(
    `${file}: the project file is damaged and cannot be read (SQLite: ${(e as Error).message})`,
  );
}
