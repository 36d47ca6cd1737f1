import { LmqError } from '../../shared/errors';

/** Stripe's limit; a UUID or a client's own request id fits. */
const MAX_KEY_LENGTH = 255;

/** The Idempotency-Key header of a request that creates work: absent, or 1-255 visible ASCII characters. */
export function idempotencyKeyFrom(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers['idempotency-key'];
  if (value === undefined) return undefined;
  const key = Array.isArray(value) ? value[0]! : value;
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new LmqError('bad_request', `Idempotency-Key must be 1-${MAX_KEY_LENGTH} visible ASCII characters (a UUID will do)`);
  }
  return key;
}
