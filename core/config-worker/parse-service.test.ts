/**
 * Hostile configs through the API dispatcher (AppService): every failure is `bad_config`, and while a
 * large document is being parsed (in the parse worker) other clients keep being answered. The gaps
 * between answers are recorded and printed; only a generous bound is asserted (no timing asserts that
 * a busy machine could fail).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CallResult } from '../api/registry';
import { JobRunner } from '../jobs/job-runner';
import { AppService } from '../services/app-service';
import { billionLaughs, nestedBrackets } from '../config/hostile-yaml.fixture';

const good = `name: t
seed: 1
paths: 2
scenario:
  mode: intensity
  horizon: 1
  dt: 0.01
  s0: 100
  price: { sigma: 2 }
  intensity: { A: 140, k: 1.5 }
strategies:
  - type: avellaneda-stoikov
    gamma: 0.1
`;

describe('hostile configs over the API', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qb-parse-svc-'));
  const svc = new AppService({
    dataDir,
    transport: 'websocket',
    version: '0.0.0-test',
    jobs: new JobRunner({ size: 1 }),
  });
  afterAll(async () => {
    await svc.close();
  });

  /** Send `input` to `method` from one client while another makes cheap calls; the gaps seen. */
  async function whileOthersCall(
    method: 'backtest.start' | 'replay.start' | 'train.start',
    input: Record<string, unknown>,
  ): Promise<{ result: CallResult; maxGapMs: number; answers: number; tookMs: number }> {
    let done = false;
    let answers = 0;
    let maxGapMs = 0;
    const t0 = performance.now();
    const other = (async (): Promise<void> => {
      let last = performance.now();
      while (!done) {
        const r = await svc.dispatch('app.info', {}, { clientId: 'other' });
        expect(r.ok).toBe(true);
        const now = performance.now();
        maxGapMs = Math.max(maxGapMs, now - last);
        last = now;
        answers++;
        // A real client's next message arrives in a later event-loop turn.
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    const result = await svc.dispatch(method, input, { clientId: 'attacker' });
    const tookMs = performance.now() - t0;
    done = true;
    await other;
    return { result, maxGapMs, answers, tookMs };
  }

  it('answers a 600 KB nested document with bad_config while other clients keep being answered', async () => {
    const r = await whileOthersCall('backtest.start', { yaml: nestedBrackets() });
    console.log(
      `600 KB nested: answered in ${r.tookMs.toFixed(0)} ms (first use starts the worker); ` +
        `other client: ${r.answers} answers, max gap ${r.maxGapMs.toFixed(1)} ms`,
    );
    expect(r.result).toMatchObject({ ok: false, error: { code: 'bad_config', path: '' } });
    if (!r.result.ok)
      expect(r.result.error.message).toBe('config.yaml:1:129: (root): nesting deeper than 64 levels');
    expect(r.answers).toBeGreaterThan(0);
    expect(r.maxGapMs).toBeLessThan(2000);
  });

  it('keeps answering while the worker spends seconds on a document the pre-scan lets through', async () => {
    // 105 KB of invalid compact mappings: seconds of parser time (or the worker's 5 s timeout).
    const r = await whileOthersCall('replay.start', { yaml: 'a: '.repeat(35_000) });
    console.log(
      `105 KB 'a: a: …': answered in ${r.tookMs.toFixed(0)} ms; ` +
        `other client: ${r.answers} answers, max gap ${r.maxGapMs.toFixed(1)} ms`,
    );
    expect(r.result).toMatchObject({ ok: false, error: { code: 'bad_config' } });
    if (!r.result.ok)
      expect(r.result.error.message).toMatch(/^yaml(:1:\d+)?: \(root\): (YAML syntax: |parsing took longer)/);
    expect(r.maxGapMs).toBeLessThan(2000);
  });

  it('checks the schema of a large document off the event loop too, reporting at most 20 problems', async () => {
    // ~1 MB of valid YAML with 14,000 bad strategies: parsing + schema check ≈ 1.5 s of work.
    let text = good;
    while (text.length < 990_000) text += '  - { type: avellaneda-stoikov, gamma: [0.1, 0.2], bogus: 1 }\n';
    const r = await whileOthersCall('backtest.start', { yaml: text });
    console.log(
      `990 KB with 14,000 schema errors: answered in ${r.tookMs.toFixed(0)} ms; ` +
        `other client: ${r.answers} answers, max gap ${r.maxGapMs.toFixed(1)} ms`,
    );
    expect(r.result).toMatchObject({ ok: false, error: { code: 'bad_config', path: 'strategies[1].bogus' } });
    if (!r.result.ok) {
      const lines = r.result.error.message.split('\n');
      expect(lines).toHaveLength(21);
      expect(lines[0]).toBe('config.yaml:14:52: strategies[1].bogus: unknown key');
      expect(lines[20]).toMatch(/^config\.yaml: \(root\): and \d+ more problems$/);
    }
    expect(r.maxGapMs).toBeLessThan(2000);
  });

  it('checks a config object (JSON) in the worker too: large or deeply nested objects are bad_config', async () => {
    const strategies = Array.from({ length: 14_000 }, () => ({
      type: 'avellaneda-stoikov',
      gamma: 0.1,
      bogus: 1,
    }));
    const r = await whileOthersCall('backtest.start', { config: { strategies } });
    console.log(
      `config object with 14,000 bad strategies: answered in ${r.tookMs.toFixed(0)} ms; ` +
        `other client: ${r.answers} answers, max gap ${r.maxGapMs.toFixed(1)} ms`,
    );
    expect(r.result).toMatchObject({
      ok: false,
      error: { code: 'bad_config', path: expect.stringMatching(/^config\./) as unknown },
    });
    expect(r.maxGapMs).toBeLessThan(2000);
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const nested = await svc.dispatch('backtest.start', { config: { name: deep } }, { clientId: 'a' });
    expect(nested).toMatchObject({ ok: false, error: { code: 'bad_config' } });
  });

  it('answers billion laughs and other hostile documents with bad_config on every config method', async () => {
    for (const method of ['backtest.start', 'replay.start', 'train.start'] as const) {
      const laughs = await svc.dispatch(method, { yaml: billionLaughs() }, { clientId: 'a' });
      expect(laughs).toMatchObject({ ok: false, error: { code: 'bad_config', path: '' } });
      if (!laughs.ok) expect(laughs.error.message).toMatch(/:2:\d+: \(root\): alias expansion too large/);
      const nested = await svc.dispatch(method, { yaml: nestedBrackets(1000) }, { clientId: 'a' });
      expect(nested).toMatchObject({ ok: false, error: { code: 'bad_config' } });
    }
    const big = await svc.dispatch(
      'backtest.start',
      { yaml: `# ${'é'.repeat(600_000)}\n` },
      { clientId: 'a' },
    );
    expect(big).toMatchObject({ ok: false, error: { code: 'bad_config' } });
    if (!big.ok)
      expect(big.error.message).toBe(
        'config.yaml: (root): the document is 1200003 bytes, more than the limit of 1048576 bytes',
      );
  });

  it('still accepts a valid config, and names a bad key with bad_config and its line', async () => {
    const bad = await svc.dispatch(
      'backtest.start',
      { yaml: good.replace('dt: 0.01', 'dt: -1') },
      { clientId: 'a' },
    );
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_config', path: 'scenario.dt' } });
    if (!bad.ok) expect(bad.error.message).toMatch(/^config\.yaml:7:7: scenario\.dt: /);
    const ok = await svc.dispatch('backtest.start', { yaml: good }, { clientId: 'a' });
    expect(ok.ok).toBe(true);
  });
});
