// registry/instances.ts (issue 12 §5): a study's stored files, their count, and the SOP Class and
// series of one stored image, on a temp registry written as import writes it.
import { describe, expect, it } from "vitest";
import {
  ImportWriter,
  seriesOfInstance,
  sopClassOfInstance,
  studyInstanceCount,
  studyInstances,
} from "../../electron/registry";
import { freshRegistry, studyUid } from "./fixture-rows";
import { batch } from "./helpers";

describe("instance reads", () => {
  it("lists a study's instances series by series in import order, and counts them", () => {
    const { db } = freshRegistry();
    const w = new ImportWriter(db);
    w.commitSeries(batch("4", "2", 2));
    w.commitSeries(batch("4", "1", 3));
    w.commitSeries(batch("5", "1", 1));
    const s4 = studyUid("4");
    const files = studyInstances(db, s4);
    expect(files.map((f) => f.sopInstanceUid)).toEqual([
      `${s4}.2.1`,
      `${s4}.2.2`,
      `${s4}.1.1`,
      `${s4}.1.2`,
      `${s4}.1.3`,
    ]);
    expect(files[0]!.storePath).toBe(`${s4}/${s4}.2/${s4}.2.1.dcm`);
    expect(studyInstanceCount(db, s4)).toBe(5);
    expect(studyInstanceCount(db, studyUid("5"))).toBe(1);
    expect(studyInstances(db, studyUid("9"))).toEqual([]);
    expect(studyInstanceCount(db, studyUid("9"))).toBe(0);
  });

  it("names the SOP Class and series of a stored instance, null for an unknown one", () => {
    const { db } = freshRegistry();
    new ImportWriter(db).commitSeries(batch("6", "3", 2));
    const s = studyUid("6");
    expect(sopClassOfInstance(db, `${s}.3.2`)).toBe("1.2.840.10008.5.1.4.1.1.4");
    expect(seriesOfInstance(db, `${s}.3.2`)).toBe(`${s}.3`);
    expect(sopClassOfInstance(db, `${s}.3.9`)).toBeNull();
    expect(seriesOfInstance(db, `${s}.3.9`)).toBeNull();
  });
});
