// A "Columns" menu of checkboxes for a table whose columns the user picks; the choice is kept in
// localStorage per table (key `quotebench.columns.<tableId>`), so it survives a reload.
import { useCallback, useState, type ReactElement } from 'react';

export interface ChoosableColumn {
  key: string;
  label: string;
  unit: string;
  title: string;
}

const PREFIX = 'quotebench.columns.';

function readChoice(tableId: string, allKeys: readonly string[]): string[] | null {
  try {
    const raw = globalThis.localStorage?.getItem(PREFIX + tableId);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return null;
    const known = new Set(allKeys);
    return parsed.filter((k): k is string => typeof k === 'string' && known.has(k));
  } catch {
    return null;
  }
}

/** The chosen column keys of a table (in the columns' order) and a toggle/reset that persist them. */
export function useColumnChoice(
  tableId: string,
  allKeys: readonly string[],
  defaults: readonly string[],
): { chosen: readonly string[]; toggle: (key: string) => void; reset: () => void } {
  const [chosen, setChosen] = useState<readonly string[]>(
    () => readChoice(tableId, allKeys) ?? [...defaults],
  );
  const save = useCallback(
    (next: readonly string[]) => {
      setChosen(next);
      try {
        globalThis.localStorage?.setItem(PREFIX + tableId, JSON.stringify(next));
      } catch {
        // Storage full or disabled: the choice lasts for this page only.
      }
    },
    [tableId],
  );
  const toggle = useCallback(
    (key: string) => {
      const set = new Set(chosen);
      if (set.has(key)) set.delete(key);
      else set.add(key);
      save(allKeys.filter((k) => set.has(k)));
    },
    [chosen, allKeys, save],
  );
  const reset = useCallback(() => save([...defaults]), [defaults, save]);
  return { chosen, toggle, reset };
}

export interface ColumnChooserProps {
  columns: readonly ChoosableColumn[];
  chosen: readonly string[];
  onToggle: (key: string) => void;
  onReset: () => void;
  testId?: string;
}

export function ColumnChooser({
  columns,
  chosen,
  onToggle,
  onReset,
  testId = 'column-chooser',
}: ColumnChooserProps): ReactElement {
  const on = new Set(chosen);
  return (
    <details className="menu column-chooser" data-testid={testId}>
      <summary className="btn btn-ghost btn-sm">
        Columns <span className="muted num">{`${chosen.length}/${columns.length}`}</span>
      </summary>
      <div className="menu-pop column-chooser-pop">
        {columns.map((c) => (
          <label key={c.key} className="menu-check" title={c.title}>
            <input
              type="checkbox"
              checked={on.has(c.key)}
              onChange={() => onToggle(c.key)}
              data-testid="column-toggle"
              data-key={c.key}
            />
            <span>{c.label}</span>
            {c.unit && <span className="muted">{c.unit}</span>}
          </label>
        ))}
        <button type="button" className="btn btn-ghost btn-sm" onClick={onReset} data-testid="column-reset">
          Default columns
        </button>
      </div>
    </details>
  );
}
