/**
 * The whole page when its session with the server ended (state/session.ts): the server was
 * restarted and printed a new address with a new token, which this page cannot know. One calm
 * message that says what to open, instead of failing screens and a toast per call.
 */
export function SessionEnded() {
  const address = `${location.origin}/?token=…`;
  return (
    <div className="session-ended" role="alert" data-testid="session-ended">
      <h1>Session ended</h1>
      <p data-testid="session-ended-message">
        This page's session ended: the server was restarted. Open the address it printed:{" "}
        <code>{address}</code>
      </p>
      <p className="muted">
        It is on the line starting with <code>pixelloop: open</code> where <code>pixelloop serve</code> (or{" "}
        <code>./run start</code>) runs. What was saved before the restart is in the project file.
      </p>
    </div>
  );
}
