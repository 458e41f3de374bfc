/**
 * Opening a project file for one operation: the store is closed whatever happens, and an error
 * of a damaged file names the file. What every door (the CLI's commands, the ops that open the
 * project themselves) uses when it does not hold the project open.
 */
import fs from "node:fs";
import { ProjectStore } from "../store/project-store.ts";
import { UserError, damagedProjectError } from "../store/errors.ts";

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

/** Refuses a project file that is not there (before a job opens it in a worker). */
export function requireProjectFile(project: string): void {
  if (!fs.existsSync(project)) throw new UserError(`${project}: no such project file`);
}
