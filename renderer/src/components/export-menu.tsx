// An "Export" menu: one button per format; each item builds its file on click (nothing is prepared
// ahead), so a table's export always holds what it holds now.
import type { ReactElement } from 'react';

export interface ExportItem {
  /** Format id, e.g. 'csv' (the button's data-format). */
  format: string;
  label: string;
  run: () => void;
}

export function ExportMenu({
  items,
  testId = 'export-menu',
}: {
  items: readonly ExportItem[];
  testId?: string;
}): ReactElement {
  return (
    <details className="menu export-menu" data-testid={testId}>
      <summary className="btn btn-ghost btn-sm">Export</summary>
      <div className="menu-pop">
        {items.map((it) => (
          <button
            key={it.format}
            type="button"
            className="btn btn-ghost btn-sm menu-item"
            data-testid="export-item"
            data-format={it.format}
            onClick={(e) => {
              it.run();
              e.currentTarget.closest('details')?.removeAttribute('open');
            }}
          >
            {it.label}
          </button>
        ))}
      </div>
    </details>
  );
}
