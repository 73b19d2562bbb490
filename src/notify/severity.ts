/** Notification severities, least first: a channel gets what is at least its `minSeverity`. */
import type { Severity } from "../config/types.js";

export const SEVERITIES: readonly Severity[] = ["info", "warning", "error", "critical"];

export function atLeast(s: Severity, min: Severity): boolean {
  return SEVERITIES.indexOf(s) >= SEVERITIES.indexOf(min);
}
