import { describe, expect, it, vi } from 'vitest';
import { claimSingleInstance } from './single-instance';

vi.mock('electron', () => ({}));

function fakeApp(gotLock: boolean) {
  const listeners = new Map<string, () => void>();
  return {
    requestSingleInstanceLock: vi.fn(() => gotLock),
    quit: vi.fn(),
    on: vi.fn((name: string, listener: () => void) => listeners.set(name, listener)),
    listeners,
  };
}

describe('claimSingleInstance', () => {
  it('keeps the first instance and focuses its window when a second one starts', () => {
    const app = fakeApp(true);
    const focus = vi.fn();
    expect(claimSingleInstance(app as never, focus)).toBe(true);
    expect(app.quit).not.toHaveBeenCalled();
    app.listeners.get('second-instance')!();
    expect(focus).toHaveBeenCalledTimes(1);
  });

  it('quits the second instance', () => {
    const app = fakeApp(false);
    const focus = vi.fn();
    expect(claimSingleInstance(app as never, focus)).toBe(false);
    expect(app.quit).toHaveBeenCalled();
    expect(app.listeners.size).toBe(0);
  });
});
