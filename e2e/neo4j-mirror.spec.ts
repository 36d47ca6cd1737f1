/**
 * The LM Studio tab's Neo4j mirror stat, with the server writing to the Bolt test peer (the real
 * neo4j-driver at the wire level): connected, then Neo4j down with the changes waiting and why,
 * then back and caught up.
 */
import { BoltTestPeer } from '../src/main/core/testing/bolt-test-peer';
import { expect, test } from './fixtures';
import { LmStudioPage } from './pages/lmstudio-page';

// The server's arguments are fixed before the test starts, so the peer's port is chosen here.
const PORT = 20_000 + Math.floor(Math.random() * 20_000);
let peer: BoltTestPeer;
test.beforeAll(async () => {
  peer = await BoltTestPeer.start({}, PORT);
});
test.afterAll(() => peer.stop());
test.use({ serverArgs: ['--neo4j-uri', `bolt://127.0.0.1:${PORT}`, '--neo4j-password', 'test-password'] });

const JOB = { kind: 'chat', model: 'sim-model-a', input: { messages: [{ role: 'user', content: 'hello' }], max_tokens: 4 } };

test('the Neo4j mirror stat: connected, then Neo4j down with the changes waiting and why, then caught up', async ({ api, openApp }) => {
  const page = await openApp({ hash: 'lmstudio' });
  const lmstudio = new LmStudioPage(page);
  await expect(lmstudio.neo4jMirror).toContainText('Connected');
  await expect(lmstudio.neo4jMirror).toContainText('all job records mirrored');

  await peer.stop();
  const { job } = (await api.request<{ job: { id: string } }>('POST', '/api/jobs', JOB)).body;
  await expect(lmstudio.neo4jMirror).toContainText('Not connected', { timeout: 15_000 });
  // What waits, and the driver's reason after it.
  await expect(lmstudio.neo4jMirror).toContainText(/\d+ changes? waiting, oldest [^·]+ · \S.+/);

  await peer.restart();
  await expect(lmstudio.neo4jMirror).toContainText('Connected', { timeout: 30_000 });
  await expect(lmstudio.neo4jMirror).toContainText('all job records mirrored', { timeout: 30_000 });
  expect(peer.committed().some((s) => JSON.stringify(s.parameters).includes(job.id))).toBe(true);
});
