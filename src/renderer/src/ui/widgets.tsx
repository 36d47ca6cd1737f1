/** Small shared pieces: progress bar, banners, empty states, badges, copy button, notices, priority options, segmented control. */
import { useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { JobState } from '../../../shared/job';
import { MIN_PRIORITY, priorityLabel } from '../../../shared/priority';
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

/** `<option>`s for priorities `highest` down to the lowest; those above `enabledUpTo` are shown but disabled. */
export function PriorityOptions({ highest, enabledUpTo = highest }: { highest: number; enabledUpTo?: number }) {
  const options: ReactNode[] = [];
  for (let p = highest; p >= MIN_PRIORITY; p--) {
    options.push(
      <option key={p} value={p} disabled={p > enabledUpTo}>
        {priorityLabel(p)}
      </option>,
    );
  }
  return <>{options}</>;
}

/** A row of toggle buttons, one of them pressed. */
export function Segmented<T extends string>({
  label,
  options,
  value,
  onChange,
}: {
  label: string;
  options: readonly { value: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <div className="segmented" role="group" aria-label={label}>
      {options.map((option) => (
        <button
          key={option.value}
          type="button"
          className={`segmented__item${value === option.value ? ' is-active' : ''}`}
          aria-pressed={value === option.value}
          onClick={() => onChange(option.value)}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}
