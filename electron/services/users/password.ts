// Password hashing for local accounts (issue 13 §6): scrypt (RFC 7914) from node:crypto with a
// random 16-byte salt per hash, compared in constant time. The parameters travel inside the stored
// string, so raising them later keeps old hashes verifiable.
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

// N = 2^15, r = 8, p = 1: OWASP's Password Storage Cheat Sheet minimum for scrypt (2^17 there for
// new systems; 2^15 keeps a sign-in under ~0.1 s on this 2-core machine under load). maxmem must
// cover 128 * N * r bytes = 32 MiB.
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const MAXMEM = 64 * 1024 * 1024;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEY_BYTES, { N, r: R, p: P, maxmem: MAXMEM });
  return `scrypt$${N}$${R}$${P}$${salt.toString("hex")}$${hash.toString("hex")}`;
}

/** True when password matches; false for any other password or a malformed stored string. */
export function verifyPassword(password: string, stored: string): boolean {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4]!, "hex");
  const expected = Buffer.from(parts[5]!, "hex");
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0) || expected.length === 0) return false;
  const actual = scryptSync(password, salt, expected.length, { N: n, r, p, maxmem: MAXMEM });
  return timingSafeEqual(actual, expected);
}

/**
 * A hash of a random password: verified against when the user name is unknown, so an unknown
 * name costs the same time as a wrong password and the answer cannot tell which it was.
 */
export const DECOY_HASH = hashPassword(randomBytes(16).toString("hex"));
