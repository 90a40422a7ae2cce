// A labelled integer input that keeps what the user types while it is not (yet) a valid value and
// commits every valid value; it shows the committed value again on blur.
import { useId, useState, type ReactElement } from 'react';

export interface NumberFieldProps {
  label: string;
  value: number | undefined;
  onCommit: (value: number) => void;
  min?: number;
  max?: number;
  placeholder?: string;
  disabled?: boolean;
  testId: string;
  hint?: string;
}

export function NumberField({
  label,
  value,
  onCommit,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
  placeholder,
  disabled,
  testId,
  hint,
}: NumberFieldProps): ReactElement {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const text = draft ?? (value === undefined ? '' : String(value));
  const n = Number(text);
  const invalid = draft !== null && draft.trim() !== '' && !(Number.isInteger(n) && n >= min && n <= max);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        className={`num-input ${invalid ? 'invalid' : ''}`}
        value={text}
        min={min}
        max={max}
        step={1}
        placeholder={placeholder}
        disabled={disabled}
        aria-invalid={invalid || undefined}
        title={hint}
        data-testid={testId}
        onChange={(e) => {
          const v = e.target.value;
          setDraft(v);
          const x = Number(v);
          if (v.trim() !== '' && Number.isInteger(x) && x >= min && x <= max) onCommit(x);
        }}
        onBlur={() => setDraft(null)}
      />
    </div>
  );
}
