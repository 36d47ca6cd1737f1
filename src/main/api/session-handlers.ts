import { defineHandler, NoArgsSchema, type DomainHandlers } from './handler-definition';

export function sessionHandlers() {
  return {
    // Only the shared Caller fields: transports' extras (limits) are not part of the contract.
    'session.whoami': defineHandler(NoArgsSchema, (_args, { owner, role, maxPriority }) => ({ owner, role, maxPriority })),
  } satisfies DomainHandlers;
}
