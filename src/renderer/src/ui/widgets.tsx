/** Small shared pieces: progress bar, banners, empty states, badges, copy button, notices. */
import { useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { JobState } from '../../../shared/job';
import { dismissNotice, noticeStore, notify } from './notices';

export function ProgressBar({ percent, label, indeterminate = false }: { percent: number; label: string; indeterminate?: boolean }) {
  return (
    <div
      className={`progress${indeterminate ? ' progress--indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
    >
      <div className="progress__fill" style={{ width: `${indeterminate ? 100 : percent}%` }} />
    </div>
  );
}

export function Banner({ tone, title, children, action }: { tone: 'warning' | 'error' | 'info'; title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className={`banner banner--${tone}`} role={tone === 'info' ? 'status' : 'alert'}>
      <div className="banner__text">
        <strong>{title}</strong>
        {children ? <span> {children}</span> : null}
      </div>
      {action ? <div className="banner__action">{action}</div> : null}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty__title">{title}</div>
      {children ? <div className="empty__body">{children}</div> : null}
    </div>
  );
}

export function StateBadge({ state }: { state: JobState }) {
  return <span className={`badge badge--${state}`}>{state}</span>;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      notify('Copying was refused by the browser: select the text and copy it by hand.', 'error');
    }
  };
  return (
    <button type="button" className="button button--small" onClick={() => void copy()}>
      {copied ? 'Copied' : label}
    </button>
  );
}

export function Notices() {
  const notices = useStore(noticeStore, (s) => s.notices);
  return (
    <div className="notices" aria-live="polite">
      {notices.map((notice) => (
        <div key={notice.id} className={`notice notice--${notice.tone}`}>
          <span>{notice.text}</span>
          <button type="button" className="notice__close" aria-label="Dismiss" onClick={() => dismissNotice(notice.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
