// Paper: the paper-trading toggle (issue 14 §5). Left: the session form and the API keys; right, once
// a session runs: the session line with Stop and the kill switch, PnL / inventory / fills, the chart,
// the book with our quotes, working orders with queue estimates, fills and the risk-limit bars.
import { observer } from 'mobx-react-lite';
import type { ReactElement } from 'react';
import { KeysPanel } from './keys-panel';
import { PaperChart } from './paper-chart';
import { SessionForm } from './session-form';
import { FillsTable, OrdersTable, PaperBook, RiskBars, SessionBar, Summary } from './session-live';

export const PaperView = observer(function PaperView(): ReactElement {
  return (
    <div
      data-testid="paper-view"
      style={{ display: 'grid', gridTemplateColumns: 'minmax(320px, 400px) 1fr', gap: 10, minHeight: 0 }}
    >
      <div style={{ display: 'grid', gap: 10, alignContent: 'start', minWidth: 0 }}>
        <SessionForm />
        <KeysPanel />
      </div>
      <div style={{ display: 'grid', gap: 10, alignContent: 'start', minWidth: 0 }}>
        <SessionBar />
        <Summary />
        <PaperChart />
        <div style={{ display: 'grid', gridTemplateColumns: 'minmax(260px, 1fr) 2fr', gap: 10 }}>
          <PaperBook />
          <div style={{ display: 'grid', gap: 10, alignContent: 'start', minWidth: 0 }}>
            <OrdersTable />
            <RiskBars />
          </div>
        </div>
        <FillsTable />
      </div>
    </div>
  );
});
