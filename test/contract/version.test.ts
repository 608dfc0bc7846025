// One APP_VERSION (issue 12 §5): the constant stored with analyses and exported in SR/GSPS is the
// package's version, and no other file defines its own.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { APP_VERSION } from "../../electron/contract/version";

const REPO = path.resolve(__dirname, "../..");

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(rel);
    return /\.(ts|tsx)$/.test(e.name) ? [rel] : [];
  });
}

describe("APP_VERSION", () => {
  it("is package.json's version", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
      version: string;
    };
    expect(APP_VERSION).toBe(pkg.version);
  });

  it("is defined once", () => {
    const defining = [...sources("electron"), ...sources("renderer"), ...sources("bench")].filter(
      (f) => /\bconst APP_VERSION\b/.test(fs.readFileSync(path.join(REPO, f), "utf8")),
    );
    expect(defining).toEqual(["electron/contract/version.ts"]);
  });
});
