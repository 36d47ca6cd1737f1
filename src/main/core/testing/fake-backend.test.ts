/** The fake backend's answers: embedding kinds get OpenAI embeddings of the simulator's hashed bag of words; the rest an empty chat body. */
import { expect, test } from 'vitest';
import { embeddingVector } from '../../../../tools/lmstudio-sim/text-generator';
import type { BackendRequest } from '../backend';
import { FakeBackend } from './fake-backend';
import { FakeClock } from './fake-clock';

async function answer(request: Omit<BackendRequest, 'jobId'>, options: { embeddingDimensions?: number } = {}): Promise<unknown> {
  const clock = new FakeClock();
  const backend = new FakeBackend(clock, { models: ['chat-model', 'text-embedding-x'], slots: 2, resident: ['chat-model', 'text-embedding-x'], ...options });
  const outcome = backend.run({ jobId: 'j1', ...request }, { signal: new AbortController().signal });
  clock.advance(1_000);
  expect(backend.violations).toEqual([]);
  return (await outcome).body;
}

test('an embeddings request is answered with one unit vector per input, the same as the simulator gives for that text', async () => {
  const body = await answer({ kind: 'embedding', model: 'text-embedding-x', body: { input: ['the harbor lantern', 'copper maple'] } }, { embeddingDimensions: 32 });
  expect(body).toEqual({
    object: 'list',
    data: [
      { object: 'embedding', index: 0, embedding: embeddingVector('the harbor lantern', 0, 32) },
      { object: 'embedding', index: 1, embedding: embeddingVector('copper maple', 0, 32) },
    ],
    model: 'text-embedding-x',
    usage: { prompt_tokens: 10, total_tokens: 10 },
  });
  const one = (await answer({ kind: 'v0-embedding', model: 'text-embedding-x', body: { input: 'one text' } })) as { data: Array<{ embedding: number[] }> };
  expect(one.data).toHaveLength(1);
  expect(one.data[0]!.embedding).toHaveLength(16);
  expect(Math.hypot(...one.data[0]!.embedding)).toBeCloseTo(1, 10);
});

test('other requests still get an empty chat body', async () => {
  expect(await answer({ kind: 'chat', model: 'chat-model', body: { messages: [] } })).toEqual({ id: 'fake-j1', object: 'chat.completion', model: 'chat-model', choices: [] });
});
