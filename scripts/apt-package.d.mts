export function commandOnPath(name: string, searchPath?: string): boolean;
export function installCommand(pkg: string): string;
export function ensureAptPackage(options: {
  pkg: string;
  isPresent: () => boolean;
  label: string;
  log?: (line: string) => void;
  canInstall?: () => boolean;
  install?: (command: string) => number;
}): boolean;
