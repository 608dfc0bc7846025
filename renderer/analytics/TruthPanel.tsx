// The study view's final (pathology) diagnosis (issue 16 §1): shows what a truth file or a
// colleague entered and lets a coordinator set, change or clear it; the previous value stays in the
// study's audit log.
import { useEffect, useState } from "react";
import { LESION_CLASSES, type LesionClass } from "../../electron/contract/domain";
import type { TruthView } from "../../electron/contract/ipc";
import { call } from "../api";

export function TruthPanel(props: { uid: string; onChanged(): void }) {
  const [truth, setTruth] = useState<TruthView | null>(null);
  const [label, setLabel] = useState<LesionClass | "">("");
  const [mm, setMm] = useState("");
  const [msg, setMsg] = useState<string | null>(null);

  useEffect(() => {
    call("truth:get", { studyInstanceUid: props.uid }).then(
      (t) => {
        setTruth(t);
        setLabel(t?.label ?? "");
        setMm(t?.largestLesionMm === null || t === null ? "" : String(t.largestLesionMm));
      },
      (e: unknown) => setMsg(e instanceof Error ? e.message : String(e)),
    );
  }, [props.uid]);

  async function save() {
    const size = mm.trim() === "" ? null : Number(mm.replace(",", "."));
    if (size !== null && !(size > 0 && size < 500)) {
      setMsg("Largest lesion must be a diameter in mm (0-500).");
      return;
    }
    try {
      const t = await call("truth:set", {
        studyInstanceUid: props.uid,
        label: label === "" ? null : label,
        largestLesionMm: label === "" ? null : size,
      });
      setTruth(t);
      setMsg(t ? "Final diagnosis saved." : "Final diagnosis cleared.");
      props.onChanged();
    } catch (e) {
      setMsg(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <section className="panel" aria-label="Final diagnosis">
      <h2>Final diagnosis</h2>
      <div className="truth-form">
        <select
          aria-label="Final (pathology) diagnosis"
          value={label}
          onChange={(e) => setLabel(e.target.value as LesionClass | "")}
        >
          <option value="">not known</option>
          {LESION_CLASSES.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <input
          aria-label="Largest lesion (mm)"
          placeholder="largest lesion mm"
          size={8}
          value={mm}
          onChange={(e) => setMm(e.target.value)}
        />
        <button type="button" onClick={() => void save()}>
          Save
        </button>
      </div>
      {truth && (
        <p className="muted small" data-testid="truth-by">
          {truth.source === "file" ? "From a truth file" : "Entered"} by {truth.actor},{" "}
          {truth.at.slice(0, 16).replace("T", " ")}
        </p>
      )}
      {msg && (
        <p role="status" className="small">
          {msg}
        </p>
      )}
    </section>
  );
}
