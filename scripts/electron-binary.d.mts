export function electronBinary(): { path: string } | { missing: string };
export function electronVersion(): string;
