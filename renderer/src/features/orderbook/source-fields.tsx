// What the order-book session plays: Simulated (the chosen config's book-mode scenario) or Dataset (a
// dataset of the catalog, listed by data.list, with the queue model that places our orders in its
// recorded queues; the chosen config supplies the quoting strategy).
import { observer } from 'mobx-react-lite';
import { useId, type ReactElement } from 'react';
import { QUEUE_CHOICES, type QueueChoice } from '../../lib/config-yaml';
import { useStores } from '../../stores/context';

const QUEUE_TEXT: Record<QueueChoice, string> = {
  auto: 'Auto',
  fifo: 'FIFO (L3)',
  'risk-averse': 'Risk-averse',
  'prob-power': 'Prob. power',
  'prob-log': 'Prob. log',
};

const QUEUE_TITLE =
  'Where our orders stand in the recorded queues. FIFO: exact, from the order ids (LOBSTER); risk-averse: ' +
  'we advance only on trades; probabilistic: a cancel ahead of us with a probability that grows with ' +
  'our place. Auto: FIFO on L3 data, risk-averse on L2.';

export const SourceFields = observer(function SourceFields(): ReactElement {
  const { replay, data } = useStores();
  const datasetId = useId();
  const queueId = useId();
  const live = replay.isLive;
  const dataset = replay.source === 'dataset';
  const list = data.list;
  const known = replay.datasetId !== null && data.datasets.has(replay.datasetId);
  return (
    <>
      <div className="field">
        <span className="field-label">Source</span>
        <div className="btn-group" role="group" aria-label="Source" data-testid="replay-source">
          <button
            type="button"
            className={`btn btn-sm ${dataset ? '' : 'btn-primary'}`}
            aria-pressed={!dataset}
            onClick={() => replay.setSource('simulated')}
            disabled={live}
            data-testid="replay-source-simulated"
          >
            Simulated
          </button>
          <button
            type="button"
            className={`btn btn-sm ${dataset ? 'btn-primary' : ''}`}
            aria-pressed={dataset}
            onClick={() => replay.setSource('dataset')}
            disabled={live || list.length === 0}
            title={list.length === 0 ? 'Import a dataset in the Data view first' : 'Play a recorded dataset'}
            data-testid="replay-source-dataset"
          >
            Dataset
          </button>
        </div>
      </div>
      {dataset && (
        <>
          <div className="field wide">
            <label htmlFor={datasetId}>Dataset</label>
            <select
              id={datasetId}
              value={known ? (replay.datasetId ?? '') : ''}
              onChange={(e) => replay.setDataset(e.target.value)}
              disabled={live}
              data-testid="replay-dataset-pick"
            >
              {!known && <option value="">choose a dataset</option>}
              {list.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} ({d.format}
                  {d.levels !== null ? ` L${d.levels}` : ''}, {d.counts.events.toLocaleString('en-US')}{' '}
                  events)
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={queueId} title={QUEUE_TITLE}>
              Queue model
            </label>
            <select
              id={queueId}
              value={replay.queue}
              onChange={(e) => replay.setQueue(e.target.value as QueueChoice)}
              disabled={live}
              title={QUEUE_TITLE}
              data-testid="replay-queue-pick"
            >
              {QUEUE_CHOICES.map((q) => (
                <option key={q} value={q}>
                  {QUEUE_TEXT[q]}
                </option>
              ))}
            </select>
          </div>
        </>
      )}
    </>
  );
});
