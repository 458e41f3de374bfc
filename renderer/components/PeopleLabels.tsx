/**
 * Labeled pixels by person (#34) in the status bar: who labeled how much of the project, drawn
 * and accepted, asked again when the project's counts change (at most once a second).
 */
import { useEffect, useState } from "react";
import type { PersonLabels } from "../../app/common/api-types.ts";
import { useApp } from "../state/app-context.tsx";

export function PeopleLabels() {
  const { api, project } = useApp();
  const [people, setPeople] = useState<PersonLabels[] | null>(null);
  useEffect(() => {
    let live = true;
    api
      .call("people.labels", {})
      .then((p) => live && setPeople(p))
      .catch(() => live && setPeople(null));
    return () => {
      live = false;
    };
  }, [api, project]);
  if (!people || people.length === 0) return null;
  return (
    <span
      className="muted shrink"
      data-testid="statusbar-people"
      title={people
        .map(
          (p) =>
            `${p.person}: ${p.humanPixels.toLocaleString()} px drawn, ${p.acceptedPixels.toLocaleString()} px accepted`,
        )
        .join("\n")}
    >
      {people.map((p) => `${p.person} ${compactPixels(p.humanPixels + p.acceptedPixels)}`).join(" · ")}
    </span>
  );
}

/** 1234 -> "1.2k px": a pixel count that fits the status bar. */
export function compactPixels(n: number): string {
  if (n < 1000) return `${n} px`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k px`;
  return `${(n / 1_000_000).toFixed(1)}M px`;
}
