/** A job id as people can use it: its distinguishing tail, the full id on hover, one click to copy it. */
import { useState } from 'react';
import { jobIdTail } from '../format/job-id';
import { notify } from './notices';

const COPIED_FOR_MS = 1500;

/**
 * The async clipboard exists only in secure contexts, and teammates open the UI over plain
 * http on the LAN: there, copy through a selected text field.
 */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const field = document.createElement('textarea');
  field.value = text;
  field.setAttribute('readonly', '');
  field.style.position = 'fixed';
  field.style.opacity = '0';
  document.body.append(field);
  field.select();
  const copied = document.execCommand('copy');
  field.remove();
  if (!copied) throw new Error('copy refused');
}

/** Two overlapping sheets: drawn, since not every system font has a copy glyph. */
function CopyIcon() {
  return (
    <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.5">
      <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
      <path d="M10.5 3.5v-.5a1.5 1.5 0 0 0-1.5-1.5H4A1.5 1.5 0 0 0 2.5 3v5A1.5 1.5 0 0 0 4 9.5h.5" />
    </svg>
  );
}

export function JobId({ id }: { id: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async (): Promise<void> => {
    try {
      await copyText(id);
      setCopied(true);
      setTimeout(() => setCopied(false), COPIED_FOR_MS);
    } catch {
      notify(`Copying was refused by the browser; the id is ${id}`, 'error');
    }
  };
  return (
    <span className="job-id">
      <span className="job-id__tail mono" title={id} data-field="job-id">
        {jobIdTail(id)}
      </span>
      <button
        type="button"
        className={`job-id__copy${copied ? ' is-copied' : ''}`}
        aria-label={`Copy job id ${id}`}
        title={copied ? 'Copied' : `Copy ${id}`}
        // Inside clickable rows (History): copying must not also select the row.
        onClick={(event) => {
          event.stopPropagation();
          void copy();
        }}
        onKeyDown={(event) => event.stopPropagation()}
      >
        {copied ? '✓' : <CopyIcon />}
      </button>
    </span>
  );
}
