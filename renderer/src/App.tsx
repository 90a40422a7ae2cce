// The workstation shell: top bar with the views as keyboard-navigable tabs, the connection
// indicator, the banner stack, and the active view.
import { observer } from 'mobx-react-lite';
import { useRef, type KeyboardEvent, type ReactElement } from 'react';
import { Banners } from './components/banners';
import { ErrorBoundary } from './components/error-boundary';
import { BacktestView } from './features/backtest/backtest-view';
import { CalibrationView } from './features/calibration/calibration-view';
import { DataView } from './features/data/data-view';
import { OrderBookView } from './features/orderbook/orderbook-view';
import { KillShortcut, KillSwitchButton } from './features/paper/kill-switch';
import { PaperView } from './features/paper/paper-view';
import { RunsView } from './features/runs/runs-view';
import { StressView } from './features/stress/stress-view';
import { TrainingView } from './features/training/training-view';
import { useStores } from './stores/context';
import { TABS, type Tab } from './stores/ui-store';

const TAB_LABELS: Record<Tab, string> = {
  data: 'Data',
  calibration: 'Calibration',
  backtest: 'Backtest',
  orderbook: 'Order book',
  runs: 'Runs',
  stress: 'Stress',
  training: 'Training',
  paper: 'Paper',
};

export const App = observer(function App(): ReactElement {
  const { ui } = useStores();
  const tabRefs = useRef(new Map<Tab, HTMLButtonElement>());

  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>, tab: Tab): void => {
    const i = TABS.indexOf(tab);
    let next: Tab | undefined;
    if (e.key === 'ArrowRight') next = TABS[(i + 1) % TABS.length];
    else if (e.key === 'ArrowLeft') next = TABS[(i - 1 + TABS.length) % TABS.length];
    else if (e.key === 'Home') next = TABS[0];
    else if (e.key === 'End') next = TABS[TABS.length - 1];
    if (!next) return;
    e.preventDefault();
    ui.setTab(next);
    tabRefs.current.get(next)?.focus();
  };

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Quotebench
        </div>
        <nav className="tabs" role="tablist" aria-label="Views">
          {TABS.map((tab) => (
            <button
              key={tab}
              ref={(el) => {
                if (el) tabRefs.current.set(tab, el);
                else tabRefs.current.delete(tab);
              }}
              type="button"
              role="tab"
              id={`tab-${tab}`}
              aria-selected={ui.activeTab === tab}
              aria-controls={`panel-${tab}`}
              tabIndex={ui.activeTab === tab ? 0 : -1}
              className="tab"
              data-testid={`tab-${tab}`}
              onClick={() => ui.setTab(tab)}
              onKeyDown={(e) => onTabKey(e, tab)}
            >
              {TAB_LABELS[tab]}
            </button>
          ))}
        </nav>
        <KillSwitchButton compact />
        <ConnectionBadge />
        <KillShortcut />
      </header>
      <Banners />
      <main
        className="content"
        role="tabpanel"
        id={`panel-${ui.activeTab}`}
        aria-labelledby={`tab-${ui.activeTab}`}
      >
        <ErrorBoundary resetKey={ui.activeTab}>
          {ui.activeTab === 'data' && <DataView />}
          {ui.activeTab === 'calibration' && <CalibrationView />}
          {ui.activeTab === 'backtest' && <BacktestView />}
          {ui.activeTab === 'orderbook' && <OrderBookView />}
          {ui.activeTab === 'runs' && <RunsView />}
          {ui.activeTab === 'stress' && <StressView />}
          {ui.activeTab === 'training' && <TrainingView />}
          {ui.activeTab === 'paper' && <PaperView />}
        </ErrorBoundary>
      </main>
    </div>
  );
});

const ConnectionBadge = observer(function ConnectionBadge(): ReactElement {
  const { ui, api } = useStores();
  const { state, detail } = ui.connection;
  const label =
    state === 'open'
      ? api.kind === 'electron'
        ? 'Local'
        : 'Connected'
      : state === 'connecting'
        ? 'Connecting…'
        : state === 'reconnecting'
          ? 'Reconnecting…'
          : 'Offline';
  return (
    <div
      className={`conn conn-${state}`}
      data-testid="connection-status"
      data-state={state}
      title={detail || label}
    >
      <span className="conn-dot" aria-hidden="true" />
      <span>{label}</span>
      <span className="conn-kind">{api.kind === 'electron' ? 'IPC' : 'WS'}</span>
    </div>
  );
});
