// Venue API keys (issue 14 §5): set or delete per venue. The inputs are password fields held in this
// component only, sent once with `secrets.set` and cleared after a save; the panel shows only which
// venues have keys ("keys stored"), never a key. In the web shell the keys live in a file encrypted
// with a passphrase (the first one sets it; after a restart of the server it is asked again).
import { observer } from 'mobx-react-lite';
import { useId, useState, type FormEvent, type ReactElement } from 'react';
import { useStores } from '../../stores/context';
import { KEYED_PAPER_VENUES, VENUE_LABELS } from '../../stores/paper-store';

export const KeysPanel = observer(function KeysPanel(): ReactElement {
  const { paper } = useStores();
  const s = paper.secrets;
  const id = useId();
  const [venue, setVenue] = useState<string>(KEYED_PAPER_VENUES[0]);
  const [apiKey, setApiKey] = useState('');
  const [secret, setSecret] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const needsPassphrase = s?.backend === 'encrypted-file' && s.locked;

  const onSave = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const ok = await paper.saveKeys(venue, apiKey, secret, needsPassphrase ? passphrase : '');
    if (ok) {
      setApiKey('');
      setSecret('');
      setPassphrase('');
    }
  };

  return (
    <section className="panel" aria-label="API keys" data-testid="keys-panel">
      <div className="panel-head">
        <h2>API keys</h2>
        <span className="muted" data-testid="keys-backend">
          {s?.backend === 'safe-storage'
            ? 'OS keychain (safeStorage)'
            : s
              ? `encrypted file${s.locked ? ' · locked' : ' · unlocked'}`
              : ''}
        </span>
      </div>
      <div style={{ padding: 10, display: 'flex', flexDirection: 'column', gap: 8 }}>
        {s && !s.available && (
          <p className="hint" data-testid="keys-unavailable" style={{ color: 'var(--ask, #f2707b)' }}>
            {s.reason}
          </p>
        )}
        {s?.backend === 'encrypted-file' && s.locked && s.initialized && <UnlockForm />}
        <ul style={{ margin: 0, paddingLeft: 0, listStyle: 'none' }} data-testid="keys-list">
          {KEYED_PAPER_VENUES.map((v) => {
            const stored = s?.venues.includes(v) ?? false;
            return (
              <li key={v} className="row" data-testid="keys-row" data-venue={v} data-stored={stored}>
                <span className="grow">{VENUE_LABELS[v]}</span>
                <span className={stored ? '' : 'muted'}>{stored ? 'keys stored' : 'no keys'}</span>
                {stored && (
                  <button
                    type="button"
                    className="btn btn-sm btn-ghost"
                    data-testid="keys-delete"
                    onClick={() => void paper.deleteKeys(v)}
                  >
                    Delete
                  </button>
                )}
              </li>
            );
          })}
        </ul>
        <form onSubmit={(e) => void onSave(e)} autoComplete="off" data-testid="keys-form">
          <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 6 }}>
            <div className="field">
              <label htmlFor={`${id}-venue`}>Venue</label>
              <select id={`${id}-venue`} value={venue} onChange={(e) => setVenue(e.target.value)}>
                {KEYED_PAPER_VENUES.map((v) => (
                  <option key={v} value={v}>
                    {VENUE_LABELS[v]}
                  </option>
                ))}
              </select>
            </div>
            {needsPassphrase && (
              <div className="field">
                <label htmlFor={`${id}-pass`}>
                  {s?.initialized ? 'Passphrase' : 'New passphrase (≥ 8 characters)'}
                </label>
                <input
                  id={`${id}-pass`}
                  type="password"
                  autoComplete="off"
                  data-testid="keys-passphrase"
                  value={passphrase}
                  onChange={(e) => setPassphrase(e.target.value)}
                />
              </div>
            )}
            <div className="field">
              <label htmlFor={`${id}-key`}>API key</label>
              <input
                id={`${id}-key`}
                type="password"
                autoComplete="off"
                spellCheck={false}
                data-testid="keys-api-key"
                value={apiKey}
                onChange={(e) => setApiKey(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-secret`}>Secret</label>
              <input
                id={`${id}-secret`}
                type="password"
                autoComplete="off"
                spellCheck={false}
                data-testid="keys-secret"
                value={secret}
                onChange={(e) => setSecret(e.target.value)}
              />
            </div>
          </div>
          <div className="row" style={{ marginTop: 8 }}>
            <button
              type="submit"
              className="btn btn-primary btn-sm"
              data-testid="keys-save"
              disabled={
                paper.savingKeys || apiKey === '' || secret === '' || (needsPassphrase && passphrase === '')
              }
            >
              {paper.savingKeys ? 'Saving…' : 'Save keys'}
            </button>
            <span className="hint">Stored encrypted; never shown again.</span>
          </div>
          {paper.keysError && (
            <p className="hint" role="alert" data-testid="keys-error" style={{ color: '#f2707b' }}>
              {paper.keysError}
            </p>
          )}
        </form>
      </div>
    </section>
  );
});

/**
 * The web shell's key file is locked after a server restart: a session on a keyed venue needs the
 * passphrase once (the field is cleared after unlocking).
 */
const UnlockForm = observer(function UnlockForm(): ReactElement {
  const { paper } = useStores();
  const id = useId();
  const [passphrase, setPassphrase] = useState('');
  const onUnlock = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (await paper.unlockKeys(passphrase)) setPassphrase('');
  };
  return (
    <form
      className="row"
      onSubmit={(e) => void onUnlock(e)}
      autoComplete="off"
      data-testid="keys-unlock-form"
    >
      <label htmlFor={`${id}-unlock`} className="muted">
        Passphrase
      </label>
      <input
        id={`${id}-unlock`}
        className="grow"
        type="password"
        autoComplete="off"
        data-testid="keys-unlock-passphrase"
        value={passphrase}
        onChange={(e) => setPassphrase(e.target.value)}
      />
      <button type="submit" className="btn btn-sm" data-testid="keys-unlock" disabled={passphrase === ''}>
        Unlock
      </button>
    </form>
  );
});
