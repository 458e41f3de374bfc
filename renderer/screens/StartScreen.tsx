import { useEffect, useState } from "react";
import { attempt, useApp } from "../state/app-context.tsx";
import { navigate } from "../state/route.ts";
import { pushToast } from "../state/toasts.ts";
import { Header } from "../components/Header.tsx";
import { ClassesFileButton } from "../components/ClassesFileButton.tsx";
import { ChooseButton } from "../components/FolderPicker.tsx";
import { CLASS_PALETTE } from "../../app/common/palette.ts";
import { classShortcut, shortKey } from "../../app/common/class-keys.ts";

interface ClassDraft {
  key: number;
  name: string;
  color: string;
}

export function StartScreen() {
  const { api, info, project, setProject } = useApp();
  const [name, setName] = useState("");
  const [dir, setDir] = useState("");
  const [classes, setClasses] = useState<ClassDraft[]>([
    { key: 1, name: "background", color: CLASS_PALETTE[0] },
    { key: 2, name: "object", color: CLASS_PALETTE[1] },
  ]);
  const [openPath, setOpenPath] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  // The list as it is now (projects opened since the app started are on it), not as it was then.
  const [recent, setRecent] = useState(info?.recent ?? []);
  useEffect(() => {
    api.call("app.info", {}).then(
      (i) => setRecent(i.recent),
      () => undefined,
    );
  }, [api, project?.file]);

  const opened = (p: Awaited<ReturnType<typeof api.call<"project.open">>> | undefined) => {
    if (!p) return;
    setProject(p);
    pushToast("success", `Opened ${p.name}`);
    navigate({ screen: "browse" });
  };

  const run = async (what: string, f: () => Promise<void>) => {
    setBusy(what);
    try {
      await f();
    } finally {
      setBusy(null);
    }
  };

  const create = (e: React.FormEvent) => {
    e.preventDefault();
    const seen = new Set<string>();
    const twice = classes.find((c) => {
      const key = c.name.trim().toLowerCase();
      return key !== "" && (seen.has(key) || !seen.add(key));
    });
    if (twice) {
      pushToast("error", `Two classes are named "${twice.name.trim()}": give each class its own name.`);
      return;
    }
    void run("create", async () =>
      opened(
        await attempt(
          api.call("project.create", {
            name,
            dir: dir.trim() || undefined,
            classes: classes.map((c) => ({ name: c.name, color: c.color })),
          }),
        ),
      ),
    );
  };

  const setClass = (key: number, patch: Partial<ClassDraft>) =>
    setClasses((cs) => cs.map((c) => (c.key === key ? { ...c, ...patch } : c)));

  return (
    <div className="screen start-screen">
      <Header />
      <div className="start-body">
        <ol className="first-steps" data-testid="first-steps" aria-label="How it works">
          <li>
            <strong>Make a project</strong> with your classes, and import a folder of images.
          </li>
          <li>
            <strong>Scribble</strong> a few strokes of each class on the suggested images (<kbd>N</kbd> opens
            the next one); no need to outline anything.
          </li>
          <li>
            <strong>Train</strong> (<kbd>T</kbd>) for a few minutes, then fix or accept its predictions where
            it is unsure, and train again.
          </li>
        </ol>
        <section className="card" aria-labelledby="new-title">
          <h2 id="new-title">New project</h2>
          <form onSubmit={create} className="form">
            <label>
              <span>Name</span>
              <input
                data-testid="new-name"
                value={name}
                onChange={(e) => setName(e.target.value)}
                placeholder="e.g. Street scenes"
                required
                autoFocus
              />
            </label>
            <label>
              <span>Folder</span>
              <span className="field-row">
                <input
                  data-testid="new-dir"
                  value={dir}
                  onChange={(e) => setDir(e.target.value)}
                  placeholder={info?.projectsDir ?? ""}
                />
                <ChooseButton
                  purpose="new-project"
                  start={dir || info?.projectsDir}
                  onChosen={setDir}
                  testId="choose-new-dir"
                />
              </span>
            </label>
            <fieldset>
              <legend>Classes (the key beside each picks it while labeling)</legend>
              {classes.map((c, i) => (
                <div className="class-row" key={c.key}>
                  <kbd data-testid={`class-key-${i}`}>{shortKey(classShortcut(i) ?? " ")}</kbd>
                  <input
                    type="color"
                    value={c.color}
                    onChange={(e) => setClass(c.key, { color: e.target.value })}
                    aria-label={`Color of class ${i + 1}`}
                  />
                  <input
                    data-testid={`class-name-${i}`}
                    value={c.name}
                    onChange={(e) => setClass(c.key, { name: e.target.value })}
                    aria-label={`Name of class ${i + 1}`}
                    required
                  />
                  <button
                    type="button"
                    className="ghost"
                    disabled={classes.length <= 1}
                    onClick={() => setClasses((cs) => cs.filter((x) => x.key !== c.key))}
                    aria-label={`Remove class ${c.name}`}
                  >
                    ✕
                  </button>
                </div>
              ))}
              <button
                type="button"
                data-testid="add-class"
                onClick={() =>
                  setClasses((cs) => [
                    ...cs,
                    {
                      key: Math.max(0, ...cs.map((c) => c.key)) + 1,
                      name: `class ${cs.length + 1}`,
                      color: CLASS_PALETTE[cs.length % CLASS_PALETTE.length],
                    },
                  ])
                }
              >
                + Add class
              </button>{" "}
              <ClassesFileButton
                label="Load classes file…"
                testId="load-classes"
                title="A classes.json (as the CLI's --classes-file reads it): its classes replace this list"
                onFile={async (file, text) => {
                  const r = await attempt(api.call("classes.parseFile", { file, text }));
                  if (!r) return;
                  setClasses((cs) => {
                    const first = Math.max(0, ...cs.map((c) => c.key)) + 1;
                    return r.classes.map((c, i) => ({ key: first + i, name: c.name, color: c.color }));
                  });
                  pushToast("success", `Loaded ${r.classes.length} classes from ${file}`);
                }}
              />
            </fieldset>
            <button type="submit" className="primary" data-testid="create-project" disabled={busy !== null}>
              {busy === "create" ? "Creating…" : "Create project"}
            </button>
          </form>
        </section>
        <section className="card" aria-labelledby="open-title">
          <h2 id="open-title">Open</h2>
          {project && (
            <button type="button" className="primary wide" onClick={() => navigate({ screen: "browse" })}>
              Continue with {project.name} →
            </button>
          )}
          <h3>Recent</h3>
          {recent.length === 0 && <p className="muted">No recent projects yet.</p>}
          <ul className="recent">
            {recent.map((r) => (
              <li key={r.file}>
                <button
                  type="button"
                  className="recent-btn"
                  onClick={() =>
                    void run("open", async () =>
                      opened(await attempt(api.call("project.open", { file: r.file }))),
                    )
                  }
                >
                  <strong>{r.name}</strong>
                  <span className="muted">{r.file}</span>
                </button>
              </li>
            ))}
          </ul>
          <form
            className="form inline"
            onSubmit={(e) => {
              e.preventDefault();
              void run("open", async () =>
                opened(await attempt(api.call("project.open", { file: openPath.trim() }))),
              );
            }}
          >
            <input
              value={openPath}
              onChange={(e) => setOpenPath(e.target.value)}
              placeholder="/path/to/project.pxl"
              aria-label="Project file to open"
              data-testid="open-path"
              required
            />
            <button type="submit" disabled={busy !== null}>
              Open file
            </button>
            <ChooseButton
              purpose="open-project"
              label="Choose…"
              disabled={busy !== null}
              onChosen={(file) =>
                void run("open", async () => opened(await attempt(api.call("project.open", { file }))))
              }
              testId="choose-open"
            />
          </form>
          <h3>Try it</h3>
          <p className="muted">
            A small synthetic street scene project with a few scribbles, ready to train.
          </p>
          <button
            type="button"
            data-testid="open-demo"
            disabled={busy !== null}
            onClick={() =>
              void run("demo", async () => opened(await attempt(api.call("project.openDemo", {}))))
            }
          >
            {busy === "demo" ? "Preparing the demo…" : "Open the demo project"}
          </button>
        </section>
      </div>
    </div>
  );
}
