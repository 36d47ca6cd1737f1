/** The LM Studio tab shows every loaded model (an LLM beside an embedding model), the memory they use, and pins. */
import { expect, FAST_SIM, test } from './fixtures';
import { LmStudioPage } from './pages/lmstudio-page';

test.use({
  simOptions: { ...FAST_SIM, models: ['llm-a', 'llm-b', 'text-embedding-x'], initialLoaded: ['llm-a', 'text-embedding-x'] },
  serverArgs: ['--pin-model', 'text-embedding-x', '--model-memory', '12.5'],
});

test('the resident set, its memory and the pinned model are shown', async ({ openApp }) => {
  const page = await openApp({ hash: 'lmstudio' });
  const tab = new LmStudioPage(page);
  await expect(tab.model('llm-a')).toHaveAttribute('data-loaded', 'true');
  await expect(tab.model('text-embedding-x')).toHaveAttribute('data-loaded', 'true');
  await expect(tab.model('llm-b')).toHaveAttribute('data-loaded', 'false');
  await expect(tab.model('text-embedding-x')).toContainText('pinned');
  await expect(tab.model('llm-a')).not.toContainText('pinned');
  // 4 GB + 0.1 GB loaded of the 12.5 GB budget.
  await expect(tab.modelMemory).toHaveText('4.1 GB of 12.5 GB');
});
