/**
 * Time-of-day labels for a chart's time axis at the spacing the chart chose: seconds only when
 * ticks are under a minute apart, so neighbouring labels never read the same.
 */
export function timeTickLabels(ticksInSeconds: readonly number[], spacingSeconds: number): string[] {
  const format: Intl.DateTimeFormatOptions =
    spacingSeconds < 60 ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' };
  return ticksInSeconds.map((seconds) => new Date(seconds * 1000).toLocaleTimeString([], format));
}
