/**
 * The person this window acts as (#34): the name in the header (click to change it) and the
 * first-run prompt that asks for one on a loopback server. See renderer/state/person.ts.
 */
import { useEffect, useState, type FormEvent } from "react";
import { useApp } from "../state/app-context.tsx";
import { IpcApi } from "../api/ipc.ts";
import {
  askPersonName,
  personKnown,
  rememberPersonName,
  storedPersonName,
  usePerson,
} from "../state/person.ts";
import { MAX_PERSON_NAME, personNameProblem } from "../../app/common/person-name.ts";
import { Modal } from "./Modal.tsx";
import { toastError } from "../state/toasts.ts";

/** In the header: who is labeling. A button to change the name unless the server fixed it. */
export function PersonBadge() {
  const person = usePerson();
  if (person.name === null) return null;
  if (person.fixed)
    return (
      <span className="person" data-testid="person" title="You label as this person (their own access token)">
        {person.name}
      </span>
    );
  return (
    <button
      type="button"
      className="person ghost"
      data-testid="person"
      title="You label as this person: your strokes, undo and counts are yours. Click to change the name."
      onClick={() => askPersonName(true)}
    >
      {person.name}
    </button>
  );
}

/** Asks the server who this window is, and for a name when one is still to be typed. */
export function PersonPrompt() {
  const { api } = useApp();
  const person = usePerson();
  useEffect(() => {
    api
      .call("people.me", {})
      // The desktop app acts as the OS user: no first-run prompt (a name can be set from the header).
      .then((me) => personKnown(me.name, me.fixed, !(api instanceof IpcApi)))
      .catch(toastError);
  }, [api]);
  if (!person.asking) return null;
  return <NameDialog />;
}

function NameDialog() {
  const { api } = useApp();
  const first = storedPersonName() === null;
  const [name, setName] = useState(storedPersonName() ?? "");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.normalize("NFC").trim();
    const problem = personNameProblem(trimmed);
    if (problem) return setError(problem);
    const before = storedPersonName();
    rememberPersonName(trimmed);
    try {
      // The server checks it too (the header it now carries).
      const me = await api.call("people.me", {});
      personKnown(me.name, me.fixed);
    } catch (err) {
      if (before !== null) rememberPersonName(before);
      askPersonName(true);
      setError((err as Error).message);
    }
  };
  return (
    <Modal title={first ? "Who is labeling?" : "Change your name"} onClose={() => askPersonName(false)}>
      <form className="form" onSubmit={submit} data-testid="person-form">
        <label>
          <span>
            Your name, as your strokes, undo and label counts will show it. It is kept in this browser; every
            tab of it labels as you.
          </span>
          <input
            data-testid="person-name"
            value={name}
            maxLength={MAX_PERSON_NAME * 2}
            onChange={(e) => {
              setName(e.target.value);
              setError(null);
            }}
            autoFocus
            required
          />
        </label>
        {error && (
          <p className="problems" role="alert" data-testid="person-error">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="button" onClick={() => askPersonName(false)}>
            {first ? "Later" : "Cancel"}
          </button>
          <button type="submit" className="primary" data-testid="person-save">
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}
