import { describe, expect, it } from 'vitest';
import { shortcutFor, tabFromHash } from './keyboard-shortcuts';

const key = (k: string, extra: Partial<Parameters<typeof shortcutFor>[0]> = {}) =>
  shortcutFor({ key: k, ctrlKey: false, metaKey: false, altKey: false, inField: false, ...extra });

describe('keyboard shortcuts', () => {
  it('switches tabs with 1-7 and focuses the filter with /', () => {
    expect(key('1')).toEqual({ kind: 'tab', tab: 'queue' });
    expect(key('5')).toEqual({ kind: 'tab', tab: 'history' });
    expect(key('6')).toEqual({ kind: 'tab', tab: 'schedules' });
    expect(key('7')).toEqual({ kind: 'tab', tab: 'indexes' });
    expect(key('8')).toBeNull();
    expect(key('/')).toEqual({ kind: 'focus-filter' });
  });

  it('leaves typing alone, except Escape', () => {
    expect(key('1', { inField: true })).toBeNull();
    expect(key('/', { inField: true })).toBeNull();
    expect(key('Escape', { inField: true })).toEqual({ kind: 'leave-field' });
    expect(key('2', { ctrlKey: true })).toBeNull();
  });

  it('reads the tab from the hash', () => {
    expect(tabFromHash('#team')).toBe('team');
    expect(tabFromHash('#nope')).toBe('queue');
    expect(tabFromHash('')).toBe('queue');
  });
});
