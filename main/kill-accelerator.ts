// The paper-trading kill switch's accelerator (Ctrl+Shift+K, ⌘+Shift+K on macOS), matched on
// Electron's `before-input-event` for the whole window (main/window.ts), so it works even while the
// renderer is busy. Pure (no Electron import), so it is unit-tested without the binary.

/** The fields of Electron's Input that the match reads. */
export interface KeyInput {
  type: string;
  key: string;
  control: boolean;
  meta: boolean;
  shift: boolean;
  alt: boolean;
}

export function isKillAccelerator(input: KeyInput): boolean {
  return (
    input.type === 'keyDown' &&
    (input.control || input.meta) &&
    input.shift &&
    !input.alt &&
    input.key.toLowerCase() === 'k'
  );
}
