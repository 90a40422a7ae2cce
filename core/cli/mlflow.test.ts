/**
 * `quotebench mlflow export` in process: usage errors (exit 2 naming the option, or the unknown run
 * id, before anything is sent or written), the REST export to a local MLflow stand-in on 127.0.0.1
 * (with --uri, and with MLFLOW_TRACKING_URI; MLFLOW_TRACKING_TOKEN sent as a Bearer header and never
 * printed), a server error as one line naming the endpoint (exit 1), and the offline export with --out.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/db';
import { storeBacktest, tinyConfig } from '../report/report.fixture';
import { experimentIdFor, mlflowRunIdFor } from '../tracking/file-store';
import { startFakeMlflow, type FakeMlflow } from '../tracking/mlflow-server.fixture';
import { captureOutput } from './capture.fixture';
import { main } from './main';

let dataDir: string;
let id: string;
let server: FakeMlflow;
const saved = { uri: process.env.MLFLOW_TRACKING_URI, token: process.env.MLFLOW_TRACKING_TOKEN };
const run = (argv: string[]): Promise<{ code: number; out: string; err: string }> =>
  captureOutput(() => main(argv));

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'qb-mlflow-cli-'));
  const store = openStore(dataDir);
  try {
    id = storeBacktest(store, tinyConfig({ paths: 2 }), 1).runId;
  } finally {
    store.close();
  }
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
beforeEach(async () => {
  delete process.env.MLFLOW_TRACKING_URI;
  delete process.env.MLFLOW_TRACKING_TOKEN;
  server = await startFakeMlflow();
});
afterEach(async () => {
  for (const [k, v] of [
    ['MLFLOW_TRACKING_URI', saved.uri],
    ['MLFLOW_TRACKING_TOKEN', saved.token],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await server.close();
});

describe('quotebench mlflow export: usage', () => {
  it('exit 2 naming the problem, nothing sent or written', async () => {
    const out = join(dataDir, 'never');
    const cases: [string[], RegExp][] = [
      [['mlflow', 'export', '--out', out, '--data-dir', dataDir], /RUN_ID/],
      [['mlflow', 'export', id, '--data-dir', dataDir], /--uri URL or --out DIR is required/],
      [['mlflow', 'export', id, '--uri', server.url, '--out', out, '--data-dir', dataDir], /--uri and --out/],
      [['mlflow', 'import', id], /expected export/],
      [['mlflow', 'export', id, 'nope-123', '--out', out, '--data-dir', dataDir], /unknown run id: nope-123/],
      [
        ['mlflow', 'export', id, '--uri', 'file:///tmp/x', '--data-dir', dataDir],
        /--uri file:\/\/\/tmp\/x: .*http/,
      ],
      [['mlflow', 'export', id, '--bogus', '--out', out], /bogus/],
    ];
    for (const [argv, re] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(existsSync(out)).toBe(false);
    expect(server.requests).toEqual([]);
  });
});

describe('quotebench mlflow export: to a server', () => {
  it('--uri with MLFLOW_TRACKING_TOKEN: logged, the token sent as Bearer and never printed', async () => {
    process.env.MLFLOW_TRACKING_TOKEN = 'tok-123456';
    const r = await run([
      'mlflow',
      'export',
      id,
      '--uri',
      server.url,
      '--experiment',
      'cli',
      '--data-dir',
      dataDir,
    ]);
    expect(r.err).not.toContain('tok-123456');
    expect(r.out).not.toContain('tok-123456');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`run ${id} → MLflow run \\w+ in experiment \\d+`));
    expect(server.runs.size).toBe(1);
    expect(server.experiments.has('cli')).toBe(true);
    expect(server.requests.every((q) => q.authorization === 'Bearer tok-123456')).toBe(true);
  });

  it('MLFLOW_TRACKING_URI is used when neither --uri nor --out is given (experiment quotebench)', async () => {
    process.env.MLFLOW_TRACKING_URI = server.url;
    const r = await run(['mlflow', 'export', id, '--data-dir', dataDir]);
    expect(r.code, r.err).toBe(0);
    expect(server.experiments.has('quotebench')).toBe(true);
    expect([...server.runs.values()][0]?.status).toBe('FINISHED');
    expect(server.requests.every((q) => q.authorization === undefined)).toBe(true);
  });

  it('a server error: exit 1, one line naming the run, the endpoint and the message', async () => {
    server.failOnce('runs/create', 403, 'PERMISSION_DENIED', 'no write access');
    const r = await run(['mlflow', 'export', id, '--uri', server.url, '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `quotebench mlflow: run ${id}: runs/create: HTTP 403 PERMISSION_DENIED: no write access\n`,
    );
  });
});

describe('quotebench mlflow export: offline', () => {
  it('--out writes the file-store layout', async () => {
    const out = join(dataDir, 'mlruns');
    const r = await run(['mlflow', 'export', id, '--out', out, '--experiment', 'off', '--data-dir', dataDir]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`mlflow ui --backend-store-uri ${out}`);
    const runDir = join(out, experimentIdFor('off'), mlflowRunIdFor(id));
    expect(readdirSync(runDir).sort()).toEqual(['artifacts', 'meta.yaml', 'metrics', 'params', 'tags']);
    expect(readdirSync(join(runDir, 'artifacts')).sort()).toEqual([
      'config.json',
      'config.yaml',
      'tear-sheet.html',
    ]);
  });
});
