import type { DomainHandlers } from './domain-handlers';

export function sessionHandlers() {
  return {
    // Only the shared Caller fields: transports' extras (limits) are not part of the contract.
    'session.whoami': (_args, { owner, role, maxPriority }) => ({ owner, role, maxPriority }),
  } satisfies DomainHandlers;
}
