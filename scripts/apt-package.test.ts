import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { commandOnPath, ensureAptPackage } from './apt-package.mjs';

const bin = mkdtempSync(path.join(os.tmpdir(), 'lmq-apt-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

describe('commandOnPath', () => {
  it('finds executables only, in any PATH folder', () => {
    writeFileSync(path.join(bin, 'redis-server'), '#!/bin/sh\n');
    chmodSync(path.join(bin, 'redis-server'), 0o755);
    writeFileSync(path.join(bin, 'notes.txt'), 'not a program');
    const searchPath = ['/nonexistent', bin].join(path.delimiter);
    expect(commandOnPath('redis-server', searchPath)).toBe(true);
    expect(commandOnPath('notes.txt', searchPath)).toBe(false);
    expect(commandOnPath('redis-server', '/nonexistent')).toBe(false);
    expect(commandOnPath('redis-server', '')).toBe(false);
  });
});

describe('ensureAptPackage', () => {
  const base = { pkg: 'redis-server', label: 'bullmq' };

  it('does nothing when the package is there', () => {
    const install = vi.fn(() => 0);
    expect(ensureAptPackage({ ...base, isPresent: () => true, canInstall: () => true, install, log: vi.fn() })).toBe(true);
    expect(install).not.toHaveBeenCalled();
  });

  it('says the exact command when it cannot install (not root, or no apt-get)', () => {
    const lines: string[] = [];
    const install = vi.fn(() => 0);
    const ok = ensureAptPackage({ ...base, isPresent: () => false, canInstall: () => false, install, log: (line) => lines.push(line) });
    expect(ok).toBe(false);
    expect(install).not.toHaveBeenCalled();
    expect(lines.join('\n')).toBe('bullmq: redis-server is not installed. Install it with:\n  sudo apt-get update && sudo apt-get install -y redis-server');
  });

  it('installs with apt-get when it can, and checks again', () => {
    let installed = false;
    const install = vi.fn(() => {
      installed = true;
      return 0;
    });
    const ok = ensureAptPackage({ ...base, isPresent: () => installed, canInstall: () => true, install, log: vi.fn() });
    expect(ok).toBe(true);
    expect(install).toHaveBeenCalledWith('apt-get update -qq && apt-get install -y -qq redis-server');
  });

  it('reports a failed install with the command to run by hand', () => {
    const lines: string[] = [];
    for (const install of [() => 100, () => 0]) {
      lines.length = 0;
      // The second install "succeeds" but the binary is still missing: that is a failure too.
      const ok = ensureAptPackage({ ...base, isPresent: () => false, canInstall: () => true, install, log: (line) => lines.push(line) });
      expect(ok).toBe(false);
      expect(lines.at(-1)).toBe('bullmq: installing redis-server failed. Run by hand:\n  sudo apt-get update && sudo apt-get install -y redis-server');
    }
  });
});
