/**
 * Number formatting for tables and tickers. Every number in the UI goes through here so columns line
 * up (tabular figures in CSS) and missing values read the same everywhere (an em dash).
 */

export const DASH = '—';

/** Adaptive precision, like the CLI tables: 1234.5, 12.345, 0.1234, 1.23e-5. */
export function fmtNum(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return DASH;
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  let s: string;
  if (a >= 1e6 || a < 1e-4) s = x.toExponential(2);
  else if (a >= 1000) s = x.toFixed(0);
  else if (a >= 100) s = x.toFixed(1);
  else if (a >= 1) s = x.toFixed(3);
  else s = x.toFixed(4);
  return minus(s);
}

/**
 * `digits` significant digits (trailing zeros kept, so a column reads at one precision): 1235, 12.35,
 * 0.01235; exponent form below 1e-4 and from 1e9; integers beyond `digits` digits are not rounded.
 */
export function fmtSig(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined || Number.isNaN(x)) return DASH;
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-4 || a >= 1e9) return minus(x.toExponential(digits - 1));
  if (a >= 10 ** digits) return minus(x.toFixed(0));
  const s = x.toPrecision(digits);
  // 9999.7 to 4 digits is "1.000e+4": show the integer instead.
  return minus(s.includes('e') ? x.toFixed(0) : s);
}

/** Fixed decimals with a true minus sign. */
export function fmtFixed(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined || Number.isNaN(x)) return DASH;
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  return minus(x.toFixed(digits));
}

/** Signed: +1.23 / −1.23 (for PnL and inventory tickers). */
export function fmtSigned(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined || Number.isNaN(x)) return DASH;
  const s = fmtFixed(x, digits);
  return x > 0 ? `+${s}` : s;
}

export function fmtPct(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || Number.isNaN(x)) return DASH;
  return `${fmtFixed(x * 100, digits)}%`;
}

/** 1,234,567 (hot path in the ladder: no toLocaleString, which is slow). */
export function fmtInt(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return DASH;
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const n = Math.round(x);
  const a = n < 0 ? -n : n;
  let s: string;
  if (a < 1000) s = String(a);
  else {
    const digits = String(a);
    const head = digits.length % 3 || 3;
    s = digits.slice(0, head);
    for (let i = head; i < digits.length; i += 3) s += `,${digits.slice(i, i + 3)}`;
  }
  return n < 0 ? `−${s}` : s;
}

/** 999, 12.3k, 4.56M: large counters that must fit a ticker. */
export function fmtCompact(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return fmtInt(x);
  const a = Math.abs(x);
  if (a < 10_000) return fmtInt(x);
  if (a < 1e6) return `${(x / 1e3).toFixed(a < 1e5 ? 1 : 0)}k`;
  return `${(x / 1e6).toFixed(a < 1e7 ? 2 : 1)}M`;
}

/** Sim seconds as m:ss.s (or h:mm:ss.s for long horizons). */
export function fmtSimTime(t: number | null | undefined, decimals = 1): string {
  if (t === null || t === undefined || !Number.isFinite(t)) return DASH;
  const neg = t < 0;
  const scale = 10 ** decimals;
  // Round first so 59.96 s shows as 1:00.0, not 0:60.0.
  const a = Math.round(Math.abs(t) * scale) / scale;
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const s = a % 60;
  const ss =
    decimals > 0 ? s.toFixed(decimals).padStart(3 + decimals, '0') : String(Math.floor(s)).padStart(2, '0');
  const body = h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
  return neg ? `−${body}` : body;
}

/** ISO timestamp as a compact local date-time: 2025-01-31 14:05:09. */
export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Duration between two ISO timestamps: 12.3 s, 4 m 05 s. */
export function fmtDuration(fromIso: string, toIso: string | null): string {
  if (!toIso) return DASH;
  const ms = new Date(toIso).getTime() - new Date(fromIso).getTime();
  if (!Number.isFinite(ms) || ms < 0) return DASH;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} m ${String(s).padStart(2, '0')} s`;
}

/** A number of seconds as a remaining time: 42 s, 4 m 05 s, 2 h 03 m (— when not finite or negative). */
export function fmtSeconds(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec) || sec < 0) return DASH;
  const s = Math.round(sec);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

function minus(s: string): string {
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}
