/**
 * `quotebench quotes --model glft|as --method exact|asymptotic --sigma --A --k --gamma --T --Q [--t] [--json]`
 *
 * Prints the optimal distances from the mid, δ_b (bid) and δ_a (ask), for every inventory q in [−Q, Q].
 * - glft asymptotic: the closed-form approximation of Guéant, Lehalle & Fernandez-Tapia (2013);
 * - glft exact: the finite-horizon solution through the matrix exponential (t to T);
 * - as asymptotic: the Avellaneda–Stoikov (2008) closed form (reservation price ± half spread);
 * - as exact: the exact solution of the same control problem (exponential utility, λ = A·e^{−kδ}),
 *   which is the GLFT matrix-exponential solution; with inventory bounded at ±Q.
 * JSON: {"quotes":[{"q","bid","ask"}]}; with inventory bounds (GLFT, and AS exact) the side that must not
 * be quoted (bid at q = Q, ask at q = −Q) is null; the AS closed form has no bound and quotes both.
 */
import { asQuotes } from '../strategy/avellaneda-stoikov';
import { glftQuotes } from '../strategy/glft';
import { UsageError, intOption, numberOption, parse } from './args';
import { QUOTES_OPTIONS } from './commands';
import { formatTable } from '../text/table';

export interface QuoteRow {
  q: number;
  bid: number | null;
  ask: number | null;
}

export async function quotesCommand(args: string[]): Promise<number> {
  let rows: QuoteRow[];
  let json = false;
  try {
    const v = parse(args, QUOTES_OPTIONS);
    json = Boolean(v.json);
    const model = v.model ?? 'glft';
    const method = v.method ?? 'exact';
    if (model !== 'glft' && model !== 'as')
      throw new UsageError(`--model must be glft or as, got "${model}"`);
    if (method !== 'exact' && method !== 'asymptotic') {
      throw new UsageError(`--method must be exact or asymptotic, got "${method}"`);
    }
    const sigma = positive(v, 'sigma');
    const k = positive(v, 'k');
    const gamma = positive(v, 'gamma');
    const T = positive(v, 'T');
    const t = numberOption(v, 't', { def: 0 });
    if (t < 0 || t > T) throw new UsageError(`--t must lie in [0, T], got ${t}`);
    const Q = intOption(v, 'Q', QUOTES_OPTIONS.Q);
    const needsA = model === 'glft' || method === 'exact';
    const A = needsA ? positive(v, 'A') : numberOption(v, 'A', { def: Number.NaN });
    if (model === 'as' && method === 'asymptotic') {
      const qs = Array.from({ length: 2 * Q + 1 }, (_, i) => i - Q);
      rows = asQuotes({ sigma, k, gamma, T, t }, qs).map((r) => ({ q: r.q, bid: r.bid, ask: r.ask }));
    } else {
      rows = glftQuotes({ sigma, A, k, gamma, T, Q, t, method: model === 'as' ? 'exact' : method });
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`quotebench quotes: ${e.message}\n`);
    return 2;
  }
  if (json) {
    process.stdout.write(JSON.stringify({ quotes: rows }) + '\n');
  } else {
    process.stdout.write(
      formatTable(
        ['q', 'bid distance', 'ask distance'],
        rows.map((r) => [r.q, r.bid ?? '—', r.ask ?? '—']),
      ),
    );
  }
  return 0;
}

function positive(v: Record<string, unknown>, name: string): number {
  const x = numberOption(v, name);
  if (!(x > 0)) throw new UsageError(`--${name} must be > 0, got ${x}`);
  return x;
}
