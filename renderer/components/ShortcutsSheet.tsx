import { Modal } from "./Modal.tsx";

const GROUPS: { title: string; items: [string, string][] }[] = [
  {
    title: "Labeling",
    items: [
      ["B", "Brush"],
      ["E", "Eraser"],
      ["P", "Polygon fill (click points, double-click or Enter to fill)"],
      ["A", "Accept a predicted region (click it)"],
      ["[  ]", "Smaller / larger brush"],
      ["1 … 9, 0", "Pick class"],
      ["Ctrl+Z", "Undo"],
      ["Ctrl+Shift+Z, Ctrl+Y", "Redo"],
      ["Esc", "Cancel the polygon / close a dialog"],
    ],
  },
  {
    title: "View",
    items: [
      ["Space + drag", "Pan (or middle mouse button)"],
      ["Wheel", "Zoom around the pointer"],
      ["F, Ctrl+0", "Fit to window"],
      ["Ctrl+1", "Actual pixels (1:1)"],
      ["+  −", "Zoom in / out"],
      ["L  M  K  U  I", "Show/hide labels, accepted hatching, prediction, uncertainty, image"],
    ],
  },
  {
    title: "Moving around",
    items: [
      ["N", "Next suggested image not done yet (unsure, and unlike what is labeled)"],
      ["R / Shift+R", "Zoom to the image's next / previous suggested region"],
      ["←  →", "Previous / next image"],
      ["G", "Back to the image grid"],
      ["Enter", "Open the focused image (grid)"],
      ["/", "Search image names (grid)"],
      ["T", "Training panel"],
      ["?", "This sheet"],
    ],
  },
];

export function ShortcutsSheet({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose} wide>
      <div className="shortcut-groups" data-testid="shortcuts">
        {GROUPS.map((g) => (
          <section key={g.title}>
            <h3>{g.title}</h3>
            <dl>
              {g.items.map(([k, v]) => (
                <div key={k} className="shortcut">
                  <dt>
                    <kbd>{k}</kbd>
                  </dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </Modal>
  );
}
