// Data: the market-data catalog. Import files (uploaded from the browser in the web shell, chosen in
// the native dialog in Electron) with a progress bar and Cancel; the datasets as a table; the selected
// dataset's metadata, what its import verified, and its top of book as price and spread charts.
import { observer } from 'mobx-react-lite';
import { useId, useRef, type ChangeEvent, type ReactElement } from 'react';
import { DATA_IMPORT_FORMATS, type DataImportFormat, type DatasetInfo } from '../../../../core/api/contract';
import { ProgressBar } from '../../components/progress-bar';
import { fmtInt } from '../../lib/format';
import { useStores } from '../../stores/context';
import { FORMAT_LABELS } from '../../stores/data-store';
import { PriceSpreadCharts } from './price-chart';

export const DataView = observer(function DataView(): ReactElement {
  return (
    <div className="data-layout">
      <div className="data-side">
        <ImportPanel />
        <CatalogPanel />
      </div>
      <DatasetPanel />
    </div>
  );
});

const PHASE_TEXT = {
  uploading: 'Uploading',
  running: 'Importing',
  completed: 'Imported',
  failed: 'Failed',
  cancelled: 'Cancelled',
  unknown: 'Ended while disconnected — see the catalog',
} as const;

const ImportPanel = observer(function ImportPanel(): ReactElement {
  const { data } = useStores();
  const formatId = useId();
  const fileRef = useRef<HTMLInputElement>(null);
  const s = data.importState;
  const progress = data.importProgress;
  const lost = data.connectionLost && s?.phase === 'running';

  const onFiles = (e: ChangeEvent<HTMLInputElement>): void => {
    const files = [...(e.target.files ?? [])];
    e.target.value = '';
    void data.importFiles(files);
  };
  const onImport = (): void => {
    if (data.nativeDialog) void data.importFromDialog();
    else fileRef.current?.click();
  };
  const tone =
    s?.phase === 'failed'
      ? 'error'
      : s?.phase === 'cancelled'
        ? 'warning'
        : s?.phase === 'completed'
          ? 'ok'
          : 'accent';

  return (
    <section className="panel data-import" aria-label="Import market data">
      <div className="panel-head">
        <h2>Import</h2>
      </div>
      <div className="section">
        <div className="field">
          <label htmlFor={formatId}>Format</label>
          <div className="row">
            <select
              id={formatId}
              className="grow"
              value={data.format}
              onChange={(e) => data.setFormat(e.target.value as DataImportFormat)}
              disabled={data.importing}
              data-testid="data-format-select"
            >
              {DATA_IMPORT_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {FORMAT_LABELS[f]}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="btn btn-primary"
              onClick={onImport}
              disabled={data.importing}
              data-testid="data-import-button"
            >
              {data.nativeDialog ? 'Choose files…' : 'Upload files…'}
            </button>
            <input
              ref={fileRef}
              type="file"
              multiple
              className="visually-hidden"
              tabIndex={-1}
              aria-hidden="true"
              onChange={onFiles}
              data-testid="data-file-input"
            />
          </div>
          <p className="hint">
            {data.format === 'lobster'
              ? 'Choose both files of a LOBSTER day: the message file and the orderbook file (plain or gzip).'
              : 'Choose the files of one capture, in time order (plain or gzip).'}
          </p>
        </div>
        {s && (
          <div
            className="data-import-status"
            data-testid="data-import-status"
            data-phase={s.phase}
            aria-live="polite"
          >
            <div className="job-line">
              <span
                className={`phase phase-${lost ? 'lost' : s.phase === 'uploading' || s.phase === 'running' ? 'running' : s.phase === 'unknown' ? 'lost' : s.phase}`}
                data-testid="data-import-phase-text"
              >
                {lost ? 'Connection lost — state unknown' : PHASE_TEXT[s.phase]}
              </span>
              <span className="muted ellipsis" title={s.label}>
                {s.label}
              </span>
              <span className="spacer" />
              {s.phase === 'uploading' && (
                <span className="num muted">
                  {fmtInt(Math.round(s.sent / 1024))} / {fmtInt(Math.round(s.bytes / 1024))} KiB
                </span>
              )}
              {s.phase === 'running' && (
                <span className="num muted" data-testid="data-import-phase">
                  {progress.phase}
                  {progress.total > 0 ? ` ${Math.floor((100 * progress.done) / progress.total)}%` : ''}
                </span>
              )}
              {data.importing ? (
                <button
                  type="button"
                  className="btn btn-sm btn-danger"
                  onClick={() => void data.cancelImport()}
                  data-testid="data-import-cancel"
                >
                  Cancel
                </button>
              ) : (
                <button
                  type="button"
                  className="btn-icon"
                  aria-label="Hide import status"
                  onClick={data.dismissImport}
                >
                  ×
                </button>
              )}
            </div>
            <ProgressBar
              value={progress.done}
              max={progress.total}
              label="Import progress"
              testId="data-import-progress"
              tone={tone}
            />
            {s.phase === 'completed' && (
              <p className="hint" data-testid="data-import-result">
                {s.existed ? 'Already in the catalog: ' : 'Added to the catalog: '}
                <code>{s.dataset}</code>
              </p>
            )}
            {s.error && (
              <p className="run-error" role="alert" data-testid="data-import-error">
                {s.error}
              </p>
            )}
          </div>
        )}
      </div>
    </section>
  );
});

const CatalogPanel = observer(function CatalogPanel(): ReactElement {
  const { data } = useStores();
  const list = data.list;
  return (
    <section className="panel data-catalog" aria-label="Datasets">
      <div className="panel-head">
        <h2>Datasets</h2>
        <span className="muted num" data-testid="data-count">
          {list.length} {list.length === 1 ? 'dataset' : 'datasets'}
        </span>
        <span className="spacer" />
        <button
          type="button"
          className="btn btn-sm btn-ghost"
          onClick={() => void data.load()}
          data-testid="data-refresh"
        >
          Refresh
        </button>
      </div>
      {list.length === 0 ? (
        <div className="empty-state" data-testid="data-empty">
          {data.status === 'loading' ? 'Loading…' : 'No datasets yet: import a file above.'}
        </div>
      ) : (
        <div className="table-wrap">
          <table className="grid-table compact" data-testid="data-table">
            <thead>
              <tr>
                <th className="col-text">Name</th>
                <th className="col-text">Venue</th>
                <th className="col-text">Format</th>
                <th className="col-text">From (UTC)</th>
                <th className="col-num">Span</th>
                <th className="col-num">Events</th>
                <th className="col-num">Trades</th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => (
                <tr
                  key={d.id}
                  className={`clickable ${d.id === data.selectedId ? 'selected' : ''}`}
                  aria-selected={d.id === data.selectedId}
                  onClick={() => void data.select(d.id)}
                  data-testid="data-row"
                  data-id={d.id}
                >
                  <td className="col-text">
                    <button type="button" className="link" onClick={() => void data.select(d.id)}>
                      {d.name}
                    </button>
                  </td>
                  <td className="col-text">{d.venue}</td>
                  <td className="col-text">{d.format}</td>
                  <td className="col-text num">{utc(d.firstTsNs)}</td>
                  <td className="col-num">{spanText(d)}</td>
                  <td className="col-num">{fmtInt(d.counts.events)}</td>
                  <td className="col-num">{fmtInt(d.counts.trades)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
});

const DatasetPanel = observer(function DatasetPanel(): ReactElement {
  const { data, calibration, ui } = useStores();
  const d = data.selected;
  if (!d)
    return (
      <section className="panel empty-state big data-detail" data-testid="data-detail-empty">
        <h2>No dataset selected</h2>
        <p>Import a file or pick a dataset on the left to see its top of book.</p>
      </section>
    );
  const detail = data.detail?.info.id === d.id ? data.detail : null;
  const rows: [string, string][] = [
    ['Id', d.id],
    ['Venue / symbol', `${d.venue} / ${d.symbol}`],
    ['Format', `${d.format}${d.levels !== null ? ` (${d.levels} levels)` : ''}`],
    ['From (UTC)', utc(d.firstTsNs)],
    ['To (UTC)', utc(d.lastTsNs)],
    [
      'Events / book events / trades',
      `${fmtInt(d.counts.events)} / ${fmtInt(d.counts.bookEvents)} / ${fmtInt(d.counts.trades)}`,
    ],
    ...d.sources.map((s): [string, string] => [
      `Source (${s.role})`,
      `${s.file.split(/[/\\]/).pop() ?? s.file} (${fmtInt(s.bytes)} bytes)`,
    ]),
  ];
  return (
    <section
      className="panel data-detail"
      aria-label={`Dataset ${d.name}`}
      data-testid="data-detail"
      data-id={d.id}
    >
      <div className="panel-head">
        <h2 data-testid="data-detail-name">{d.name}</h2>
        <span className="spacer" />
        <button
          type="button"
          className="btn btn-sm"
          onClick={() => {
            void calibration.selectDataset(d.id);
            ui.setTab('calibration');
          }}
          data-testid="data-calibrate"
        >
          Calibrate…
        </button>
      </div>
      <div className="data-detail-grid">
        <table className="grid-table compact">
          <tbody>
            {rows.map(([k, v]) => (
              <tr key={k}>
                <th className="col-text">{k}</th>
                <td className="col-text">{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="grid-table compact" data-testid="data-verification">
          <thead>
            <tr>
              <th className="col-text">Import check</th>
              <th className="col-num">Count</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(d.verification).map(([k, v]) => (
              <tr key={k}>
                <td className="col-text">{k}</td>
                <td className="col-num">{fmtInt(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <PriceSpreadCharts series={detail?.series ?? null} loading={data.detailStatus === 'loading'} />
    </section>
  );
});

/** ns since the epoch (decimal string) as "2012-06-21 13:30:00.004". */
export function utc(ns: string): string {
  const ms = Number(BigInt(ns) / 1_000_000n);
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function spanText(d: DatasetInfo): string {
  const s = Number(BigInt(d.lastTsNs) - BigInt(d.firstTsNs)) / 1e9;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
