// A Debian package the tests or benchmarks need (Chromium for e2e, redis-server for the BullMQ
// bench), installed the way .ci/run does it: with apt-get when we are root; otherwise we say the
// exact command and the caller decides whether to stop or skip.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** Whether `name` is an executable file in one of the PATH folders. */
export function commandOnPath(name, searchPath = process.env.PATH ?? '') {
  return searchPath
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => {
      try {
        accessSync(path.join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

export function installCommand(pkg) {
  return `apt-get update -qq && apt-get install -y -qq ${pkg}`;
}

function canInstallWithApt() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return isRoot && commandOnPath('apt-get');
}

function runInstall(command) {
  return spawnSync('sh', ['-c', command], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status ?? 1;
}

/**
 * True when the package is there or has just been installed. `isPresent` checks for it (a binary
 * on PATH, a file); `label` prefixes each line (e.g. "bench"). `canInstall` and `install` are the
 * seams tests replace.
 */
export function ensureAptPackage({ pkg, isPresent, label, log = console.log, canInstall = canInstallWithApt, install = runInstall }) {
  if (isPresent()) return true;
  const command = installCommand(pkg);
  if (!canInstall()) {
    log(`${label}: ${pkg} is not installed. Install it with:\n  sudo apt-get update && sudo apt-get install -y ${pkg}`);
    return false;
  }
  log(`${label}: ${pkg} is not installed; installing it: ${command}`);
  if (install(command) === 0 && isPresent()) return true;
  log(`${label}: installing ${pkg} failed. Run by hand:\n  sudo apt-get update && sudo apt-get install -y ${pkg}`);
  return false;
}
