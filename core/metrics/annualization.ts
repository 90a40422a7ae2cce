/**
 * How many sessions make a year: the basis on which session Sharpe, Sortino and Calmar are annualised
 * (docs/metrics.md, "Annualisation"). One path is one session; its length in seconds is the scenario's
 * horizon × timeUnitSeconds.
 *
 * Rule. A trading day has `tradingHoursPerDay` hours and a year `tradingDaysPerYear` days (equities:
 * 252 × 6.5 h, the NYSE regular session; crypto: 365 × 24 h). A session no longer than a trading day
 * is one of tradingSeconds / sessionSeconds back-to-back sessions a day; a longer session takes
 * sessionSeconds / 86 400 days, at least one trading day (so a 1-day AS 2008 horizon with
 * timeUnitSeconds 86 400 is one session per trading day):
 *
 *   sessionsPerYear = tradingDaysPerYear · tradingSecondsPerDay / sessionSeconds   if sessionSeconds ≤ tradingSecondsPerDay
 *                   = tradingDaysPerYear / max(1, sessionSeconds / 86 400)           otherwise
 *
 * An explicit `sessionsPerYear` overrides the rule. This scaling by √sessionsPerYear assumes
 * independent sessions, which is what the simulator draws (every path has its own random streams).
 */

/** The annualisation basis a run states: the factor and, in words, where it comes from. */
export interface Annualization {
  /** Sessions (paths) per year; ratios are scaled by √sessionsPerYear, means by sessionsPerYear. */
  sessionsPerYear: number;
  /** Human-readable basis, e.g. "252 trading days × 6.5 h / 900 s session". */
  basis: string;
}

export type TradingCalendar = 'equities' | 'crypto';

export const CALENDARS: Record<TradingCalendar, { tradingDaysPerYear: number; tradingHoursPerDay: number }> =
  {
    equities: { tradingDaysPerYear: 252, tradingHoursPerDay: 6.5 },
    crypto: { tradingDaysPerYear: 365, tradingHoursPerDay: 24 },
  };

export interface AnnualizationInput {
  /** Length of one session (path) in seconds: horizon × timeUnitSeconds. */
  sessionSeconds: number;
  /** Calendar supplying the defaults below (default 'equities'). */
  calendar?: TradingCalendar | undefined;
  tradingDaysPerYear?: number | undefined;
  tradingHoursPerDay?: number | undefined;
  /** Explicit override of the whole rule. */
  sessionsPerYear?: number | undefined;
}

/** A number for a sentence: up to 6 significant digits, no trailing zeros (6.5, 900, 0.25). */
function num(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** A duration for a sentence: seconds below an hour, else hours. */
function duration(seconds: number): string {
  return seconds < 3600 ? `${num(seconds)} s` : `${num(seconds / 3600)} h`;
}

export function annualization(input: AnnualizationInput): Annualization {
  const positive = (x: number | undefined, name: string): void => {
    if (x !== undefined && !(Number.isFinite(x) && x > 0))
      throw new RangeError(`annualization: ${name} must be a finite number > 0 (got ${x})`);
  };
  positive(input.sessionSeconds, 'sessionSeconds');
  positive(input.sessionsPerYear, 'sessionsPerYear');
  positive(input.tradingDaysPerYear, 'tradingDaysPerYear');
  positive(input.tradingHoursPerDay, 'tradingHoursPerDay');
  if (input.sessionsPerYear !== undefined) {
    return {
      sessionsPerYear: input.sessionsPerYear,
      basis: `${num(input.sessionsPerYear)} sessions per year (set in the config)`,
    };
  }
  const cal = CALENDARS[input.calendar ?? 'equities'];
  const days = input.tradingDaysPerYear ?? cal.tradingDaysPerYear;
  const hours = input.tradingHoursPerDay ?? cal.tradingHoursPerDay;
  if (hours > 24) throw new RangeError(`annualization: tradingHoursPerDay must be ≤ 24 (got ${hours})`);
  const daySeconds = hours * 3600;
  const s = input.sessionSeconds;
  if (s <= daySeconds) {
    return {
      sessionsPerYear: (days * daySeconds) / s,
      basis: `${num(days)} trading days × ${num(hours)} h / ${duration(s)} session`,
    };
  }
  const daysPerSession = Math.max(1, s / 86_400);
  return {
    sessionsPerYear: days / daysPerSession,
    basis:
      `${num(days)} trading days / ${num(daysPerSession)} trading day${daysPerSession === 1 ? '' : 's'} per ` +
      `${duration(s)} session (longer than a ${num(hours)} h trading day)`,
  };
}
