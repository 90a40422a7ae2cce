import { describe, expect, it } from 'vitest';
import { isKillAccelerator, type KeyInput } from './kill-accelerator';

const key = (o: Partial<KeyInput>): KeyInput => ({
  type: 'keyDown',
  key: 'K',
  control: false,
  meta: false,
  shift: false,
  alt: false,
  ...o,
});

describe('kill switch accelerator', () => {
  it('is Ctrl+Shift+K or ⌘+Shift+K on key down, nothing else', () => {
    expect(isKillAccelerator(key({ control: true, shift: true }))).toBe(true);
    expect(isKillAccelerator(key({ meta: true, shift: true, key: 'k' }))).toBe(true);
    expect(isKillAccelerator(key({ control: true, shift: true, type: 'keyUp' }))).toBe(false);
    expect(isKillAccelerator(key({ control: true }))).toBe(false);
    expect(isKillAccelerator(key({ shift: true }))).toBe(false);
    expect(isKillAccelerator(key({ control: true, shift: true, alt: true }))).toBe(false);
    expect(isKillAccelerator(key({ control: true, shift: true, key: 'L' }))).toBe(false);
  });
});
