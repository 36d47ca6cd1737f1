import neo4j from 'neo4j-driver';
import { afterEach, describe, expect, test } from 'vitest';
import { BoltTestPeer, type BoltTestPeerOptions } from './bolt-test-peer';

const peers: BoltTestPeer[] = [];
const drivers: { close(): Promise<void> }[] = [];

async function startPeer(options: BoltTestPeerOptions = {}): Promise<BoltTestPeer> {
  const peer = await BoltTestPeer.start(options);
  peers.push(peer);
  return peer;
}

function connect(peer: BoltTestPeer, password = 'test-password') {
  const driver = neo4j.driver(peer.uri, neo4j.auth.basic('neo4j', password), {
    maxTransactionRetryTime: 0,
    connectionTimeout: 2_000,
  });
  drivers.push(driver);
  return driver;
}

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  await Promise.all(peers.splice(0).map((p) => p.stop()));
});

describe('BoltTestPeer with the real neo4j-driver', () => {
  test('records statements and parameters of a committed write transaction, and answers records', async () => {
    const peer = await startPeer({
      answer: (query) => (query.startsWith('RETURN') ? { fields: ['n', 's'], records: [[42, 'hi']] } : undefined),
    });
    const session = connect(peer).session({ database: 'neo4j' });
    const result = await session.executeWrite(async (tx) => {
      await tx.run('UNWIND $rows AS row MERGE (j:Job {id: row.id})', {
        rows: [{ id: 'a', priority: neo4j.int(5), fraction: 0.5, tags: ['x'], none: null, ok: true }],
      });
      return tx.run('RETURN 42 AS n, "hi" AS s');
    });
    await session.close();
    expect(result.records[0]!.get('n')).toEqual(neo4j.int(42));
    expect(result.records[0]!.get('s')).toBe('hi');
    expect(peer.committed().map((s) => s.query)).toEqual(['UNWIND $rows AS row MERGE (j:Job {id: row.id})', 'RETURN 42 AS n, "hi" AS s']);
    expect(peer.statements[0]!.parameters).toEqual({
      rows: [{ id: 'a', priority: 5, fraction: 0.5, tags: ['x'], none: null, ok: true }],
    });
  });

  test('auto-commit statements count as committed once pulled', async () => {
    const peer = await startPeer();
    const session = connect(peer).session();
    await session.run('CREATE CONSTRAINT x IF NOT EXISTS FOR (j:Job) REQUIRE j.id IS UNIQUE');
    await session.close();
    expect(peer.committed()).toHaveLength(1);
  });

  test('a wrong password is refused with Neo4j\'s code', async () => {
    const peer = await startPeer();
    const session = connect(peer, 'wrong').session();
    await expect(session.run('RETURN 1')).rejects.toMatchObject({ code: 'Neo.ClientError.Security.Unauthorized' });
    await session.close();
    expect(peer.authFailures).toBeGreaterThanOrEqual(1);
    expect(peer.statements).toHaveLength(0);
  });

  test('a held commit is not committed; a peer that goes down fails it, and comes back on its port', async () => {
    const peer = await startPeer();
    const driver = connect(peer);
    peer.holdCommits(true);
    const session = driver.session();
    const write = session.executeWrite((tx) => tx.run('MERGE (n:X)'));
    await expect.poll(() => peer.heldCommitCount).toBe(1);
    expect(peer.committed()).toHaveLength(0);
    await peer.stop();
    await expect(write).rejects.toThrow();
    await session.close();
    peer.holdCommits(false);
    await peer.restart();
    const again = driver.session();
    await again.executeWrite((tx) => tx.run('MERGE (n:X)'));
    await again.close();
    expect(peer.committed().map((s) => s.query)).toEqual(['MERGE (n:X)']);
  });

  test('speaks Bolt 5.0 too (login in HELLO)', async () => {
    const peer = await startPeer({ version: { major: 5, minor: 0 } });
    const session = connect(peer).session();
    await session.run('RETURN 1');
    await session.close();
    expect(peer.committed()).toHaveLength(1);
  });
});
