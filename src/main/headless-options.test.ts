import fs, { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHeadlessOptions, UsageError } from './headless-options';

const cwd = '/srv/lmq';

describe('parseHeadlessOptions', () => {
  it('has the documented defaults', () => {
    expect(parseHeadlessOptions([], {}, cwd)).toEqual({
      host: '127.0.0.1',
      port: 1235,
      backendUrl: 'http://127.0.0.1:1234',
      backendToken: null,
      dataDir: path.join(os.homedir(), '.lmqueue'),
      requireAuth: false,
      maxConcurrency: null,
      webRoot: null,
      graceMs: 10_000,
      adminToken: null,
      corsOrigins: [],
      allowedHosts: [],
      maxBodyBytes: 4 * 1024 * 1024,
      maxFileBytes: 200_000_000,
      modelMemoryBytes: null,
      pinnedModels: [],
      indexRoots: [],
      maxIndexJobs: 2,
      logFormat: null,
      neo4j: null,
      durability: 'normal',
      help: false,
    });
  });

  it('takes index roots from --index-root (repeated) or LMQ_INDEX_ROOTS, as real paths, and refuses one that is not a folder', () => {
    const a = fs.mkdtempSync(path.join(os.tmpdir(), 'lmq-root-a-'));
    const b = fs.mkdtempSync(path.join(os.tmpdir(), 'lmq-root-b-'));
    try {
      expect(parseHeadlessOptions(['--index-root', a, '--index-root', b], { LMQ_INDEX_ROOTS: '/nowhere' }, cwd).indexRoots).toEqual([fs.realpathSync(a), fs.realpathSync(b)]);
      expect(parseHeadlessOptions([], { LMQ_INDEX_ROOTS: `${a}${path.delimiter}${b}` }, cwd).indexRoots).toEqual([fs.realpathSync(a), fs.realpathSync(b)]);
      expect(() => parseHeadlessOptions(['--index-root', path.join(a, 'missing')], {}, cwd)).toThrow(/--index-root: .*missing/);
      expect(parseHeadlessOptions(['--max-index-jobs', '3'], {}, cwd).maxIndexJobs).toBe(3);
      expect(() => parseHeadlessOptions(['--max-index-jobs', '0'], {}, cwd)).toThrow(UsageError);
    } finally {
      fs.rmSync(a, { recursive: true, force: true });
      fs.rmSync(b, { recursive: true, force: true });
    }
  });

  it('takes the names to answer to from --allowed-host or LMQ_ALLOWED_HOSTS, and refuses a port', () => {
    expect(parseHeadlessOptions(['--allowed-host', 'LMQ.example.com, [fe80::1]'], { LMQ_ALLOWED_HOSTS: 'x' }, cwd).allowedHosts).toEqual(['lmq.example.com', 'fe80::1']);
    expect(parseHeadlessOptions([], { LMQ_ALLOWED_HOSTS: '*' }, cwd).allowedHosts).toEqual(['*']);
    expect(() => parseHeadlessOptions(['--allowed-host', 'lmq.example.com:1235'], {}, cwd)).toThrow(UsageError);
  });

  it('takes the request body limit in MiB from --max-body-mb or LMQ_MAX_BODY_MB', () => {
    expect(parseHeadlessOptions(['--max-body-mb', '32'], { LMQ_MAX_BODY_MB: '8' }, cwd).maxBodyBytes).toBe(32 * 1024 * 1024);
    expect(parseHeadlessOptions([], { LMQ_MAX_BODY_MB: '8' }, cwd).maxBodyBytes).toBe(8 * 1024 * 1024);
    expect(() => parseHeadlessOptions(['--max-body-mb', '0'], {}, cwd)).toThrow('--max-body-mb must be an integer from 1 to 1024, got "0"');
  });

  it('takes the Files API upload limit in MB from --max-file-mb or LMQ_MAX_FILE_MB', () => {
    expect(parseHeadlessOptions(['--max-file-mb', '5'], { LMQ_MAX_FILE_MB: '9' }, cwd).maxFileBytes).toBe(5_000_000);
    expect(parseHeadlessOptions([], { LMQ_MAX_FILE_MB: '9' }, cwd).maxFileBytes).toBe(9_000_000);
    expect(() => parseHeadlessOptions(['--max-file-mb', '0'], {}, cwd)).toThrow('--max-file-mb must be an integer from 1 to 100000, got "0"');
  });

  it('takes the durability from the flag or LMQ_DURABILITY, and refuses any other', () => {
    expect(parseHeadlessOptions(['--durability', 'full'], {}, cwd).durability).toBe('full');
    expect(parseHeadlessOptions([], { LMQ_DURABILITY: 'FULL' }, cwd).durability).toBe('full');
    expect(parseHeadlessOptions(['--durability', 'normal'], { LMQ_DURABILITY: 'full' }, cwd).durability).toBe('normal');
    expect(() => parseHeadlessOptions(['--durability', 'paranoid'], {}, cwd)).toThrow('--durability must be normal or full, got "paranoid"');
  });

  it('turns the Neo4j mirror on with LMQ_NEO4J_* or the flags (flags first; user defaults to neo4j)', () => {
    const env = { LMQ_NEO4J_URI: 'neo4j+s://db.example.com', LMQ_NEO4J_PASSWORD: 's3cret', LMQ_NEO4J_DATABASE: 'lmq' };
    expect(parseHeadlessOptions([], env, cwd).neo4j).toEqual({ uri: 'neo4j+s://db.example.com', user: 'neo4j', password: 's3cret', database: 'lmq' });
    expect(parseHeadlessOptions(['--neo4j-uri', 'bolt://127.0.0.1:7687', '--neo4j-user', 'lmq'], env, cwd).neo4j).toEqual({
      uri: 'bolt://127.0.0.1:7687', user: 'lmq', password: 's3cret', database: 'lmq',
    });
    expect(parseHeadlessOptions([], { LMQ_NEO4J_URI: 'bolt://db:7687', LMQ_NEO4J_PASSWORD: ' spaced ' }, cwd).neo4j?.password).toBe(' spaced ');
  });

  it('takes LM Studio\'s API token from the flag, LMQ_BACKEND_TOKEN or a file (trimmed), the token itself first', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lmq-token-'));
    const file = path.join(dir, 'lmstudio-token');
    writeFileSync(file, 'sk-lm-from-file\n');
    expect(parseHeadlessOptions(['--backend-token', 'sk-lm-flag'], {}, cwd).backendToken).toBe('sk-lm-flag');
    expect(parseHeadlessOptions([], { LMQ_BACKEND_TOKEN: 'sk-lm-env' }, cwd).backendToken).toBe('sk-lm-env');
    expect(parseHeadlessOptions(['--backend-token-file', file], {}, cwd).backendToken).toBe('sk-lm-from-file');
    expect(parseHeadlessOptions([], { LMQ_BACKEND_TOKEN_FILE: file, LMQ_BACKEND_TOKEN: 'sk-lm-env' }, cwd).backendToken).toBe('sk-lm-env');
    expect(() => parseHeadlessOptions(['--backend-token-file', path.join(dir, 'missing')], {}, cwd)).toThrow(/cannot be read/);
  });

  it('takes CORS origins from the flag or LMQ_CORS_ORIGINS, and refuses what is not an origin', () => {
    expect(parseHeadlessOptions(['--cors-origin', 'http://chat.lan:3000, https://app.example/'], {}, cwd).corsOrigins).toEqual([
      'http://chat.lan:3000',
      'https://app.example',
    ]);
    expect(parseHeadlessOptions([], { LMQ_CORS_ORIGINS: '*' }, cwd).corsOrigins).toEqual(['*']);
    for (const bad of ['chat.lan', 'http://chat.lan/path', 'ftp://chat.lan']) {
      expect(() => parseHeadlessOptions(['--cors-origin', bad], {}, cwd)).toThrow(UsageError);
    }
  });

  it('takes the model memory budget in GB and gives it in bytes', () => {
    expect(parseHeadlessOptions(['--model-memory', '24'], {}, cwd).modelMemoryBytes).toBe(24_000_000_000);
    expect(parseHeadlessOptions([], { LMQ_MODEL_MEMORY_GB: '7.5' }, cwd).modelMemoryBytes).toBe(7_500_000_000);
    expect(parseHeadlessOptions(['--model-memory', '.5'], { LMQ_MODEL_MEMORY_GB: '7.5' }, cwd).modelMemoryBytes).toBe(500_000_000);
  });

  it('pins models from repeated flags, or else from the comma-separated LMQ_PIN_MODELS', () => {
    const env = { LMQ_PIN_MODELS: 'nomic-embed-text, qwen3-8b,,nomic-embed-text' };
    expect(parseHeadlessOptions([], env, cwd).pinnedModels).toEqual(['nomic-embed-text', 'qwen3-8b']);
    expect(parseHeadlessOptions(['--pin-model', 'a', '--pin-model', 'b/c@q4'], env, cwd).pinnedModels).toEqual(['a', 'b/c@q4']);
  });

  it('takes the log format from the flag or LMQ_LOG_FORMAT', () => {
    expect(parseHeadlessOptions([], { LMQ_LOG_FORMAT: 'JSON' }, cwd).logFormat).toBe('json');
    expect(parseHeadlessOptions(['--log-format', 'pretty'], { LMQ_LOG_FORMAT: 'json' }, cwd).logFormat).toBe('pretty');
    expect(() => parseHeadlessOptions([], { LMQ_LOG_FORMAT: 'xml' }, cwd)).toThrow('--log-format must be pretty or json');
  });

  it('reads env vars, and flags win over them', () => {
    const env = {
      LMQ_HOST: '0.0.0.0',
      LMQ_PORT: '8080',
      LMQ_BACKEND_URL: 'http://gpu-box:1234/',
      LMQ_DATA_DIR: 'data',
      LMQ_ADMIN_TOKEN: 'a-long-admin-secret',
      LMQ_MAX_CONCURRENCY: '2',
    };
    expect(parseHeadlessOptions([], env, cwd)).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      backendUrl: 'http://gpu-box:1234',
      dataDir: '/srv/lmq/data',
      adminToken: 'a-long-admin-secret',
      maxConcurrency: 2,
    });
    const flags = ['--host', '192.168.1.2', '--port', '0', '--backend', 'https://lm:1', '--data-dir', '/d', '--require-auth', '--max-concurrency', '8'];
    expect(parseHeadlessOptions(flags, env, cwd)).toMatchObject({
      host: '192.168.1.2',
      port: 0,
      backendUrl: 'https://lm:1',
      dataDir: '/d',
      requireAuth: true,
      maxConcurrency: 8,
    });
  });

  it('treats empty env vars as unset and expands ~', () => {
    expect(parseHeadlessOptions(['--data-dir', '~/q'], { LMQ_PORT: '' }, cwd)).toMatchObject({
      port: 1235,
      dataDir: path.join(os.homedir(), 'q'),
    });
  });

  it.each([
    [['--port', 'abc'], '--port must be an integer from 0 to 65535'],
    [['--port', '70000'], '--port must be an integer'],
    [['--max-concurrency', '0'], '--max-concurrency must be an integer from 1'],
    [['--backend', 'localhost:1234'], '--backend must be'],
    [['--backend', 'ftp://x'], '--backend must be an http:// or https:// URL'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--web-root', '/no/such/dir'], 'does not exist'],
    [['--model-memory', '0'], '--model-memory must be a positive number of GB'],
    [['--model-memory=-4'], '--model-memory must be a positive number of GB'],
    [['--model-memory', '24GB'], '--model-memory must be a positive number of GB'],
    [['--model-memory', ''], '--model-memory must be a positive number of GB'],
    [['--pin-model'], "Option '--pin-model <value>' argument missing"],
    [['stray'], 'Unexpected argument'],
    [['--neo4j-uri', 'http://db:7474', '--neo4j-password', 'x'], '--neo4j-uri must be a Neo4j URI'],
    [['--neo4j-uri', 'bolt://db:7687'], '--neo4j-uri needs a password'],
    [['--neo4j-password', 'x'], 'need --neo4j-uri'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseHeadlessOptions(argv, {}, cwd)).toThrow(UsageError);
    expect(() => parseHeadlessOptions(argv, {}, cwd)).toThrow(message);
  });
});
