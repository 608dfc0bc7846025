// The Electron shell's checklist items that can be checked without Electron (issue 12 §4): the
// openExternal allowlist, DevTools absent from the production menu, and the fuses in the
// packaging config.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isAllowedExternal } from "../../electron/main/external-links";
import { menuTemplate } from "../../electron/main/menu-template";

describe("shell.openExternal allowlist", () => {
  it("opens only https links to the listed hosts", () => {
    expect(
      isAllowedExternal("https://dicom.nema.org/medical/dicom/current/output/html/part05.html"),
    ).toBe(true);
    for (const bad of [
      "https://evil.example/phish",
      "http://dicom.nema.org/",
      "https://dicom.nema.org.evil.example/",
      "https://user:pw@dicom.nema.org/",
      "https://dicom.nema.org:8443/",
      "file:///etc/passwd",
      "javascript:alert(1)",
      "not a url",
    ]) {
      expect(isAllowedExternal(bad), bad).toBe(false);
    }
  });
});

describe("application menu", () => {
  const roles = (devTools: boolean): string[] =>
    menuTemplate(false, devTools).flatMap((m) =>
      Array.isArray(m.submenu) ? m.submenu.map((i) => String(i.role ?? "")) : [],
    );
  it("has DevTools only in development builds", () => {
    expect(roles(false)).not.toContain("toggleDevTools");
    expect(roles(true)).toContain("toggleDevTools");
  });
});

describe("packaging", () => {
  it("sets the Electron fuses and ships the import worker unpacked", () => {
    const yml = fs.readFileSync(
      path.resolve(__dirname, "../../build/electron-builder.yml"),
      "utf8",
    );
    for (const line of [
      "runAsNode: true",
      "enableNodeOptionsEnvironmentVariable: false",
      "enableNodeCliInspectArguments: false",
      "enableEmbeddedAsarIntegrityValidation: true",
      "onlyLoadAppFromAsar: true",
      "grantFileProtocolExtraPrivileges: false",
    ]) {
      expect(yml).toContain(`  ${line}`);
    }
    expect(yml.match(/dist\/import-worker\.cjs/g)).toHaveLength(2);
  });
});
