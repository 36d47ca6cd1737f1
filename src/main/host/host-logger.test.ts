import { PassThrough } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createHostLogger, resolveLogFormat } from './host-logger';

function captured(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('host logger', () => {
  it('is pretty on a terminal and JSON elsewhere, unless told', () => {
    expect(resolveLogFormat(null, { isTTY: true })).toBe('pretty');
    expect(resolveLogFormat(null, { isTTY: false })).toBe('json');
    expect(resolveLogFormat(null, {})).toBe('json');
    expect(resolveLogFormat('json', { isTTY: true })).toBe('json');
    expect(resolveLogFormat('pretty', { isTTY: false })).toBe('pretty');
  });

  it('writes JSON lines when not on a terminal', () => {
    const out = captured(false);
    createHostLogger({ format: null, stream: out.stream }).info({ port: 1235 }, 'started');
    expect(JSON.parse(out.text())).toMatchObject({ level: 30, name: 'lmqueue', port: 1235, msg: 'started' });
  });

  it('writes readable lines on a terminal, without pid and hostname, before returning', () => {
    const out = captured(true);
    createHostLogger({ format: null, stream: out.stream }).warn({ url: 'http://127.0.0.1:1234' }, 'LM Studio is down');
    const line = stripVTControlCharacters(out.text());
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: LM Studio is down {"url":"http:\/\/127\.0\.0\.1:1234"}\n$/);
    expect(line).not.toContain('"level"');
    expect(line).not.toContain('hostname');
  });

  it('redacts secrets in either format', () => {
    for (const format of ['json', 'pretty'] as const) {
      const out = captured(false);
      createHostLogger({ format, stream: out.stream }).info({ adminToken: 'sekrit-admin', request: { authorization: 'Bearer sekrit' } }, 'x');
      expect(out.text()).toContain('[redacted]');
      expect(out.text()).not.toContain('sekrit');
    }
  });
});
