// Patient identity as displayed and searched (issue 13 §1): every PN component and group
// (PS3.5 6.2.1), age from birth and study dates, and a worklist search that finds what it shows.
import { describe, expect, it } from "vitest";
import { ageAt, formatPersonName, identityOf } from "../../electron/contract/identity";
import type { WorklistQuery } from "../../electron/contract/ipc";
import type { WorklistIndexRow } from "../../electron/registry";
import { WorklistIndex } from "../../electron/services/workstation/worklist";

describe("formatPersonName", () => {
  it("shows every component of the alphabetic group", () => {
    // The walk's case: the phantom's third component was dropped ("PHANTOM, 140904").
    expect(formatPersonName("PHANTOM^140904^0001")).toBe("PHANTOM, 140904 0001");
    expect(formatPersonName("Adams^John Robert Quincy^^Rev.^B.A. M.Div.")).toBe(
      "Adams, Rev. John Robert Quincy, B.A. M.Div.",
    );
    expect(formatPersonName("DOE^JANE^A^DR^JR")).toBe("DOE, DR JANE A, JR");
    expect(formatPersonName("DOE")).toBe("DOE");
    expect(formatPersonName("^JANE")).toBe("JANE");
    expect(formatPersonName("")).toBe("(no name)");
    expect(formatPersonName("^^^^")).toBe("(no name)");
  });

  it("shows the ideographic and phonetic groups (PS3.5 H.3.1)", () => {
    expect(formatPersonName("Yamada^Tarou=山田^太郎=やまだ^たろう")).toBe(
      "Yamada, Tarou = 山田, 太郎 = やまだ, たろう",
    );
    expect(formatPersonName("Hong^Gildong=洪^吉洞=홍^길동")).toBe(
      "Hong, Gildong = 洪, 吉洞 = 홍, 길동",
    );
    expect(formatPersonName("=山田^太郎")).toBe("= 山田, 太郎");
    expect(formatPersonName("Yamada^Tarou==やまだ^たろう")).toBe("Yamada, Tarou = やまだ, たろう");
  });
});

describe("ageAt", () => {
  it("counts whole years, months or days at the study date", () => {
    expect(ageAt("19610302", "20240301")).toBe("62 y");
    expect(ageAt("19610302", "20240302")).toBe("63 y");
    expect(ageAt("20230115", "20240301")).toBe("13 mo");
    expect(ageAt("20240220", "20240301")).toBe("10 d");
  });
  it("is empty when a date is missing, invalid or inverted", () => {
    expect(ageAt("", "20240301")).toBe("");
    expect(ageAt("19611302", "20240301")).toBe("");
    expect(ageAt("20250101", "20240301")).toBe("");
  });
});

describe("worklist search", () => {
  const rows: WorklistIndexRow[] = [
    ["PHANTOM^140904^0001", "PH1", "ACC-77", "MR liver dynamic"],
    ["Yamada^Tarou=山田^太郎=やまだ^たろう", "JP2", "A2", "Leber"],
    ["DOE^JANE", "D3", "", "abdomen"],
  ].map(([name, id, acc, desc], i) => ({
    ref: i + 1,
    studyInstanceUid: `1.2.${i + 1}`,
    patientName: name!,
    patientId: id!,
    studyDate: "20240301",
    studyTime: "",
    description: desc!,
    status: "ready",
    prediction: null,
    probabilitiesJson: null,
    confidence: null,
    reviewed: false,
    urgent: false,
    birthDate: "19610302",
    sex: "f",
    accession: acc!,
  }));
  const index = new WorklistIndex(rows);
  const find = (search: string) => {
    const q: WorklistQuery = {
      queue: "all",
      topPercent: 70,
      sort: "patientName",
      descending: false,
      search,
      status: "",
      offset: 0,
      limit: 10,
    };
    return index.page(q).rows.map((r) => r.patientId);
  };

  it("finds a study by the name exactly as the list shows it", () => {
    const shown = index.page({
      queue: "all",
      topPercent: 70,
      sort: "patientName",
      descending: false,
      search: "",
      status: "",
      offset: 0,
      limit: 10,
    }).rows;
    for (const r of shown) expect(find(r.identity.displayName)).toEqual([r.patientId]);
    expect(find("PHANTOM, 140904 0001")).toEqual(["PH1"]);
    expect(find("phantom^140904")).toEqual(["PH1"]);
    expect(find("山田")).toEqual(["JP2"]);
    expect(find("acc-77")).toEqual(["PH1"]);
    expect(find("leber")).toEqual(["JP2"]);
  });

  it("rows carry birth date, age at the study, sex and accession", () => {
    const id = identityOf({
      patientName: "PHANTOM^140904^0001",
      birthDate: "19610302",
      sex: "f",
      accession: "ACC-77",
      studyDate: "20240301",
    });
    expect(id).toEqual({
      name: "PHANTOM^140904^0001",
      displayName: "PHANTOM, 140904 0001",
      birthDate: "19610302",
      sex: "F",
      age: "62 y",
      accession: "ACC-77",
    });
    expect(find("PHANTOM")).toEqual(["PH1"]);
  });
});
