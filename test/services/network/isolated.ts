// What the suites that run a real peer (Orthanc, dcmqrscp) inside a private network namespace
// share: whether they can run here, the peer's archive, and the sections of their script's output.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * Whether `tool` runs and a private network namespace (`unshare -n`, loopback up) can be made:
 * nothing a suite starts then listens outside this machine. Says why the suite is skipped if not.
 */
export function canRunIsolated(tool: string, suite: string): boolean {
  const ok =
    spawnSync(tool, ["--version"]).status === 0 &&
    spawnSync("unshare", ["-n", "ip", "link", "set", "lo", "up"]).status === 0;
  if (!ok) console.log(`SKIPPED ${suite}: ${tool} or \`unshare -n\` unavailable`);
  return ok;
}

/** The text of the `### NAME` section of a script's output ("" when it has none). */
export function section(out: string, name: string): string {
  const start = out.indexOf(`### ${name}\n`);
  if (start < 0) return "";
  const rest = out.slice(start + name.length + 5);
  const end = rest.indexOf("### ");
  return end < 0 ? rest : rest.slice(0, end);
}

/**
 * A dcmqrscp archive under `dir` holding every file under `input`: its config (AE DCMQR on
 * `qrPort`, which knows our AE LIVERCAD at 127.0.0.1:`ourPort` as a move destination, keeping
 * at most `maxStudies` studies) and its index. Returns the config's path.
 */
export function dcmqrscpArchive(
  dir: string,
  input: string,
  ports: { qrPort: number; ourPort: number },
  maxStudies: number,
): string {
  const db = path.join(dir, "qrdb");
  fs.mkdirSync(db);
  const cfg = path.join(dir, "dcmqrscp.cfg");
  fs.writeFileSync(
    cfg,
    [
      `NetworkTCPPort = ${ports.qrPort}`,
      "MaxPDUSize = 16384",
      "MaxAssociations = 16",
      "HostTable BEGIN",
      `livercad = (LIVERCAD, 127.0.0.1, ${ports.ourPort})`,
      "HostTable END",
      // dcmqrscp 3.6.7 crashes on an empty vendor table (and, with -s, after its first association).
      "VendorTable BEGIN",
      '"LiverCAD" = livercad',
      "VendorTable END",
      "AETable BEGIN",
      `DCMQR ${db} RW (${maxStudies}, 1024mb) ANY`,
      "AETable END",
      "",
    ].join("\n"),
  );
  const files = fs
    .readdirSync(input, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
  const idx = spawnSync("dcmqridx", [db, ...files], { encoding: "utf8" });
  if (idx.status !== 0) throw new Error(`dcmqridx: ${idx.stderr}`);
  return cfg;
}
