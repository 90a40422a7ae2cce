// Renderer entry: picks the transport (Electron bridge or WebSocket), builds the RootStore, exposes
// the perf probe for end-to-end tests and mounts the React tree. Browser-only code: no Node, no Electron.
import { configure } from 'mobx';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/transport';
import { App } from './App';
import { StoresProvider } from './stores/context';
import { RootStore } from './stores/root-store';
import './styles.css';

configure({ enforceActions: 'observed' });

const container = document.getElementById('root');
if (!container) throw new Error('renderer/index.html has no #root element');

const root = new RootStore(createApiClient());
window.__quotebenchPerf = root.replay.perf;
root.start();
window.addEventListener('pagehide', () => root.dispose());

createRoot(container).render(
  <StrictMode>
    <StoresProvider store={root}>
      <App />
    </StoresProvider>
  </StrictMode>,
);
