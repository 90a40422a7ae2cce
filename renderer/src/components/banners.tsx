// The banner stack under the top bar: API errors and notices, each dismissible, newest last.
import { observer } from 'mobx-react-lite';
import type { ReactElement } from 'react';
import { useStores } from '../stores/context';

export const Banners = observer(function Banners(): ReactElement | null {
  const { ui } = useStores();
  const conn = ui.connection;
  const list = ui.bannerList;
  const showConn = conn.state === 'reconnecting' || (conn.state === 'closed' && conn.detail !== '');
  if (list.length === 0 && !showConn) return null;
  return (
    <div className="banners" aria-live="polite">
      {showConn && (
        <div
          className="banner banner-warning"
          role="status"
          data-testid="connection-banner"
          data-reason={conn.reason ?? ''}
        >
          <div className="banner-body">
            <strong className="banner-title">
              {conn.state !== 'reconnecting'
                ? 'Not connected'
                : conn.reason === 'token-rejected'
                  ? 'The server is up but refuses this page — its token is stale'
                  : conn.reason === 'unreachable'
                    ? 'Cannot reach the server — retrying'
                    : 'Connection to the server lost — reconnecting'}
            </strong>
            <span className="banner-msg">{conn.detail}</span>
          </div>
        </div>
      )}
      {list.map((b) => (
        <div
          key={b.id}
          className={`banner banner-${b.kind}`}
          role={b.kind === 'error' ? 'alert' : 'status'}
          data-testid={b.kind === 'error' ? 'error-banner' : 'notice-banner'}
          data-code={b.code}
        >
          <div className="banner-body">
            <strong className="banner-title">
              {b.title}
              {b.count > 1 && <span className="banner-count"> ×{b.count}</span>}
            </strong>
            <span className="banner-msg">{b.message}</span>
            {(b.code || b.path) && (
              <span className="banner-meta">
                {b.code && <code>{b.code}</code>}
                {b.path && (
                  <>
                    {' at '}
                    <code>{b.path}</code>
                  </>
                )}
              </span>
            )}
          </div>
          <button
            type="button"
            className="btn-icon"
            aria-label={`Dismiss: ${b.title}`}
            data-testid="banner-dismiss"
            onClick={() => ui.dismiss(b.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
});
