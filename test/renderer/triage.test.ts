// The worklist's triage controls (issue 13 §4): date presets as inclusive local days, the preset
// rebuilt from a query, date input conversion and the time-in-queue text.
import { describe, expect, it } from "vitest";
import {
  dayFromInput,
  dayOf,
  dayToInput,
  formatQueueTime,
  presetBounds,
  presetOf,
} from "../../renderer/worklist/triage";

const today = new Date(2026, 2, 3, 9, 30); // 3 March 2026, local

describe("date presets", () => {
  it("gives today, the last 7 days across a month end, and a range with open ends", () => {
    expect(dayOf(today)).toBe("20260303");
    expect(presetBounds("any", today)).toEqual({});
    expect(presetBounds("today", today)).toEqual({ dateFrom: "20260303", dateTo: "20260303" });
    expect(presetBounds("week", today)).toEqual({ dateFrom: "20260225", dateTo: "20260303" });
    expect(presetBounds("range", today, { from: "20260101", to: "" })).toEqual({
      dateFrom: "20260101",
    });
    expect(presetBounds("range", today, { from: "", to: "" })).toEqual({});
  });

  it("finds the preset a query came from", () => {
    expect(presetOf({}, today)).toBe("any");
    expect(presetOf(presetBounds("today", today), today)).toBe("today");
    expect(presetOf(presetBounds("week", today), today)).toBe("week");
    expect(presetOf({ dateFrom: "20260101" }, today)).toBe("range");
    // Yesterday's "today" is a range now.
    expect(presetOf(presetBounds("today", new Date(2026, 2, 2)), today)).toBe("range");
  });

  it("converts date inputs both ways and refuses what is not a date", () => {
    expect(dayFromInput("2026-03-03")).toBe("20260303");
    expect(dayFromInput("")).toBe("");
    expect(dayFromInput("03/03/2026")).toBe("");
    expect(dayToInput("20260303")).toBe("2026-03-03");
    expect(dayToInput(undefined)).toBe("");
  });
});

describe("formatQueueTime", () => {
  it("reads in minutes, hours or days", () => {
    expect(formatQueueTime(0)).toBe("0 min");
    expect(formatQueueTime(45)).toBe("45 min");
    expect(formatQueueTime(192)).toBe("3 h 12 min");
    expect(formatQueueTime(24 * 60)).toBe("1 d 0 h");
    expect(formatQueueTime(52 * 60 + 5)).toBe("2 d 4 h");
  });
});
