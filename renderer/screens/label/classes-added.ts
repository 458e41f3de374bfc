/** What adding a classes file to a project did, as a toast says it. */
export function classesAddedMessage(file: string, added: string[], skipped: string[]): string {
  const list = (names: string[]) => names.map((n) => `"${n}"`).join(", ");
  const had = skipped.length > 0 ? `skipped ${skipped.length} the project has (${list(skipped)})` : "";
  if (added.length === 0) return `${file}: nothing new; ${had || "the file lists no classes"}.`;
  return `${file}: added ${added.length} (${list(added)})${had ? `; ${had}` : ""}.`;
}
