/** One line of `tradectl doctor`: a check, how it went, and how to fix it. */
export type CheckStatus = "ok" | "warn" | "fail";

export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warning or a failure. */
  hint?: string;
}

export const ok = (check: string, detail: string): CheckResult => ({ check, status: "ok", detail });
export const warn = (check: string, detail: string, hint?: string): CheckResult => ({ check, status: "warn", detail, ...(hint ? { hint } : {}) });
export const fail = (check: string, detail: string, hint?: string): CheckResult => ({ check, status: "fail", detail, ...(hint ? { hint } : {}) });
