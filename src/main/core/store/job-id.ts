import { randomBytes } from 'node:crypto';

/** URL-safe characters in ASCII order, so encoded times sort as the times do. */
const SORTED_ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const RANDOM_BYTES_PER_ID = 9;

/** The creation millisecond in 8 sortable characters (good until the year 10889). */
function encodeTime(ms: number): string {
  let text = '';
  for (let i = 0, rest = ms; i < 8; i++, rest = Math.floor(rest / 64)) text = SORTED_ALPHABET[rest % 64]! + text;
  return text;
}

/**
 * Random bytes drawn from the system a block at a time: one draw costs more than the rest of an
 * insert, and every submission makes an id (the enqueue rate in `npm run bench -- queue`).
 */
const randomPool = { bytes: Buffer.alloc(0), next: 0 };

function takeRandomBytes(): Buffer {
  if (randomPool.next + RANDOM_BYTES_PER_ID > randomPool.bytes.length) {
    randomPool.bytes = randomBytes(RANDOM_BYTES_PER_ID * 512);
    randomPool.next = 0;
  }
  const start = randomPool.next;
  randomPool.next += RANDOM_BYTES_PER_ID;
  return randomPool.bytes.subarray(start, start + RANDOM_BYTES_PER_ID);
}

/**
 * `job_` + creation time (sortable) + 72 random bits. Time first keeps the unique index on ids
 * append-mostly (a random id lands on a random index page: more pages written per commit).
 */
export function newJobId(now = Date.now()): string {
  return `job_${encodeTime(now)}${takeRandomBytes().toString('base64url')}`;
}
