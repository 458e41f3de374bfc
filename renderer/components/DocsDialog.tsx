import learning from "../../docs/learning.md?raw";
import { Modal } from "./Modal.tsx";

/** The docs, bundled with the app (they read the same offline and on a server). */
const DOCS = { learning: { title: "How training works (docs/learning.md)", text: learning } } as const;

export function DocsDialog({ doc, onClose }: { doc: keyof typeof DOCS; onClose: () => void }) {
  const d = DOCS[doc];
  return (
    <Modal title={d.title} onClose={onClose} wide>
      <pre className="doc-text" data-testid="docs-text">
        {d.text}
      </pre>
    </Modal>
  );
}
