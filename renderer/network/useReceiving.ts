// Studies whose DICOM arrival window is still open (issue 14): the worklist marks their rows
// "receiving…" until the node's arrivals tracker settles them. Read from network:status every
// few seconds; where the workstation has no network node (the channel fails) it stops asking.
import { useEffect, useState } from "react";
import { call } from "../api";

export type Receiving = ReadonlyMap<string, { state: string; instances: number }>;

export function useReceiving(intervalMs = 2000): Receiving {
  const [receiving, setReceiving] = useState<Receiving>(new Map());
  useEffect(() => {
    let stopped = false;
    const load = () =>
      call("network:status", {}).then(
        (s) => {
          if (stopped) return;
          const open = s.arrivals.filter((a) => a.state !== "settled");
          setReceiving((prev) =>
            prev.size === 0 && open.length === 0
              ? prev
              : new Map(open.map((a) => [a.studyInstanceUid, a])),
          );
        },
        () => clearInterval(timer),
      );
    const timer = setInterval(() => void load(), intervalMs);
    void load();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [intervalMs]);
  return receiving;
}
