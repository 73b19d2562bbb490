/** Paths relative to the package root (this file is two levels under it in src/ and in dist/). */
import { fileURLToPath } from "node:url";
import path from "node:path";

export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** An absolute path as is; a relative one against the package root. */
export function resolveFromPackage(p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(PACKAGE_ROOT, p);
}
