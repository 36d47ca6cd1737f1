/** Create a teammate's token: name (the job owner), role, highest priority, limits. */
import { useState, type FormEvent } from 'react';
import { MAX_PRIORITY } from '../../../../shared/priority';
import type { Role } from '../../../../shared/tokens';
import { useSlice, useStores } from '../../ui/stores-context';
import { PriorityOptions } from '../../ui/widgets';

const optionalInt = (text: string): number | null => {
  const value = Number.parseInt(text, 10);
  return Number.isFinite(value) && value > 0 ? value : null;
};

export function CreateTokenForm() {
  const { tokens } = useStores();
  const busy = useSlice(tokens.store, (s) => s.busy);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [maxPriority, setMaxPriority] = useState(7);
  const [requestsPerMinute, setRequestsPerMinute] = useState('');
  const [maxQueued, setMaxQueued] = useState('');

  const create = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const ok = await tokens.create({
      name: name.trim(),
      role,
      maxPriority,
      requestsPerMinute: optionalInt(requestsPerMinute),
      maxQueued: optionalInt(maxQueued),
    });
    if (ok) {
      setName('');
      setRequestsPerMinute('');
      setMaxQueued('');
    }
  };

  return (
    <form className="form" onSubmit={(event) => void create(event)} aria-label="Create a token">
      <div className="form__row">
        <label className="field">
          <span className="field__label">Name (owner of their jobs)</span>
          <input className="input" name="token-name" required pattern="[A-Za-z0-9._@\-]+" placeholder="alice" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span className="field__label">Role</span>
          <select className="select" name="token-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label className="field">
          <span className="field__label">Highest priority</span>
          <select className="select" name="token-max-priority" value={maxPriority} onChange={(e) => setMaxPriority(Number(e.target.value))}>
            <PriorityOptions highest={MAX_PRIORITY} />
          </select>
        </label>
        <label className="field">
          <span className="field__label">Requests / min</span>
          <input className="input" name="token-rpm" inputMode="numeric" placeholder="no limit" value={requestsPerMinute} onChange={(e) => setRequestsPerMinute(e.target.value)} />
        </label>
        <label className="field">
          <span className="field__label">Queued jobs at most</span>
          <input className="input" name="token-max-queued" inputMode="numeric" placeholder="default" value={maxQueued} onChange={(e) => setMaxQueued(e.target.value)} />
        </label>
      </div>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={busy || name.trim() === ''}>
          Create token
        </button>
      </div>
    </form>
  );
}
