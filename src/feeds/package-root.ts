/** Paths relative to the package root (this file is two levels under it in src/ and in dist/). */
import { fileURLToPath } from "node:url";
import path from "node:path";
import { readFileSync } from "node:fs";

export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** An absolute path as is; a relative one against the package root. */
export function resolveFromPackage(p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(PACKAGE_ROOT, p);
}

let version: string | undefined;

/** This package's version (package.json), read once. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(resolveFromPackage("package.json"), "utf8")) as { version: string }).version;
  return version;
}
