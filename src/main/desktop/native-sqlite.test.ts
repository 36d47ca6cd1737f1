import { describe, expect, it, vi } from 'vitest';
import { chooseSqliteBinding, electronSqliteBindingPath } from './native-sqlite';

vi.mock('electron', () => ({}));

describe('chooseSqliteBinding', () => {
  it('uses the Electron-ABI build when it exists', () => {
    const file = electronSqliteBindingPath('/app', '45.4.1');
    expect(file).toBe('/app/.electron-abi/45.4.1/better_sqlite3.node');
    expect(chooseSqliteBinding('/app', '45.4.1', (f) => f === file)).toEqual({ nativeBinding: file, warning: null });
  });

  it('says what to run when it is missing', () => {
    const choice = chooseSqliteBinding('/app', '45.4.1', () => false);
    expect(choice.nativeBinding).toBeNull();
    expect(choice.warning).toContain('scripts/build-electron-sqlite.mjs');
  });
});
