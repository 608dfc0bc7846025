// The Network settings editor's checks (issue 14 round 6): every rule the issue names refuses its
// bad value with a message naming the field, a good edit round-trips through network.json, and
// the audit lists what changed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  applySettingsEdit,
  hasChanges,
  settingsChanges,
  type SettingsEdit,
} from "../../../electron/services/network/settings-edit";
import { readSettings, writeSettings } from "../../../electron/services/network/settings";
import {
  aeTitleProblem,
  hostProblem,
  ipProblem,
  oauthProblems,
  portProblem,
  webUrlProblem,
} from "../../../renderer/network/validate";

const good: SettingsEdit = {
  local: {
    aeTitle: "LIVERCAD",
    port: 11112,
    bind: "127.0.0.1",
    enabled: true,
    allowed: ["SCANNER1@10.1.2.20", "PACS"],
    quietSeconds: 30,
    autoAnalyze: true,
  },
  nodes: [
    { name: "pacs", aeTitle: "PACS", host: "pacs.hospital.local", port: 104, retrieve: "get" },
    { name: "scanner", aeTitle: "MR1", host: "10.1.2.20", port: 4006, retrieve: "move" },
  ],
  webNodes: [{ name: "web", url: "http://pacs.hospital.local:8042/dicom-web" }],
};

function local(patch: Partial<SettingsEdit["local"]>): SettingsEdit {
  return { ...good, local: { ...good.local, ...patch } };
}
function node(patch: Partial<SettingsEdit["nodes"][number]>): SettingsEdit {
  return { ...good, nodes: [{ ...good.nodes[0]!, ...patch }, good.nodes[1]!] };
}
function web(patch: Partial<{ name: string; url: string }>): SettingsEdit {
  return { ...good, webNodes: [{ ...good.webNodes![0]!, ...patch }] };
}

function oauth(
  o: NonNullable<NonNullable<SettingsEdit["webNodes"]>[number]["oauth"]>,
): SettingsEdit {
  return { ...good, webNodes: [{ ...good.webNodes![0]!, oauth: o }] };
}

describe("applySettingsEdit", () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it("accepts a good edit and writes what livercad nodes and listen read", () => {
    const s = applySettingsEdit(good);
    expect(s.webNodes).toEqual([{ name: "web", url: "http://pacs.hospital.local:8042/dicom-web" }]);
    expect(s.local.allowed).toEqual([
      { aeTitle: "SCANNER1", addresses: ["10.1.2.20"] },
      { aeTitle: "PACS" },
    ]);
    expect(s.nodes[0]).toEqual({
      name: "pacs",
      aeTitle: "PACS",
      host: "pacs.hospital.local",
      port: 104,
      retrieve: "get",
    });
    // C-MOVE is the default and is not written out.
    expect(s.nodes[1]).not.toHaveProperty("retrieve");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-settings-edit-"));
    writeSettings(dir, s);
    expect(readSettings(dir)).toEqual(s);
  });

  it.each([
    [local({ aeTitle: "" }), /Local AE title is empty/],
    [
      local({ aeTitle: "SEVENTEEN_CHARS_X" }),
      /Local AE title "SEVENTEEN_CHARS_X" is 17 characters/,
    ],
    [local({ aeTitle: "A\\B" }), /Local AE title .*backslash/],
    [local({ aeTitle: "AE\u0007" }), /Local AE title .*control/],
    [local({ port: 0 }), /Local port must be an integer from 1 to 65535, got "0"/],
    [local({ port: 65536 }), /Local port must be an integer from 1 to 65535/],
    [local({ port: 1.5 }), /Local port/],
    [local({ bind: "my-host" }), /Bind address "my-host" is not an IP address/],
    [local({ quietSeconds: -1 }), /Quiet period must be from 0 to 3600/],
    [local({ allowed: ["MR1@"] }), /no address after "@"/],
    [local({ allowed: ["MR1@scanner"] }), /Allowed caller "MR1@scanner": "scanner" is not an IP/],
    [node({ name: " " }), /Remote node 1 has no name/],
    [node({ name: "scanner" }), /Remote node "scanner" is listed twice/],
    [node({ aeTitle: "TOO_LONG_FOR_AN_AE" }), /Remote node "pacs": AE title .*18 characters/],
    [node({ host: "bad host!" }), /Remote node "pacs": host "bad host!" is neither/],
    [node({ host: "" }), /Remote node "pacs": host is empty/],
    [node({ port: 70000 }), /Remote node "pacs": port must be an integer from 1 to 65535/],
    [web({ name: "" }), /DICOMweb service 1 has no name/],
    [web({ name: "pacs" }), /DICOMweb service "pacs" is listed twice/],
    [
      web({ url: "pacs:8042" }),
      /DICOMweb service "web": URL: "pacs:8042": a DICOMweb service is reached over http/,
    ],
    [web({ url: "not a url" }), /DICOMweb service "web": URL: "not a url" is not a URL/],
    [web({ url: "ftp://pacs/dicom-web" }), /reached over http:\/\/ or https:\/\//],
    [
      { ...good, webNodes: [{ ...good.webNodes![0]!, authEnv: "PACS-AUTH" }] },
      /DICOMweb service "web": authorization variable "PACS-AUTH" is not an environment variable/,
    ],
    [
      oauth({ tokenUrl: "https://idp.hospital.local/token" }),
      /DICOMweb service "web": OAuth needs the OAuth client id too/,
    ],
    [
      oauth({ tokenUrl: "idp/token", clientId: "ws", secretEnv: "IDP_SECRET" }),
      /DICOMweb service "web": OAuth token URL: "idp\/token" is not a URL/,
    ],
    [
      oauth({ tokenUrl: "https://idp/token", clientId: "ws", secretEnv: "IDP-SECRET" }),
      /OAuth client secret variable "IDP-SECRET" is not an environment variable/,
    ],
    [
      {
        ...good,
        webNodes: [
          {
            ...good.webNodes![0]!,
            authEnv: "PACS_AUTH",
            oauth: { tokenUrl: "https://idp/token", clientId: "ws", secretEnv: "S" },
          },
        ],
      },
      /DICOMweb service "web": an authorization variable and OAuth are two ways to log in/,
    ],
  ])("refuses %j with a message naming the field", (edit, message) => {
    expect(() => applySettingsEdit(edit)).toThrow(message);
  });

  it("stores OAuth client credentials (empty fields: none) and reads them back", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-settings-oauth-"));
    const typed = {
      tokenUrl: " https://idp.hospital.local/realms/site/token ",
      clientId: "livercad-ws",
      secretEnv: "IDP_SECRET",
      scope: " dicomweb.read   dicomweb.write ",
    };
    const s = applySettingsEdit(oauth(typed));
    expect(s.webNodes[0]!.oauth).toEqual({
      tokenUrl: "https://idp.hospital.local/realms/site/token",
      clientId: "livercad-ws",
      secretEnv: "IDP_SECRET",
      scope: "dicomweb.read dicomweb.write",
    });
    writeSettings(dir, s);
    expect(readSettings(dir).webNodes[0]).toEqual(s.webNodes[0]);
    const none = applySettingsEdit(
      oauth({ tokenUrl: "", clientId: " ", secretEnv: "", scope: "" }),
    );
    expect(none.webNodes[0]).toEqual(good.webNodes![0]);
    expect(settingsChanges(none, s).changed).toEqual(["web"]);
    // A hand-edited network.json with both ways to log in is refused by name.
    fs.writeFileSync(
      path.join(dir, "network.json"),
      JSON.stringify({ webNodes: [{ ...s.webNodes[0], authEnv: "PACS_AUTH" }] }),
    );
    expect(() => readSettings(dir!)).toThrow(/webNodes\.0: authEnv and oauth cannot both be set/);
    expect(oauthProblems({ tokenUrl: "https://idp/t" }, "")).toEqual({
      tokenUrl: null,
      clientId: "required",
      secretEnv: "required",
    });
    expect(oauthProblems(typed, "PACS_AUTH").tokenUrl).toMatch(/not both/);
    expect(oauthProblems({ scope: "" }, "PACS_AUTH").tokenUrl).toBeNull();
  });

  it("keeps the file's DICOMweb services when the edit has none, and keeps the names apart", () => {
    const current = { webNodes: [{ name: "web2", url: "https://pacs.example/dicom-web" }] };
    const { webNodes: _, ...withoutWeb } = good;
    expect(applySettingsEdit(withoutWeb, current).webNodes).toEqual(current.webNodes);
    expect(applySettingsEdit({ ...good, webNodes: [] }, current).webNodes).toEqual([]);
    expect(() =>
      applySettingsEdit(withoutWeb, { webNodes: [{ name: "scanner", url: "http://x/dicom-web" }] }),
    ).toThrow(/DICOMweb service "scanner" is listed twice/);
  });

  it("lists what changed for the audit log, and nothing when nothing did", () => {
    const before = applySettingsEdit(good);
    expect(hasChanges(settingsChanges(before, before))).toBe(false);
    const after = applySettingsEdit({
      local: { ...good.local, port: 11113, allowed: ["PACS"] },
      nodes: [
        { ...good.nodes[0]!, retrieve: "move" },
        { name: "ris", aeTitle: "RIS", host: "10.0.0.9", port: 104, retrieve: "move" },
      ],
      webNodes: [
        { name: "web", url: "https://pacs.hospital.local/dicom-web" },
        { name: "web2", url: "http://10.0.0.8:8042/dicom-web" },
      ],
    });
    expect(settingsChanges(before, after)).toEqual({
      local: {
        port: { from: 11112, to: 11113 },
        allowed: { from: ["SCANNER1@10.1.2.20", "PACS"], to: ["PACS"] },
      },
      added: ["ris", "web2"],
      removed: ["scanner"],
      changed: ["pacs", "web"],
    });
  });
});

describe("the editor's as-you-type checks match the main process's rules", () => {
  it("flags the same AE titles, ports and addresses", () => {
    expect(aeTitleProblem("LIVERCAD")).toBeNull();
    expect(aeTitleProblem("SEVENTEEN_CHARS_X")).toMatch(/17 characters/);
    expect(aeTitleProblem("A\\B")).toMatch(/backslash/);
    expect(aeTitleProblem("")).toBe("required");
    expect(portProblem(104)).toBeNull();
    expect(portProblem(0)).not.toBeNull();
    expect(portProblem(65536)).not.toBeNull();
    expect(ipProblem("10.1.2.3")).toBeNull();
    expect(ipProblem("::1")).toBeNull();
    expect(ipProblem("10.1.2.300")).not.toBeNull();
    expect(hostProblem("pacs.hospital.local")).toBeNull();
    expect(hostProblem("bad host!")).not.toBeNull();
    expect(webUrlProblem("http://pacs:8042/dicom-web")).toBeNull();
    expect(webUrlProblem("https://pacs/dicom-web")).toBeNull();
    expect(webUrlProblem("ftp://pacs")).not.toBeNull();
    expect(webUrlProblem("pacs:8042")).not.toBeNull();
    expect(webUrlProblem("")).toBe("required");
  });
});
