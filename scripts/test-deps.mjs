// Runs first in `npm test` (issue 13 §7): the suite drives real peers and tools from Debian
// (dcmtk's storescu/dcmdump, dicom3tools' dciodvfy, pydicom as an independent reader, torch and
// onnx for the training smoke test, Chromium for the end-to-end tests, Orthanc, poppler's
// pdftoppm/pdftotext, the DejaVu fonts the PDF reports embed). On a fresh Debian machine they are
// missing, and 13 tests failed for that reason alone. Here each package is checked with dpkg;
// when some are missing and we run as root with apt-get, they are installed; otherwise the run
// stops at once with the one command that installs them, instead of failing tests one by one.
//
//   node scripts/test-deps.mjs                     check, install as root, else explain (exit 1)
//   node scripts/test-deps.mjs --no-install        check only
//   node scripts/test-deps.mjs --packages a,b      check these packages instead of the list
//
// LIVERCAD_SKIP_TEST_DEPS=1 skips the check (for machines that provide the tools another way).
import { spawnSync } from "node:child_process";

/** Debian packages the test suite needs (.ci/run relies on this list through `npm test`). */
export const TEST_PACKAGES = [
  "dcmtk",
  "dicom3tools",
  "python3-pydicom",
  "python3-torch",
  "python3-onnx",
  "chromium",
  "orthanc",
  "orthanc-dicomweb",
  "poppler-utils",
  "fonts-dejavu-core",
  "fonts-droid-fallback",
  "iproute2",
];

function has(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

function installed(pkg) {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

function main(argv) {
  if (process.env.LIVERCAD_SKIP_TEST_DEPS === "1") {
    console.log("test-deps: LIVERCAD_SKIP_TEST_DEPS=1, Debian packages not checked.");
    return 0;
  }
  const at = argv.indexOf("--packages");
  const packages = at >= 0 ? (argv[at + 1] ?? "").split(",").filter(Boolean) : TEST_PACKAGES;
  const mayInstall = !argv.includes("--no-install");
  if (!has("dpkg-query")) {
    console.error(
      "test-deps: this is not a Debian-based system (no dpkg-query). The tests need the tools of\n" +
        `these Debian packages: ${packages.join(" ")}.\n` +
        "Install their equivalents, then run again with LIVERCAD_SKIP_TEST_DEPS=1.",
    );
    return 1;
  }
  let missing = packages.filter((p) => !installed(p));
  if (missing.length === 0) {
    console.log(`test-deps: ${packages.length} Debian packages present.`);
    return 0;
  }
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (mayInstall && isRoot && has("apt-get")) {
    console.log(`test-deps: installing ${missing.join(" ")} with apt-get ...`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    const install =
      update.status === 0
        ? spawnSync("apt-get", ["install", "-y", "-qq", ...missing], { stdio: "inherit", env })
        : update;
    missing = packages.filter((p) => !installed(p));
    if (install.status === 0 && missing.length === 0) {
      console.log("test-deps: installed.");
      return 0;
    }
    console.error(`test-deps: apt-get could not install: ${missing.join(" ")}.`);
    return 1;
  }
  const why = !mayInstall
    ? "installation not requested (--no-install)"
    : !isRoot
      ? "not running as root"
      : "apt-get not found";
  console.error(
    `test-deps: missing Debian packages the tests need: ${missing.join(" ")} (${why}).\n` +
      `Install them with:\n  sudo apt-get install -y ${missing.join(" ")}\n` +
      "then run `npm test` again.",
  );
  return 1;
}

process.exitCode = main(process.argv.slice(2));
