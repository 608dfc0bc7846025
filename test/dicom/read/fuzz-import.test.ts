// The seeded fuzz of the import's reader in the suite (issue 12, Evidence): 360 mutants of the
// seed files (bench/lib/fuzz.ts), each rejected or skipped with an AppError, or accepted and then
// decodable frame by frame; no crash, no file slower than a second. `npm run fuzz` runs 10,000.
import { describe, expect, it } from "vitest";
import { judge, loadSeeds, mutate } from "../../../bench/lib/fuzz";

const SEED = 12;
const PER_FILE = 40;

describe("fuzzed import reader (seed 12)", () => {
  const seeds = loadSeeds();
  it(`${seeds.length} files x ${PER_FILE} mutants: no crash, no undecodable acceptance`, async () => {
    const problems: string[] = [];
    const kinds = new Map<string, number>();
    for (const [f, seedFile] of seeds.entries()) {
      for (let k = 0; k < PER_FILE; k++) {
        const index = f * PER_FILE + k;
        const mutant = mutate(seedFile.bytes, SEED, index);
        const v = await judge(mutant.bytes);
        kinds.set(v.kind, (kinds.get(v.kind) ?? 0) + 1);
        const where = `${seedFile.name} mutant ${index} (${mutant.label})`;
        if (v.kind === "crash" || v.kind === "undecodable")
          problems.push(`${where}: ${v.kind} ${v.detail}`);
        else if (v.ms > 1000) problems.push(`${where}: ${Math.round(v.ms)} ms`);
      }
    }
    expect(problems).toEqual([]);
    // The mutator must exercise both sides: some mutants read, most are refused.
    expect(kinds.get("rejected") ?? 0).toBeGreaterThan(100);
    expect((kinds.get("accepted") ?? 0) + (kinds.get("skipped") ?? 0)).toBeGreaterThan(20);
  }, 120_000);
});
