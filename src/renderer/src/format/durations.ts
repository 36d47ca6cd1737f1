/** Durations as people say them: "12 s", "3 min", "1 h 20 min", "2 days". */
export function durationInWords(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const restMinutes = minutes % 60;
  if (hours < 48) return restMinutes === 0 ? `${hours} h` : `${hours} h ${restMinutes} min`;
  return `${Math.round(hours / 24)} days`;
}

/** How long ago an ISO time was, e.g. "12 s ago"; "just now" under a second. */
export function ageInWords(iso: string, nowMs: number): string {
  const elapsed = (nowMs - Date.parse(iso)) / 1000;
  if (!Number.isFinite(elapsed)) return '—';
  if (elapsed < 1) return 'just now';
  return `${durationInWords(elapsed)} ago`;
}

/** Wall time between two ISO times, e.g. "8 s"; null when either is missing. */
export function elapsedBetween(fromIso: string | null, toIso: string | null): string | null {
  if (!fromIso || !toIso) return null;
  const seconds = (Date.parse(toIso) - Date.parse(fromIso)) / 1000;
  return Number.isFinite(seconds) ? durationInWords(seconds) : null;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatClockTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Bytes as people read model sizes: "4.1 GB", "84 MB" (decimal units, as LM Studio shows them). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  return `${Math.round(bytes / 1e3)} kB`;
}
