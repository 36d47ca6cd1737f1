import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExtractError, extractText, normaliseWhitespace } from './extract-text';
import { HTML_HIDDEN_MARKERS, makeDocx, makeHtml, makePdf } from './testing/make-documents';

let dir: string;

beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'lmq-extract-')));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function extractError(path: string, bytes?: Buffer): Promise<ExtractError> {
  const error = await extractText(path, bytes).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExtractError);
  return error as ExtractError;
}

const PARAGRAPHS = [
  'The queue keeps every request in order of priority.',
  'Embedding jobs run in the batch lane, so that chat stays quick.',
  'An index is a folder of documents, chunked and searched by meaning.',
];

describe('extractText: plain text and Markdown', () => {
  it('reads UTF-8, drops a byte-order mark and normalises whitespace, keeping paragraph breaks', async () => {
    const path = file('a.txt', '\uFEFFFirst  line\t here\r\nsecond line\r\n\r\n\r\n   \r\nNext paragraph \u00e9t\u00e9\n');
    expect(await extractText(path)).toBe('First line here\nsecond line\n\nNext paragraph \u00e9t\u00e9');
  });

  it('keeps Markdown as written', async () => {
    const path = file('b.md', '# Title\n\nSome *emphasis* and a [link](http://x).\n');
    expect(await extractText(path)).toBe('# Title\n\nSome *emphasis* and a [link](http://x).');
  });

  it('reads old Windows text that is not UTF-8, and UTF-16 with a byte-order mark', async () => {
    expect(await extractText(file('latin.txt', Buffer.from('caf\u00e9 cr\u00e8me', 'latin1')))).toBe('caf\u00e9 cr\u00e8me');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('h\u00e9llo w\u00f6rld', 'utf16le')]);
    expect(await extractText(file('wide.txt', utf16))).toBe('h\u00e9llo w\u00f6rld');
  });

  it('uses the bytes it is given instead of reading the file', async () => {
    expect(await extractText(join(dir, 'not-on-disk.txt'), Buffer.from('given'))).toBe('given');
  });

  it('lets a read failure through as it is, not as an ExtractError (the caller lists it as unreadable)', async () => {
    const error = await extractText(join(dir, 'missing.txt')).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ExtractError);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('refuses a type it does not read with an ExtractError', async () => {
    expect((await extractError(join(dir, 'x.csv'), Buffer.from('a,b'))).message).toMatch(/\.csv is not a type/);
  });
});

describe('extractText: HTML', () => {
  it('gives the visible text only, in paragraphs, without scripts, styles, link targets or images', async () => {
    const text = await extractText(file('page.html', makeHtml(PARAGRAPHS, { heading: 'Queue Notes' })));
    expect(text).toBe(['Queue Notes', `${PARAGRAPHS[0]} (more)`, PARAGRAPHS[1], PARAGRAPHS[2]].join('\n\n'));
    for (const marker of HTML_HIDDEN_MARKERS) expect(text).not.toContain(marker);
    expect(text).not.toMatch(/[<>]/);
  });

  it('reads .htm the same way and decodes entities', async () => {
    const text = await extractText(file('old.htm', '<html><body><p>Fish &amp; chips &lt;3</p><div>next<br>line</div></body></html>'));
    expect(text).toBe('Fish & chips <3\n\nnext\nline');
  });
});

describe('extractText: PDF', () => {
  it('gives the text of every paragraph in order', async () => {
    const text = await extractText(file('doc.pdf', await makePdf(PARAGRAPHS)));
    // PDF text has lines, not paragraphs: compare with line breaks as spaces.
    expect(text.replace(/\s+/g, ' ')).toBe(PARAGRAPHS.join(' '));
  });

  it('separates pages with a paragraph break', async () => {
    const text = await extractText(file('pages.pdf', await makePdf(PARAGRAPHS, { pagePerParagraph: true })));
    expect(text).toBe(PARAGRAPHS.join('\n\n'));
  });

  it('reads a 20-page PDF whole', async () => {
    const pages = Array.from({ length: 20 }, (_, i) => `Page ${i + 1} says: ${'the quick brown fox jumps over the lazy dog '.repeat(40).trim()}.`);
    const pdf = await makePdf(pages, { pagePerParagraph: true });
    const text = await extractText(file('long.pdf', pdf));
    const found = text.split('\n\n');
    expect(found).toHaveLength(20);
    found.forEach((page, i) => expect(page.replace(/\s+/g, ' ')).toBe(pages[i]));
  });

  it('throws an ExtractError naming the file for a corrupt PDF', async () => {
    const garbage = await extractError(file('broken.pdf', Buffer.from('%PDF-1.7\nthis is not a pdf at all\n%%EOF')));
    expect(garbage.message).toMatch(/^broken\.pdf could not be read as a PDF: \S/);
    expect(garbage.file).toBe(join(dir, 'broken.pdf'));
    expect(garbage.name).toBe('ExtractError');
    expect(garbage.cause).toBeInstanceOf(Error);
    const notPdf = await extractError(file('random.pdf', Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919) % 256))));
    expect(notPdf.message).toMatch(/^random\.pdf could not be read as a PDF/);
  });
});

describe('extractText: Word (.docx)', () => {
  it('gives the paragraphs separated by paragraph breaks', async () => {
    expect(await extractText(file('doc.docx', await makeDocx(PARAGRAPHS)))).toBe(PARAGRAPHS.join('\n\n'));
  });

  it('throws an ExtractError naming the file for a corrupt .docx', async () => {
    const error = await extractError(file('broken.docx', Buffer.from('PK\u0003\u0004 not really a zip')));
    expect(error.message).toMatch(/^broken\.docx could not be read as a Word document \(\.docx\): \S/);
    // A PDF renamed .docx is not one either.
    await extractError(file('renamed.docx', await makePdf(['hello'])));
  });
});

describe('normaliseWhitespace', () => {
  it('keeps single line breaks and turns blank-line runs into one paragraph break', () => {
    expect(normaliseWhitespace('  a \u00a0 b \n c\n\n\n\nd\f e\u0000f  ')).toBe('a b\nc\n\nd\n\nef');
  });
});
