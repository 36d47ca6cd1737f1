/**
 * The Indexes tab against a server started with --index-root: an index made in the form, its
 * job followed live to done, searched; a folder outside the root refused; and a server without
 * --index-root, where the tab says how to turn indexing on.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IndexView, SearchResult } from '../src/shared/indexes';
import { test as base, expect, FAST_SIM } from './fixtures';
import { IndexesPage } from './pages/indexes-page';

const EMBEDDING_MODEL = 'text-embedding-e2e';

/** The simulator's embeddings are a hashed bag of words: the one file with the word searched for is nearest. */
const DOCUMENTS: Record<string, string> = {
  'handbook/keeper.md': 'The lighthouse keeper trims the lamp at dusk.\n',
  'handbook/tides.txt': 'Spring tides come twice a month, at new and full moon.\n\nNeap tides fall between them.\n',
  'handbook/harbour/moorings.md': '# Moorings\n\nEach boat has a numbered buoy. Ask the harbour master before you tie up.\n',
  'handbook/.draft.md': 'not ready to be read\n',
};

const test = base.extend<{ docsRoot: string }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
  docsRoot: async ({}, use) => {
    const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'lmq-e2e-docs-')));
    for (const [file, text] of Object.entries(DOCUMENTS)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    await use(root);
    rmSync(root, { recursive: true, force: true });
  },
  serverArgs: async ({ docsRoot }, use) => use(['--index-root', docsRoot]),
});

test.describe('with --index-root', () => {
  test.use({ simOptions: { ...FAST_SIM, models: ['sim-model-a', EMBEDDING_MODEL] } });

  test('an index made in the form: its stage live while its embeddings wait, done with its counts, searched, deleted', async ({ api, docsRoot, openApp }) => {
    // Held in the queue, the embedding requests keep the job in its embed stage long enough to see.
    await api.pause();
    const page = await openApp({ hash: 'indexes' });
    const indexes = new IndexesPage(page);
    await expect(indexes.region).toContainText('No indexes yet');
    await indexes.newIndexButton.click();
    const form = indexes.form;
    await expect(form.field('Embedding model')).toHaveValue(EMBEDDING_MODEL);
    await form.field('Name').fill('handbook');
    await form.field('Folder').fill('handbook');
    await form.submit.click();
    await expect(form.root).toHaveCount(0);

    const card = indexes.card('handbook');
    await expect(card.fact('path')).toHaveText(path.join(docsRoot, 'handbook'));
    await expect(card.fact('model')).toContainText(EMBEDDING_MODEL);
    await expect(card.job).toHaveAttribute('data-stage', 'embed');
    await expect(card.job).toHaveAttribute('data-state', 'running');
    await expect(card.job.locator('[data-field="stage"]')).toHaveText('embedding');
    await expect(card.job.locator('[data-field="message"]')).toHaveText('embedding 0 of 3 chunks');
    await expect(card.progress).toBeVisible();
    const jobId = await card.job.getAttribute('data-job-id');

    await api.resume();
    await expect(card.job).toHaveAttribute('data-state', 'succeeded', { timeout: 20_000 });
    await expect(card.progress).toHaveCount(0);
    await expect(card.fact('documents')).toHaveText('3');
    await expect(card.fact('chunks')).toHaveText('3');
    await expect(card.fact('owner')).toHaveText('local');
    const read = await api.request<{ index: IndexView }>('GET', '/api/indexes/handbook');
    expect(read.body.index).toMatchObject({ documents: 3, chunks: 3, lastJobId: jobId, embeddingModel: EMBEDDING_MODEL });

    // The hidden file is listed as skipped, folded away until asked for.
    await expect(card.skippedSummary).toHaveText('1 file skipped');
    await expect(card.skippedTable).toBeHidden();
    await card.skippedSummary.click();
    await expect(card.skippedTable.locator('tbody tr')).toHaveCount(1);
    await expect(card.skippedTable.locator('tbody tr')).toContainText('.draft.md');
    await expect(card.skippedTable.locator('tbody tr')).toHaveAttribute('data-skip-reason', 'hidden');

    await card.search('lighthouse');
    await expect(card.results).toHaveCount(3);
    await expect(card.results.first()).toHaveAttribute('data-document', 'keeper.md');
    // The scores shown are the server's, to two decimals, nearest first.
    const searched = await api.request<{ results: SearchResult[] }>('POST', '/api/indexes/handbook/search', { query: 'lighthouse', k: 5 });
    expect(searched.body.results.map((r) => r.document)).toEqual(['keeper.md', expect.any(String), expect.any(String)]);
    for (const [i, result] of searched.body.results.entries()) {
      await expect(card.results.nth(i).locator('[data-field="score"]')).toHaveText(result.score.toFixed(2));
    }
    expect(searched.body.results[0]!.score).toBeGreaterThan(searched.body.results[1]!.score);
    await expect(card.results.first()).toContainText('The lighthouse keeper trims the lamp at dusk.');
    await card.search('lighthouse', 1);
    await expect(card.results).toHaveCount(1);

    page.once('dialog', (dialog) => void dialog.accept());
    await card.button('Delete').click();
    await expect(card.root).toHaveCount(0);
    expect((await api.request('GET', '/api/indexes/handbook')).status).toBe(404);
  });

  test('a folder outside the root is refused by the server, naming the field; the form says what it can itself', async ({ openApp }) => {
    const page = await openApp({ hash: 'indexes' });
    const indexes = new IndexesPage(page);
    await indexes.newIndexButton.click();
    const form = indexes.form;
    await form.submit.click();
    await expect(form.problems).toContainText('Name: required');
    await expect(form.problems).toContainText('Folder: required');

    await form.field('Name').fill('system');
    await form.field('Folder').fill('/etc');
    await form.field('Chunk tokens').fill('20');
    await expect(form.problems).toHaveText('Overlap tokens: must be smaller than Chunk tokens (50 is not below 20)');
    await form.field('Chunk tokens').fill('');
    await expect(form.problems).toHaveCount(0);
    await form.submit.click();
    await expect(form.refusal).toContainText('Folder: /etc is outside the index roots');
    await expect(form.field('Folder')).toHaveAttribute('aria-invalid', 'true');
    await expect(form.field('Name')).toHaveAttribute('aria-invalid', 'false');
    await expect(indexes.card('system').root).toHaveCount(0);
  });
});

base('without --index-root the tab says indexing is off and how to turn it on', async ({ api, openApp }) => {
  const answer = await api.request<{ error: { code: string; message: string } }>('GET', '/api/indexes');
  expect(answer.status).toBe(404);
  expect(answer.body.error.code).toBe('indexing_disabled');

  const page = await openApp({ hash: 'indexes' });
  const indexes = new IndexesPage(page);
  await expect(indexes.offNotice).toContainText(answer.body.error.message);
  await expect(indexes.offNotice).toContainText('--index-root');
  await expect(indexes.newIndexButton).toHaveCount(0);
  await expect(indexes.region.getByRole('alert')).toHaveCount(0);
});
