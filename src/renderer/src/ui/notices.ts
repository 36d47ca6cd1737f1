/** Short-lived messages about actions (a cancel that failed, a token copied). */
import { createStore } from 'zustand/vanilla';

export interface Notice {
  id: number;
  tone: 'info' | 'error';
  text: string;
}

export const noticeStore = createStore<{ notices: Notice[] }>(() => ({ notices: [] }));
let nextId = 1;

export function notify(text: string, tone: Notice['tone'] = 'info', ttlMs = 5000): void {
  const notice = { id: nextId++, tone, text };
  noticeStore.setState({ notices: [...noticeStore.getState().notices, notice].slice(-4) });
  setTimeout(() => dismissNotice(notice.id), ttlMs);
}

export function dismissNotice(id: number): void {
  noticeStore.setState({ notices: noticeStore.getState().notices.filter((n) => n.id !== id) });
}
