// Which links may leave the app for the system browser (issue 12 §4, Electron security checklist
// item 15: do not use shell.openExternal with untrusted content). Only https, on hosts listed
// here exactly, without credentials or an unusual port: the DICOM standard the app's messages
// cite. Everything else is refused (and nothing ever opens inside the app).

export const EXTERNAL_HOSTS: readonly string[] = ["dicom.nema.org", "www.dicomstandard.org"];

export function isAllowedExternal(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    u.protocol === "https:" &&
    u.username === "" &&
    u.password === "" &&
    u.port === "" &&
    EXTERNAL_HOSTS.includes(u.hostname)
  );
}
