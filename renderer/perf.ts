// Timings the app measures on itself in the browser, read by bench/ui.ts: from an input to the
// frame that shows its result (performance.now(), after the next animation frame has painted).
export interface PerfLog {
  sliderToRows: number[];
  studyOpenToPanes: number[];
  scrollFrames: number[];
}

declare global {
  interface Window {
    __livercadPerf?: PerfLog;
  }
}

export const perf: PerfLog = (window.__livercadPerf = {
  sliderToRows: [],
  studyOpenToPanes: [],
  scrollFrames: [],
});

/** Records now - start once the current DOM changes have been painted. */
export function recordAfterPaint(list: number[], start: number): void {
  // A task queued from the frame callback runs once that frame has been produced.
  requestAnimationFrame(() => setTimeout(() => list.push(performance.now() - start), 0));
}
