/**
 * The extract stage: a document's text, by file extension, with whitespace normalised so that the
 * chunker sees paragraphs as "\n\n" and nothing else as more than one space or line break.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { convert, type HtmlToTextOptions } from 'html-to-text';
import mammoth from 'mammoth';
import { extractText as extractPdfPages, getDocumentProxy } from 'unpdf';
import { INDEXED_EXTENSIONS } from '../../../shared/indexes';

/** A document that could not be parsed; the caller skips that file alone (`extract_failed`). */
export class ExtractError extends Error {
  readonly file: string;

  constructor(file: string, cause: unknown) {
    super(`${basename(file)} could not be read as ${describeType(file)}: ${causeText(cause)}`, { cause });
    this.name = 'ExtractError';
    this.file = file;
  }
}

const HTML_OPTIONS: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'noscript', format: 'skip' },
    { selector: 'template', format: 'skip' },
    { selector: 'svg', format: 'skip' },
    ...(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'] as const).map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: 'table', options: { uppercaseHeaderCells: false } },
  ],
};

/**
 * The text of a .txt, .md, .html/.htm, .pdf or .docx file. `bytes`, when given, is the file's content
 * (already read, e.g. for hashing). A read failure is thrown as it is; a parse failure as ExtractError.
 */
export async function extractText(absolutePath: string, bytes?: Buffer): Promise<string> {
  const extension = extname(absolutePath).toLowerCase();
  if (!(INDEXED_EXTENSIONS as readonly string[]).includes(extension)) {
    throw new ExtractError(absolutePath, new Error(`${extension || 'no extension'} is not a type an index reads`));
  }
  const content = bytes ?? (await readFile(absolutePath));
  let text: string;
  try {
    if (extension === '.pdf') text = await pdfText(content);
    else if (extension === '.docx') text = (await mammoth.extractRawText({ buffer: content })).value;
    else if (extension === '.txt' || extension === '.md') text = decodeText(content);
    else text = convert(decodeText(content), { ...HTML_OPTIONS, limits: { maxInputLength: content.length + 1 } });
  } catch (error) {
    throw new ExtractError(absolutePath, error);
  }
  return normaliseWhitespace(text);
}

/** Pages become paragraphs: a page break is a topic break more often than not. */
async function pdfText(content: Buffer): Promise<string> {
  // pdf.js may take over (detach) the buffer it is given; give it a copy.
  const pdf = await getDocumentProxy(new Uint8Array(content), { verbosity: 0 });
  try {
    const { text } = await extractPdfPages(pdf, { mergePages: false });
    return text.join('\n\n');
  } finally {
    await pdf.destroy();
  }
}

/** UTF-8 (BOM dropped); UTF-16 with a BOM (Windows "Unicode"); Windows-1252 when it is not valid UTF-8 (old Windows files). */
function decodeText(content: Buffer): string {
  if (content[0] === 0xff && content[1] === 0xfe) return new TextDecoder('utf-16le').decode(content);
  if (content[0] === 0xfe && content[1] === 0xff) return new TextDecoder('utf-16be').decode(content);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return new TextDecoder('windows-1252').decode(content);
  }
}

/** Runs of spaces become one space, blank-line runs one paragraph break "\n\n"; control characters go. */
export function normaliseWhitespace(text: string): string {
  return (
    text
      .replace(/^\uFEFF/, '')
      .replace(/\r\n?/g, '\n')
      .replace(/\f/g, '\n\n')
      // eslint-disable-next-line no-control-regex -- NUL and other controls are never text, and some stores cut at NUL
      .replace(/[\u0000-\u0008\u000B\u000E-\u001F\u007F]/g, '')
      .replace(/[^\S\n]+/g, ' ')
      .replace(/ ?\n ?/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

function describeType(file: string): string {
  const extension = extname(file).toLowerCase();
  if (extension === '.pdf') return 'a PDF';
  if (extension === '.docx') return 'a Word document (.docx)';
  if (extension === '.html' || extension === '.htm') return 'HTML';
  return 'text';
}

function causeText(cause: unknown): string {
  if (cause instanceof Error) {
    // pdf.js names its exceptions (InvalidPDFException, PasswordException) in `name`, not the message.
    if (cause.name === 'PasswordException') return 'it is password-protected';
    return cause.message || cause.name;
  }
  return String(cause);
}
