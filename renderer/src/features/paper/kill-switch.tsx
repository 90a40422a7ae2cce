// The kill switch (issue 14 §3, §5): a red button, always visible in the top bar while a paper
// session runs (whatever the tab), and the keyboard shortcut Ctrl+Shift+K (⌘+Shift+K on macOS),
// listened to on the whole window. Both cancel every order at once (and flatten when ticked in the
// Paper view). In Electron the same accelerator is also caught by the main process before the page
// (main/window.ts), so it works even when the renderer is busy.
import { observer } from 'mobx-react-lite';
import { useEffect, type ReactElement } from 'react';
import { useStores } from '../../stores/context';
import { KILL_SHORTCUT, isKillShortcut } from '../../stores/paper-store';

export const KillSwitchButton = observer(function KillSwitchButton({
  compact = false,
}: {
  compact?: boolean;
}): ReactElement | null {
  const { paper } = useStores();
  if (!paper.active && !paper.killing) return null;
  return (
    <button
      type="button"
      className="btn kill-switch"
      data-testid={compact ? 'kill-switch-top' : 'kill-switch'}
      title={`Kill switch: cancel every order now${paper.flatten ? ' and flatten the position' : ''} (${KILL_SHORTCUT})`}
      aria-keyshortcuts="Control+Shift+K"
      onClick={() => void paper.kill()}
      style={{
        background: '#c0202f',
        borderColor: '#ff4d5e',
        color: '#fff',
        fontWeight: 700,
        letterSpacing: '0.03em',
        ...(compact ? { height: 26 } : { height: 34, padding: '0 18px' }),
      }}
    >
      {paper.killing ? 'Killing…' : compact ? 'KILL' : 'KILL SWITCH'}
      <span style={{ fontWeight: 400, opacity: 0.8, fontSize: 11 }}>{KILL_SHORTCUT}</span>
    </button>
  );
});

/** Listens for the kill shortcut on the window (mounted once, by the App shell). */
export function KillShortcut(): null {
  const { paper } = useStores();
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (!isKillShortcut(e)) return;
      e.preventDefault();
      void paper.kill();
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [paper]);
  return null;
}
