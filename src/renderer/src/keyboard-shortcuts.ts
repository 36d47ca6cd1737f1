/** Keyboard shortcuts: 1-7 switch tabs, `/` focuses the current tab's filter, Escape leaves a field. */
export const TAB_IDS = ['queue', 'submit', 'lmstudio', 'team', 'history', 'schedules', 'indexes'] as const;
export type TabId = (typeof TAB_IDS)[number];

export type ShortcutAction = { kind: 'tab'; tab: TabId } | { kind: 'focus-filter' } | { kind: 'leave-field' } | null;

interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** The event happened while typing in a field. */
  inField: boolean;
}

export function shortcutFor(event: KeyLike): ShortcutAction {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (event.inField) return event.key === 'Escape' ? { kind: 'leave-field' } : null;
  if (event.key === '/') return { kind: 'focus-filter' };
  const digit = Number.parseInt(event.key, 10);
  if (digit >= 1 && digit <= TAB_IDS.length) return { kind: 'tab', tab: TAB_IDS[digit - 1]! };
  return null;
}

export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function tabFromHash(hash: string): TabId {
  const id = hash.replace(/^#/, '');
  return (TAB_IDS as readonly string[]).includes(id) ? (id as TabId) : 'queue';
}
