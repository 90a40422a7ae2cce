/**
 * Fill markers that stay readable at any replay speed. lightweight-charts stacks markers that share a
 * bar into a column and draws neighbouring bars' markers over each other, so at 1000× (dozens of our
 * fills per bar) the fills became a blob. Fills are counted instead: one marker per side per group of
 * `group` consecutive bars (the caller picks the group so it spans enough pixels at the current zoom),
 * carrying how many fills it stands for. Fill times are bucket times on the chart's grid; a group is
 * placed at its first bar, or at the chart's first bar if the group starts before it.
 */
import type { FillMark } from '../stores/replay-store';

export interface FillGroup {
  /** Chart time of the group's marker (an existing bar). */
  time: number;
  side: 'buy' | 'sell';
  count: number;
}

/**
 * Fills (bucket times on a grid of `width`) counted per side per group of `group` bars (bar index
 * floor(t / width), groups aligned on multiples of `group`), in time order, at most two per group.
 */
export function aggregateFills(
  fills: readonly FillMark[],
  width: number,
  group: number,
  firstT: number,
): FillGroup[] {
  const out = new Map<string, FillGroup>();
  for (const f of fills) {
    const g = Math.floor(Math.floor(f.t / width + 1e-9) / group) * group;
    const time = Math.max(firstT, Math.round(g * width * 1e6) / 1e6);
    const key = `${time}:${f.side}`;
    const m = out.get(key);
    if (m) m.count++;
    else out.set(key, { time, side: f.side, count: 1 });
  }
  return [...out.values()].sort((a, b) => a.time - b.time);
}
