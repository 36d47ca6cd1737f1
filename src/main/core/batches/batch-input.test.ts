import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBatchFile, MAX_BATCH_REQUESTS, MAX_REPORTED_ERRORS, requestLines } from './batch-input';

const dir = mkdtempSync(join(tmpdir(), 'lmq-batch-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function fileOf(lines: readonly string[]): string {
  const path = join(dir, `input-${files++}.jsonl`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const request = (customId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, ...extra });

describe('batch input files', () => {
  it('passes a good file, skipping blank lines, and reads its requests back in order', async () => {
    const path = fileOf([request('a'), '', '  ', request('b'), request('c')]);
    expect(await checkBatchFile(path, '/v1/chat/completions')).toEqual({ total: 3, errors: [], requests: null });
    // A small file's requests are kept by the check (no second read); past the cap, they are not.
    const kept = await checkBatchFile(path, '/v1/chat/completions', 10_000);
    expect(kept.requests?.map((r) => [r.index, r.customId])).toEqual([[0, 'a'], [1, 'b'], [2, 'c']]);
    expect((await checkBatchFile(path, '/v1/chat/completions', request('a').length * 2)).requests).toBeNull();
    const lines = [];
    for await (const line of requestLines(path, '/v1/chat/completions')) lines.push(line);
    expect(lines.map((l) => [l.index, l.customId, l.model])).toEqual([[0, 'a', 'm'], [1, 'b', 'm'], [2, 'c', 'm']]);
    const resumed = [];
    for await (const line of requestLines(path, '/v1/chat/completions', 2)) resumed.push(line.customId);
    expect(resumed).toEqual(['c']);
  });

  it('names each bad line and why: bad JSON, missing or duplicate custom_id, wrong url or method, no model', async () => {
    const path = fileOf([
      request('ok-1'),
      '{"custom_id": "broken", ',
      '[1, 2]',
      JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: { model: 'm' } }),
      request('ok-1'),
      request('x', { url: '/v1/embeddings' }),
      request('y', { method: 'GET' }),
      request('z', { body: { messages: [] } }),
      request('w', { body: 'text' }),
    ]);
    const check = await checkBatchFile(path, '/v1/chat/completions');
    expect(check.total).toBe(9);
    expect(check.errors.map((e) => [e.line, e.code, e.param])).toEqual([
      [2, 'invalid_json_line', null],
      [3, 'invalid_json_line', null],
      [4, 'missing_required_parameter', 'custom_id'],
      [5, 'duplicate_custom_id', 'custom_id'],
      [6, 'invalid_url', 'url'],
      [7, 'invalid_method', 'method'],
      [8, 'missing_required_parameter', 'body.model'],
      [9, 'missing_required_parameter', 'body'],
    ]);
    expect(check.errors[3]!.message).toBe('line 5: custom_id "ok-1" appears more than once');
    expect(check.errors[4]!.message).toContain('"/v1/chat/completions"');
  });

  it('refuses an empty file and one over 50,000 requests (naming the first line past it)', async () => {
    expect((await checkBatchFile(fileOf(['', '']), '/v1/chat/completions')).errors).toEqual([
      { code: 'empty_file', message: 'the input file has no requests', line: null, param: null },
    ]);
    const lines = Array.from({ length: MAX_BATCH_REQUESTS + 5 }, (_, i) => request(`r${i}`));
    const check = await checkBatchFile(fileOf(lines), '/v1/chat/completions');
    expect(check.errors).toEqual([expect.objectContaining({ code: 'too_many_requests', line: MAX_BATCH_REQUESTS + 1 })]);
  });

  it(`reports at most ${MAX_REPORTED_ERRORS} bad lines`, async () => {
    const check = await checkBatchFile(fileOf(Array.from({ length: 300 }, () => 'nope')), '/v1/chat/completions');
    expect(check.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(check.errors.at(-1)!.line).toBe(MAX_REPORTED_ERRORS);
  });
});

describe('batch input files, any mix of lines (fast-check)', () => {
  type Kind = 'good' | 'blank' | 'not-json' | 'no-custom-id' | 'wrong-url' | 'wrong-method' | 'no-model';
  const lineOf = (kind: Kind, id: string): string => {
    const good = { custom_id: id, method: 'POST', url: '/v1/embeddings', body: { model: 'e', input: id } };
    switch (kind) {
      case 'good':
        return JSON.stringify(good);
      case 'blank':
        return ' ';
      case 'not-json':
        return `{"custom_id": "${id}"`;
      case 'no-custom-id':
        return JSON.stringify({ ...good, custom_id: '' });
      case 'wrong-url':
        return JSON.stringify({ ...good, url: '/v1/chat/completions' });
      case 'wrong-method':
        return JSON.stringify({ ...good, method: 'PUT' });
      case 'no-model':
        return JSON.stringify({ ...good, body: { input: id } });
    }
  };

  it('names exactly the bad lines (by number), and reads back exactly the good ones with their request index', async () => {
    const kinds: Kind[] = ['good', 'good', 'good', 'blank', 'not-json', 'no-custom-id', 'wrong-url', 'wrong-method', 'no-model'];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 39 }), async (picked, duplicateAt) => {
        const lines = picked.map((kind, i) => lineOf(kind, `id-${i}`));
        // One good line repeats an earlier good line's custom_id.
        const goodAt = picked.flatMap((kind, i) => (kind === 'good' ? [i] : []));
        const duplicate = goodAt.length >= 2 ? goodAt[1 + (duplicateAt % (goodAt.length - 1))]! : -1;
        if (duplicate >= 0) lines[duplicate] = lineOf('good', `id-${goodAt[0]}`);
        const path = fileOf(lines);
        const check = await checkBatchFile(path, '/v1/embeddings');
        const bad = picked.flatMap((kind, i) => (kind !== 'good' && kind !== 'blank') || i === duplicate ? [i + 1] : []);
        const requests = picked.filter((kind) => kind !== 'blank').length;
        expect(check.total).toBe(requests);
        expect(check.errors.map((e) => e.line)).toEqual(requests === 0 ? [null] : bad);
        const read = [];
        for await (const line of requestLines(path, '/v1/embeddings')) read.push(line);
        const nonBlank = picked.flatMap((kind, i) => (kind === 'blank' ? [] : [i]));
        const valid = nonBlank.flatMap((line, index) => (picked[line] === 'good' ? [{ index, customId: line === duplicate ? `id-${goodAt[0]}` : `id-${line}` }] : []));
        expect(read.map((l) => ({ index: l.index, customId: l.customId }))).toEqual(valid);
      }),
      { numRuns: 60 },
    );
  });
});
