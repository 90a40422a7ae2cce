/**
 * A child process for training-service.test.ts: an AppService on argv[2] with the fake training worker
 * (core/jobs/train-worker.fixture.ts) trains the YAML in argv[3] until the test kills it with SIGKILL.
 * Prints `run <id>` when started and `checkpointed <step>` after every checkpoint.
 */
import fs from 'node:fs';
import { AppService } from './app-service';

const [dataDir, yamlFile] = process.argv.slice(2);
if (dataDir === undefined || yamlFile === undefined)
  throw new Error('usage: training-crash <dataDir> <yaml>');
const say = (line: string): void => void fs.writeSync(1, `${line}\n`);

const svc = new AppService({
  dataDir,
  transport: 'websocket',
  version: '0.0.0-test',
  training: { workerEntry: new URL('../jobs/train-worker.fixture.ts', import.meta.url) },
});
svc.bus.subscribe('train.checkpoint', (c) => say(`checkpointed ${c.checkpoint.step}`));
const r = await svc.dispatch(
  'train.start',
  { yaml: fs.readFileSync(yamlFile, 'utf8') },
  { clientId: 'crash' },
);
if (!r.ok) throw new Error(r.error.message);
say(`run ${(r.output as { id: string }).id}`);
await new Promise(() => undefined);
