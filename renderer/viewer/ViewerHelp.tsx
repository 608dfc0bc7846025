// The sixth cell of the 3x2 viewer grid: the viewer's mouse and keys, always in sight (PACS
// users expect them; screen-reader users get them as a labelled region).
export function ViewerHelp() {
  return (
    <section className="help pane-help" aria-label="Viewer keys">
      <h2>Viewer</h2>
      <dl>
        <dt>
          <kbd>↑</kbd> <kbd>↓</kbd> · wheel
        </dt>
        <dd>slices; every pane follows the patient position</dd>
        <dt>left drag</dt>
        <dd>window / level</dd>
        <dt>right drag · ctrl+wheel</dt>
        <dd>zoom</dd>
        <dt>shift+drag · middle drag</dt>
        <dd>pan</dd>
        <dt>
          <kbd>R</kbd> · double click
        </dt>
        <dd>reset window, zoom, pan</dd>
        <dt>
          <kbd>O</kbd>
        </dt>
        <dd>ROI overlays on / off</dd>
        <dt>
          <kbd>PgDn</kbd> <kbd>PgUp</kbd>
        </dt>
        <dd>next / previous study</dd>
        <dt>
          <kbd>Esc</kbd>
        </dt>
        <dd>back to the worklist</dd>
      </dl>
      <p>
        ROI boxes are solid on the key slice and dashed on nearby slices; the label is the rank and
        the detector score.
      </p>
    </section>
  );
}
