/** What every CLI command needs: printing, and a project store that is closed whatever happens. */
import { ProjectStore } from "../store/project-store.ts";
import { UserError, damagedProjectError } from "../store/errors.ts";

export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

/** A count as people read it: 5401370 -> "5,401,370" (the --json output keeps plain numbers). */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

export function err(text: string): void {
  process.stderr.write(text.endsWith("\n") ? text : text + "\n");
}

/**
 * Opens the project, runs fn, and closes the project when fn returns, throws, or (when fn is async)
 * when its promise settles. The result is fn's, so callers can read what they need and go on.
 */
export function withStore<T>(
  project: string,
  opts: { readonly?: boolean },
  fn: (store: ProjectStore) => T,
): T {
  const store = ProjectStore.open(project, { readonly: opts.readonly === true });
  const named = (e: unknown) => damagedProjectError(project, e) ?? e;
  let result: T;
  try {
    result = fn(store);
  } catch (e) {
    store.close();
    throw named(e);
  }
  if (result instanceof Promise)
    return result.then(
      (r) => (store.close(), r),
      (e: unknown) => {
        store.close();
        throw named(e);
      },
    ) as T;
  store.close();
  return result;
}

/** An image of the project by file name, or by id when no name matches. */
export function findImage(store: ProjectStore, ref: string) {
  const byName = store.imagesByName(ref);
  if (byName.length > 0) return byName[0];
  if (/^\d+$/.test(ref)) {
    const byId = store.image(Number(ref));
    if (byId) return byId;
  }
  throw new UserError(`${store.file}: no image named or numbered "${ref}"`);
}
