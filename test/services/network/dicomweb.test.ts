// The DICOMweb client (dicomweb.ts) against a small HTTP server in this process on 127.0.0.1 that
// misbehaves on purpose: multipart bodies cut anywhere, a part that is not DICOM, a body that
// stops mid-part, QIDO-RS answers of 204 and of broken JSON, a STOW-RS answer that fails one
// instance. The round trips with a real service are in dicomweb-orthanc.test.ts.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webQuery, webSend, type WebNode } from "../../../electron/services/network/dicomweb";
import { webRetrieve } from "../../../electron/services/network/dicomweb-retrieve";
import { boundaryOf, MultipartReader } from "../../../electron/services/network/multipart";
import type { GetInstance } from "../../../electron/services/network/scu-retrieve";
import { mrFile, uids } from "../import/fixtures";

const spec = { study: 41, series: 1, slices: 3 };
const files = [0, 1, 2].map((k) => Buffer.from(mrFile(spec, k)));
const B = "b0undary";

function multipart(parts: Buffer[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(
      Buffer.from(`--${B}\r\nContent-Type: application/dicom\r\n\r\n`),
      p,
      Buffer.from("\r\n"),
    );
  }
  chunks.push(Buffer.from(`--${B}--\r\n`));
  return Buffer.concat(chunks);
}

describe("multipart/related reading", () => {
  it("finds the boundary, quoted or not", () => {
    expect(boundaryOf(`multipart/related; type="application/dicom"; boundary="${B}"`)).toBe(B);
    expect(boundaryOf(`multipart/related; boundary=${B}; type="application/dicom"`)).toBe(B);
    expect(boundaryOf("application/dicom")).toBeNull();
  });

  it("gives each part whole however the body is cut into chunks", () => {
    const body = multipart(files);
    for (const size of [1, 7, 4096, body.length]) {
      const got: Buffer[] = [];
      const reader = new MultipartReader(B, (headers, part) => {
        expect(headers["content-type"]).toBe("application/dicom");
        got.push(part);
      });
      for (let at = 0; at < body.length; at += size) reader.push(body.subarray(at, at + size));
      expect(got.map((g) => g.equals(files[got.indexOf(g)]!))).toEqual([true, true, true]);
      expect(reader.complete).toBe(true);
    }
  });
});

describe("DICOMweb client against a misbehaving server", () => {
  let server: http.Server;
  let node: WebNode;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-dicomweb-unit-"));
    server = http.createServer((req, res) => {
      const url = req.url ?? "";
      const dicomParts = {
        "Content-Type": `multipart/related; type="application/dicom"; boundary=${B}`,
      };
      if (url.startsWith("/login/")) {
        // A service behind a login: 401 without the right Authorization header.
        if (req.headers.authorization === "Bearer s3cret") res.writeHead(204).end();
        else res.writeHead(401, { "WWW-Authenticate": "Bearer" }).end("login required");
      } else if (url.startsWith("/dw/studies?PatientID=NOBODY")) {
        res.writeHead(204).end();
      } else if (url.startsWith("/dw/studies?PatientID=BROKEN")) {
        res.writeHead(200, { "Content-Type": "application/dicom+json" }).end("[{not json");
      } else if (url === "/dw/studies/1.1") {
        // The second part is not a DICOM file.
        res.writeHead(200, dicomParts).end(multipart([files[0]!, Buffer.from("hello"), files[2]!]));
      } else if (url === "/dw/studies/1.2") {
        // The connection drops in the middle of the second part.
        const body = multipart(files);
        res.writeHead(200, dicomParts);
        res.write(body.subarray(0, files[0]!.length + 200 + files[1]!.length / 2), () =>
          res.destroy(),
        );
      } else if (url === "/dw/studies/1.3") {
        // One whole part, then the service stalls: the client cancels.
        res.writeHead(200, dicomParts);
        res.write(multipart(files).subarray(0, files[0]!.length + 200));
      } else if (url === "/dw/studies" && req.method === "POST") {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const body = Buffer.concat(chunks);
          const boundary = boundaryOf(req.headers["content-type"] ?? "")!;
          const sops: string[] = [];
          const reader = new MultipartReader(boundary, (_h, part) =>
            sops.push(part.includes(Buffer.from(uids(spec).sop(1))) ? "fail" : "ok"),
          );
          reader.push(body);
          const item = (k: number) => ({ "00081155": { vr: "UI", Value: [uids(spec).sop(k)] } });
          res.writeHead(202, { "Content-Type": "application/dicom+json" }).end(
            JSON.stringify({
              "00081199": { vr: "SQ", Value: [item(0)] },
              "00081198": {
                vr: "SQ",
                Value: [{ ...item(1), "00081197": { vr: "US", Value: [0xa700] } }],
              },
            }),
          );
        });
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    node = { name: "fake", url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dw/` };
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reads 204 as no match, and says when the answer is not DICOM JSON", async () => {
    expect(await webQuery(node, "STUDY", { patientId: "NOBODY" })).toEqual([]);
    await expect(webQuery(node, "STUDY", { patientId: "BROKEN" })).rejects.toThrow(
      /fake \(http:.*\): the answer is not DICOM JSON/,
    );
  });

  it("sends the Authorization header from the node's environment variable, never stored", async () => {
    const login = { name: "secure", url: node.url.replace("/dw/", "/login/") };
    await expect(webQuery(login, "STUDY", {})).rejects.toThrow(
      /secure \(http:.*\): HTTP 401 Unauthorized: login required \(the service wants a login/,
    );
    process.env.LIVERCAD_TEST_PACS_AUTH = "Bearer s3cret";
    try {
      expect(await webQuery({ ...login, authEnv: "LIVERCAD_TEST_PACS_AUTH" }, "STUDY", {})).toEqual(
        [],
      );
      process.env.LIVERCAD_TEST_PACS_AUTH = "Bearer wrong";
      await expect(
        webQuery({ ...login, authEnv: "LIVERCAD_TEST_PACS_AUTH" }, "STUDY", {}),
      ).rejects.toThrow(/HTTP 401 .*the credentials in LIVERCAD_TEST_PACS_AUTH were refused/);
    } finally {
      delete process.env.LIVERCAD_TEST_PACS_AUTH;
    }
    await expect(
      webQuery({ ...login, authEnv: "LIVERCAD_TEST_PACS_AUTH" }, "STUDY", {}),
    ).rejects.toThrow(/secure: .*environment variable LIVERCAD_TEST_PACS_AUTH, which is not set/);
  });

  it("files the DICOM parts and counts the one that is not as failed", async () => {
    const filed: GetInstance[] = [];
    const r = await webRetrieve(node, { studyInstanceUid: "1.1" }, async (i) => {
      filed.push(i);
      return { status: 0 };
    });
    expect(filed.map((f) => f.sopInstanceUid)).toEqual([uids(spec).sop(0), uids(spec).sop(2)]);
    expect(r).toMatchObject({ httpStatus: 200, completed: 2, failed: 1, cancelled: false });
    expect(r.firstFailure).toMatch(/not a DICOM file/);
  });

  it("files nothing of a part cut off by a dropped connection", async () => {
    const filed: string[] = [];
    const r = await webRetrieve(node, { studyInstanceUid: "1.2" }, async (i) => {
      filed.push(i.sopInstanceUid);
      return { status: 0 };
    });
    expect(filed).toEqual([uids(spec).sop(0)]);
    expect(r.completed).toBe(1);
    expect(r.failed).toBe(1);
    expect(r.firstFailure).toMatch(/transfer broke off|ended before its closing boundary/);
  });

  it("stops when cancelled, keeping the parts filed before", async () => {
    const cancel = new AbortController();
    const filed: string[] = [];
    const r = await webRetrieve(
      node,
      { studyInstanceUid: "1.3" },
      async (i) => {
        filed.push(i.sopInstanceUid);
        setTimeout(() => cancel.abort(), 20);
        return { status: 0 };
      },
      undefined,
      cancel.signal,
    );
    expect(filed).toEqual([uids(spec).sop(0)]);
    expect(r).toMatchObject({ completed: 1, failed: 0, cancelled: true, firstFailure: null });
  });

  it("reads a refused instance of a STOW-RS answer with its failure reason", async () => {
    const paths = files.map((f, k) => {
      const p = path.join(dir, `${k}.dcm`);
      fs.writeFileSync(p, f);
      return p;
    });
    const notDicom = path.join(dir, "notes.txt");
    fs.writeFileSync(notDicom, "not an image");
    const outcomes = await webSend(node, [...paths, notDicom]);
    expect(outcomes.map((o) => [o.ok, o.status, o.reason])).toEqual([
      [true, 0, null],
      [false, 0xa700, "failure reason 0xA700"],
      [false, null, "HTTP 202: not named in the answer's Referenced SOP Sequence"],
      [false, null, expect.stringMatching(/^not sent: not a DICOM Part 10 file/)],
    ]);
  });
});
