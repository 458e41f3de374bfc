import type { ReactNode } from "react";
import { useApp } from "../state/app-context.tsx";
import { PersonBadge } from "./Person.tsx";

export function Header({ children }: { children?: ReactNode }) {
  const { project } = useApp();
  return (
    <header className="topbar">
      <a
        className="brand"
        href="#/"
        title="Projects: open, create or switch (the start screen)"
        data-testid="to-start"
      >
        <span className="logo" aria-hidden>
          ◐
        </span>
        <span className="brand-name">Pixelloop</span>
      </a>
      {project && (
        <span className="project-name" data-testid="project-name" title={project.name}>
          {project.name}
        </span>
      )}
      <div className="topbar-content">{children}</div>
      <PersonBadge />
    </header>
  );
}
