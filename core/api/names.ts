/**
 * The names in the API contract, without their schemas. The preload script allow-lists exactly these
 * (it must stay small and free of validation code); `contract.ts` defines a schema for each name and a
 * surface test proves the two lists are the same.
 */
export const METHOD_NAMES = [
  'app.info',
  'scenarios.presets',
  'scenarios.validate',
  'backtest.start',
  'jobs.list',
  'jobs.cancel',
  'runs.list',
  'runs.get',
  'runs.series',
  'runs.delete',
  'runs.report',
  'runs.reportPdf',
  'runs.search',
  'runs.records',
  'sweeps.list',
  'sweeps.get',
  'sweeps.presets',
  'sweeps.start',
  'sweeps.cancel',
  'sweeps.openCell',
  'replay.start',
  'replay.control',
  'train.presets',
  'train.start',
  'train.control',
  'train.resume',
  'train.list',
  'train.get',
  'train.checkpoints',
  'train.quoteCurves',
  'train.evaluate',
  'data.list',
  'data.get',
  'data.pickFiles',
  'data.import',
  'data.jobs',
  'calibration.fit',
  'calibration.get',
  'calibration.saveScenario',
  'secrets.status',
  'secrets.unlock',
  'secrets.set',
  'secrets.delete',
  'paper.start',
  'paper.stop',
  'paper.kill',
  'paper.status',
] as const;

export const EVENT_TOPICS = [
  'job.progress',
  'job.done',
  'book.snapshot',
  'sim.tick',
  'replay.state',
  'train.metrics',
  'train.status',
  'train.checkpoint',
  'train.log',
  'train.evalProgress',
  'data.progress',
  'data.done',
  'sweep.progress',
  'sweep.done',
  'paper.snapshot',
] as const;

export type MethodName = (typeof METHOD_NAMES)[number];
export type EventTopic = (typeof EVENT_TOPICS)[number];

export function isMethodName(x: unknown): x is MethodName {
  return typeof x === 'string' && (METHOD_NAMES as readonly string[]).includes(x);
}

export function isEventTopic(x: unknown): x is EventTopic {
  return typeof x === 'string' && (EVENT_TOPICS as readonly string[]).includes(x);
}
