import { z } from 'zod';

/** Higher runs sooner. Names are accepted anywhere a number is. */
export const PRIORITY_NAMES = { background: 1, low: 3, normal: 5, high: 7, urgent: 9 } as const;
export type PriorityName = keyof typeof PRIORITY_NAMES;
export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 9;
export const DEFAULT_PRIORITY = PRIORITY_NAMES.normal;

/** Parses 0-9, "0"-"9" or a priority name; returns null for anything else. */
export function parsePriority(value: unknown): number | null {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= MIN_PRIORITY && value <= MAX_PRIORITY ? value : null;
  }
  if (typeof value !== 'string') return null;
  const text = value.trim().toLowerCase();
  if (/^[0-9]$/.test(text)) return Number(text);
  return Object.hasOwn(PRIORITY_NAMES, text) ? PRIORITY_NAMES[text as PriorityName] : null;
}

export function priorityLabel(priority: number): string {
  const name = (Object.keys(PRIORITY_NAMES) as PriorityName[]).find((n) => PRIORITY_NAMES[n] === priority);
  return name ? `${priority} (${name})` : String(priority);
}

const PRIORITY_EXPECTED = `an integer 0-9 or one of ${Object.keys(PRIORITY_NAMES).join(', ')}`;

export const PrioritySchema = z
  .union([z.number(), z.string()], {
    // Not "Invalid input": name what is expected, and what came (null, an object).
    error: (issue) => `priority must be ${PRIORITY_EXPECTED}, not ${issue.input === null ? 'null' : typeof issue.input}`,
  })
  .transform((value, ctx) => {
    const parsed = parsePriority(value);
    if (parsed === null) {
      ctx.addIssue({ code: 'custom', message: `priority must be ${PRIORITY_EXPECTED}` });
      return z.NEVER;
    }
    return parsed;
  });
