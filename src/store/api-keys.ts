/** API keys: `API_` + base64 of 32 random bytes, shown once, stored as SHA-256 only. */
import { createHash, randomBytes } from "node:crypto";
import type { Database } from "./database.js";

export interface ApiKeyInfo {
  id: string;
  name: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

interface KeyRow {
  id: string;
  name: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export type KeyCheck = { ok: true; id: string } | { ok: false; reason: "unknown" | "expired" | "revoked" };

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

export class ApiKeys {
  constructor(private readonly db: Database) {}

  create(opts: { name: string; expiresAt: number | null; now: number }): { info: ApiKeyInfo; key: string } {
    const key = `API_${randomBytes(32).toString("base64")}`;
    const id = `key_${randomBytes(6).toString("hex")}`;
    this.db.run(
      "INSERT INTO api_keys (id, name, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      id,
      opts.name,
      hashApiKey(key),
      opts.now,
      opts.expiresAt,
    );
    return { info: this.info(this.row(id)!), key };
  }

  list(): ApiKeyInfo[] {
    return this.db.all<KeyRow>("SELECT * FROM api_keys ORDER BY created_at").map((r) => this.info(r));
  }

  revoke(id: string, now: number): boolean {
    return this.db.run("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now, id).changes > 0;
  }

  /** Looks a presented key up by its hash (an indexed equality on a hash leaks nothing useful by timing). */
  verify(key: string, now: number): KeyCheck {
    const row = this.db.get<KeyRow>("SELECT * FROM api_keys WHERE hash = ?", hashApiKey(key));
    if (!row) return { ok: false, reason: "unknown" };
    if (row.revoked_at !== null) return { ok: false, reason: "revoked" };
    if (row.expires_at !== null && row.expires_at <= now) return { ok: false, reason: "expired" };
    this.db.run("UPDATE api_keys SET last_used_at = ? WHERE id = ?", now, row.id);
    return { ok: true, id: row.id };
  }

  private row(id: string): KeyRow | undefined {
    return this.db.get<KeyRow>("SELECT * FROM api_keys WHERE id = ?", id);
  }

  private info(r: KeyRow): ApiKeyInfo {
    const iso = (v: number | null) => (v === null ? null : new Date(v).toISOString());
    return {
      id: r.id,
      name: r.name,
      created_at: new Date(r.created_at).toISOString(),
      expires_at: iso(r.expires_at),
      last_used_at: iso(r.last_used_at),
      revoked_at: iso(r.revoked_at),
    };
  }
}
