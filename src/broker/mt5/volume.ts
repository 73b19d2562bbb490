/** Tickers ↔ MT5 symbols and shares ↔ MT5 volume, from the `instruments` config. */
import type { InstrumentConfig } from "../../config/types.js";
import { brokerError } from "../../domain/errors.js";

export const DEFAULT_CONTRACT_SIZE = 100;

export interface Instrument {
  ticker: string;
  symbol: string;
  /** Shares in one MT5 volume unit (100 shares = volume 1.0 by default). */
  contractSize: number;
}

export function instrumentFor(instruments: Record<string, InstrumentConfig>, ticker: string): Instrument {
  const entry = instruments[ticker];
  if (!entry?.symbol) {
    throw brokerError(
      "refused",
      "MT5_UNKNOWN_INSTRUMENT",
      `no MT5 symbol for ticker ${ticker}: add it with tradectl config set instruments '{"${ticker}":{"symbol":"…"}}'`,
    );
  }
  return { ticker, symbol: entry.symbol, contractSize: entry.contractSize ?? DEFAULT_CONTRACT_SIZE };
}

/** The configured instrument whose MT5 symbol is `symbol`, or null. */
export function instrumentForSymbol(instruments: Record<string, InstrumentConfig>, symbol: string): Instrument | null {
  for (const [ticker, entry] of Object.entries(instruments)) {
    if (entry.symbol === symbol) return { ticker, symbol, contractSize: entry.contractSize ?? DEFAULT_CONTRACT_SIZE };
  }
  return null;
}

const round8 = (n: number): number => Math.round(n * 1e8) / 1e8;

export function sharesToVolume(shares: number, contractSize: number): number {
  if (!Number.isFinite(shares) || shares <= 0) {
    throw brokerError("refused", "MT5_INVALID_QUANTITY", `quantity must be a positive number of shares, got ${shares}`);
  }
  if (!Number.isFinite(contractSize) || contractSize <= 0) {
    throw brokerError("refused", "MT5_INVALID_QUANTITY", `contractSize must be positive, got ${contractSize}`);
  }
  const volume = round8(shares / contractSize);
  if (Math.abs(volume * contractSize - shares) > 1e-6) {
    throw brokerError(
      "refused",
      "MT5_INVALID_QUANTITY",
      `${shares} shares cannot be expressed as an MT5 volume at ${contractSize} shares per lot`,
    );
  }
  return volume;
}

export function volumeToShares(volume: number, contractSize: number): number {
  return round8(volume * contractSize);
}
