import { describe, expect, it } from 'vitest';
import { errorFromResponse, errorFromThrown, extractErrorMessage } from './failure-classifier';

const ctx = { url: 'http://127.0.0.1:1234', operation: 'chat request for model "m"' };

describe('extractErrorMessage', () => {
  it('reads both of LM Studio error shapes and ignores ordinary bodies', () => {
    expect(extractErrorMessage({ error: 'boom' })).toBe('boom');
    expect(extractErrorMessage({ error: { message: 'bang', type: 'x' } })).toBe('bang');
    expect(extractErrorMessage({ choices: [] })).toBeNull();
    expect(extractErrorMessage('text')).toBeNull();
  });
});

describe('errorFromResponse', () => {
  it.each([
    [400, { error: 'Trying to keep the first 5000 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens' }, 'context_length'],
    [400, { error: { message: 'Invalid model identifier "x".', code: 'model_not_found' } }, 'model_not_found'],
    [404, { error: 'Model "x" not found' }, 'model_not_found'],
    [503, { error: { message: 'Model "x" is still loading.' } }, 'model_loading'],
    [400, { error: 'No models loaded. Please load a model in the developer page' }, 'model_loading'],
    [400, { error: 'temperature must be a number' }, 'bad_request'],
    [422, 'unprocessable', 'bad_request'],
    [500, { error: 'internal' }, 'server_error'],
    [502, '<html>bad gateway</html>', 'server_error'],
    [429, null, 'server_error'],
    [504, null, 'timeout'],
    [200, { error: 'The model has crashed without additional information.' }, 'server_error'],
    [200, { error: 'Unexpected endpoint or method. (POST /v1/responses)' }, 'bad_request'],
  ] as const)('HTTP %i %j is %s', (status, payload, code) => {
    const error = errorFromResponse(status, payload, ctx);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.message).toContain(ctx.url);
    expect(error.message).toContain('"m"');
  });

  it('marks only the transient codes retryable', () => {
    expect(errorFromResponse(500, null, ctx).retryable).toBe(true);
    expect(errorFromResponse(400, { error: 'bad' }, ctx).retryable).toBe(false);
  });
});

describe('errorFromThrown', () => {
  it('recognises refused, reset and DNS failures the way undici reports them', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    expect(errorFromThrown(refused, ctx).code).toBe('unreachable');
    const dualStack = new TypeError('fetch failed', { cause: new AggregateError([Object.assign(new Error('x'), { code: 'EHOSTUNREACH' })]) });
    expect(errorFromThrown(dualStack, ctx).code).toBe('unreachable');
    const dns = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }) });
    expect(errorFromThrown(dns, ctx).message).toContain('ENOTFOUND');
    const dropped = new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(errorFromThrown(dropped, ctx).code).toBe('unreachable');
  });

  // The shapes node:http emits (checked against Node 20's own errors in http-transport.test.ts).
  const systemError = (message: string, fields: Record<string, unknown>): Error => Object.assign(new Error(message), fields);

  it.each([
    ['refused', systemError('connect ECONNREFUSED 127.0.0.1:1234', { errno: -111, code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port: 1234 }), 'ECONNREFUSED'],
    ['refused on every address (dual stack)', Object.assign(new AggregateError([systemError('connect ECONNREFUSED ::1:1234', { code: 'ECONNREFUSED' })], ''), { code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    ['closed before the answer', systemError('socket hang up', { code: 'ECONNRESET' }), 'ECONNRESET'],
    ['reset', systemError('read ECONNRESET', { errno: -104, code: 'ECONNRESET', syscall: 'read' }), 'ECONNRESET'],
    ['closed mid-body', systemError('aborted', { code: 'ECONNRESET' }), 'ECONNRESET'],
    ['closed mid-body without an error', systemError('The response closed before its end', { code: 'ERR_STREAM_PREMATURE_CLOSE' }), 'ERR_STREAM_PREMATURE_CLOSE'],
    ['DNS', systemError('getaddrinfo ENOTFOUND lm-box', { errno: -3008, code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'lm-box' }), 'ENOTFOUND'],
    ['no route', systemError('connect EHOSTUNREACH 10.0.0.9:1234', { code: 'EHOSTUNREACH', syscall: 'connect' }), 'EHOSTUNREACH'],
  ] as const)('recognises node:http failures as unreachable: %s', (_label, error, code) => {
    const classified = errorFromThrown(error, ctx);
    expect(classified).toMatchObject({ code: 'unreachable', retryable: true });
    expect(classified.message).toContain(code);
    expect(classified.message).toContain(ctx.url);
    expect(classified.cause).toBe(error);
  });

  it('calls an answer that is not HTTP a protocol error', () => {
    const garbage = systemError('Parse Error: Expected HTTP/, RTSP/ or ICE/', { code: 'HPE_INVALID_CONSTANT', bytesParsed: 0, reason: 'Expected HTTP/' });
    const classified = errorFromThrown(garbage, ctx);
    expect(classified).toMatchObject({ code: 'protocol', retryable: false });
    expect(classified.message).toContain('not HTTP');
  });

  it('calls unparseable answers protocol errors', () => {
    expect(errorFromThrown(new SyntaxError('Unexpected token'), ctx).code).toBe('protocol');
  });
});
