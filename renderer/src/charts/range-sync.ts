/**
 * Keeps the visible logical range of several charts in step: scroll or zoom one, the others follow.
 * The charts of one run path share the same time points, so logical ranges line up.
 *
 * Only a chart the user is interacting with (pointer, wheel or key within the last second) leads.
 * Range events also fire for programmatic changes (setData, fitContent, resizes), sometimes after the
 * fact with a stale range; letting those propagate would undo the other charts' own fits.
 */
import type { LogicalRange } from 'lightweight-charts';
import type { SimChart } from './chart';

const LEAD_MS = 1000;

interface Entry {
  chart: SimChart;
  onRange: (range: LogicalRange | null) => void;
  onInput: () => void;
  element: HTMLElement;
  lastInput: number;
}

const INPUT_EVENTS = ['pointerdown', 'wheel', 'keydown', 'touchstart'] as const;

export class RangeSync {
  private readonly slots = new Map<string, Entry>();
  private applying = false;

  /** Registers a chart under a slot name, replacing whatever the slot held; null clears the slot. */
  set(slot: string, chart: SimChart | null): void {
    const old = this.slots.get(slot);
    if (old) {
      old.chart.timeScale().unsubscribeVisibleLogicalRangeChange(old.onRange);
      for (const ev of INPUT_EVENTS) old.element.removeEventListener(ev, old.onInput, true);
      this.slots.delete(slot);
    }
    if (!chart) return;
    const element = chart.chartElement();
    const entry: Entry = {
      chart,
      element,
      lastInput: Number.NEGATIVE_INFINITY,
      onInput: () => {
        entry.lastInput = performance.now();
      },
      onRange: (range) => {
        if (!range || this.applying || performance.now() - entry.lastInput > LEAD_MS) return;
        this.applying = true;
        try {
          for (const other of this.slots.values()) {
            if (other !== entry) other.chart.timeScale().setVisibleLogicalRange(range);
          }
        } finally {
          this.applying = false;
        }
      },
    };
    for (const ev of INPUT_EVENTS)
      element.addEventListener(ev, entry.onInput, { capture: true, passive: true });
    chart.timeScale().subscribeVisibleLogicalRangeChange(entry.onRange);
    this.slots.set(slot, entry);
  }
}
