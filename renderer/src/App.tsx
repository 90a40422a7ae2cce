// Placeholder page until the app issue brings the workstation views.
import type { ReactElement } from 'react';

const cliCommand = 'npx quotebench backtest --config resources/configs/as2008.yaml';

export function App(): ReactElement {
  // Present in Electron (from the preload); absent when the page is opened in a plain browser.
  const version = window.quotebench?.version;
  return (
    <main className="shell">
      <h1>Quotebench</h1>
      <p className="tagline">Market-making research workstation{version ? ` · v${version}` : ''}</p>
      <p>The workstation UI arrives with the app issue.</p>
      <p>Today the command line is the entry point:</p>
      <pre>
        <code>{cliCommand}</code>
      </pre>
    </main>
  );
}
