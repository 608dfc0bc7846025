// C-FIND matching rules (PS3.4 C.2.2.2) case by case, without a network: qr-match.ts is pure.
import { describe, expect, it } from "vitest";
import { isUniversal, matchesKey, uidList } from "../../../electron/services/network/qr-match";

describe("C-FIND key matching (PS3.4 C.2.2.2)", () => {
  it("universal matching: empty or only '*' matches every value, empty ones included", () => {
    expect(matchesKey("PN", "", "")).toBe(true);
    expect(matchesKey("PN", "", "Doe^Jane")).toBe(true);
    expect(matchesKey("LO", "*", "")).toBe(true);
    expect(matchesKey("DA", "", "20250101")).toBe(true);
    expect(isUniversal("  ")).toBe(true);
    expect(isUniversal("**")).toBe(true);
    expect(isUniversal("A*")).toBe(false);
  });

  it("single value matching is exact (padding ignored); PN case-insensitively, others not", () => {
    expect(matchesKey("LO", "FIX1", "FIX1")).toBe(true);
    expect(matchesKey("LO", "FIX1 ", "FIX1")).toBe(true);
    expect(matchesKey("LO", "fix1", "FIX1")).toBe(false);
    expect(matchesKey("LO", "FIX", "FIX1")).toBe(false);
    expect(matchesKey("PN", "doe^jane", "Doe^Jane")).toBe(true);
    expect(matchesKey("PN", "Doe", "Doe^Jane")).toBe(false);
    expect(matchesKey("SH", "ACC1", "")).toBe(false);
  });

  it("wildcards '*' and '?' for PN, LO, SH, CS and AE; literal elsewhere", () => {
    expect(matchesKey("PN", "doe*", "DOE^JOHN")).toBe(true);
    expect(matchesKey("PN", "?oe^*", "Roe^Richard")).toBe(true);
    expect(matchesKey("PN", "?oe^*", "Rowe^Richard")).toBe(false);
    expect(matchesKey("LO", "*axial", "T2 axial")).toBe(true);
    expect(matchesKey("LO", "*AXIAL", "T2 axial")).toBe(false);
    expect(matchesKey("SH", "A?C*", "ABC123")).toBe(true);
    // Regular-expression characters are literal.
    expect(matchesKey("LO", "T2 (fs)*", "T2 (fs) axial")).toBe(true);
    expect(matchesKey("LO", "a.c", "abc")).toBe(false);
    // A UID is never a wildcard pattern.
    expect(matchesKey("UI", "1.2.*", "1.2.3")).toBe(false);
    // An empty stored value matches no wildcard other than the universal "*".
    expect(matchesKey("PN", "D*", "")).toBe(false);
  });

  it("date ranges: closed, open at either end, and single dates", () => {
    expect(matchesKey("DA", "20250101-20251231", "20250620")).toBe(true);
    expect(matchesKey("DA", "20250101-20251231", "20260101")).toBe(false);
    expect(matchesKey("DA", "20250101-20251231", "20250101")).toBe(true);
    expect(matchesKey("DA", "20250101-20251231", "20251231")).toBe(true);
    expect(matchesKey("DA", "-20250301", "20250105")).toBe(true);
    expect(matchesKey("DA", "-20250301", "20250302")).toBe(false);
    expect(matchesKey("DA", "20250601-", "20260101")).toBe(true);
    expect(matchesKey("DA", "20250601-", "20250531")).toBe(false);
    expect(matchesKey("DA", "20250105", "20250105")).toBe(true);
    expect(matchesKey("DA", "20250105", "20250106")).toBe(false);
    // A study without a date matches no range (only universal matching).
    expect(matchesKey("DA", "20250101-", "")).toBe(false);
  });

  it("time ranges with partial times: an upper bound covers the whole hour or minute", () => {
    expect(matchesKey("TM", "09-12", "101010")).toBe(true);
    expect(matchesKey("TM", "09-12", "125959.5")).toBe(true);
    expect(matchesKey("TM", "09-12", "130000")).toBe(false);
    expect(matchesKey("TM", "1030-", "102959")).toBe(false);
    expect(matchesKey("TM", "1030-", "103000")).toBe(true);
    expect(matchesKey("TM", "-0800", "080059")).toBe(true);
  });

  it("UID lists match any listed UID (C.2.2.2.2); CS lists any listed code", () => {
    expect(matchesKey("UI", "1.2.3\\1.2.4", "1.2.4")).toBe(true);
    expect(matchesKey("UI", "1.2.3\\1.2.4", "1.2.5")).toBe(false);
    expect(matchesKey("UI", "1.2.3", "1.2.30")).toBe(false);
    expect(uidList("1.2.3\\1.2.4 ")).toEqual(["1.2.3", "1.2.4"]);
    expect(uidList("")).toBeUndefined();
    expect(uidList(undefined)).toBeUndefined();
    expect(matchesKey("CS", "MR\\CT", "MR")).toBe(true);
    expect(matchesKey("CS", "CT", "MR")).toBe(false);
  });

  it("a multi-valued stored value matches when one of its values does", () => {
    expect(matchesKey("CS", "SR", "MR\\SR")).toBe(true);
    expect(matchesKey("CS", "PR", "MR\\SR")).toBe(false);
    expect(matchesKey("CS", "M?", "MR\\SR")).toBe(true);
  });

  it("IS keys match by number", () => {
    expect(matchesKey("IS", "3", "3")).toBe(true);
    expect(matchesKey("IS", "03", "3")).toBe(true);
    expect(matchesKey("IS", "4", "3")).toBe(false);
  });
});
