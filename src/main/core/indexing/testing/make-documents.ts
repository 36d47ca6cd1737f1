/**
 * Real documents for tests: PDFs (pdf-lib), Word files (docx) and HTML pages, built from paragraphs
 * so a test knows exactly which text an extractor should find.
 */
import { Document, Packer, Paragraph, TextRun } from 'docx';
import { PDFDocument, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';

const PAGE = { width: 595, height: 842, margin: 56 } as const; // A4 in points
const FONT_SIZE = 11;
const LINE_HEIGHT = 15;

export interface PdfOptions {
  /** Each paragraph on a page of its own (else they flow, a new page when one is full). */
  pagePerParagraph?: boolean;
}

/**
 * A PDF of the paragraphs, word-wrapped, in Helvetica (so: Latin-1 text only). A blank line separates
 * paragraphs on a page; PDF text has no paragraphs, so an extractor sees line breaks only.
 */
export async function makePdf(paragraphs: readonly string[], options: PdfOptions = {}): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const width = PAGE.width - 2 * PAGE.margin;
  let page: PDFPage | null = null;
  let y = 0;
  const newPage = () => {
    page = pdf.addPage([PAGE.width, PAGE.height]);
    y = PAGE.height - PAGE.margin;
  };
  for (const paragraph of paragraphs) {
    if (page === null || options.pagePerParagraph) newPage();
    for (const line of wrap(paragraph, font, width)) {
      if (y < PAGE.margin) newPage();
      page!.drawText(line, { x: PAGE.margin, y, size: FONT_SIZE, font });
      y -= LINE_HEIGHT;
    }
    y -= LINE_HEIGHT;
  }
  if (page === null) newPage();
  return Buffer.from(await pdf.save());
}

/** A .docx with one Word paragraph per string. */
export async function makeDocx(paragraphs: readonly string[]): Promise<Buffer> {
  const doc = new Document({
    sections: [{ children: paragraphs.map((text) => new Paragraph({ children: [new TextRun(text)] })) }],
  });
  return Packer.toBuffer(doc);
}

/** Strings makeHtml puts where no reader should see them (script, style, title, link targets, images). */
export const HTML_HIDDEN_MARKERS = ['scriptMarker', 'styleMarker', 'hrefMarker', 'imageMarker', 'titleMarker'] as const;

/**
 * A full HTML page: the paragraphs as <p> (the first as an <h1> when `heading` is set), with a script,
 * a style sheet, a link and an image whose contents are HTML_HIDDEN_MARKERS. Text is escaped.
 */
export function makeHtml(paragraphs: readonly string[], options: { heading?: string } = {}): string {
  const body = paragraphs.map((p, i) => (i === 0 ? `<p>${escapeHtml(p)} <a href="https://example.com/hrefMarker">(more)</a></p>` : `<p>${escapeHtml(p)}</p>`));
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>titleMarker</title>',
    '<style>body { font-family: styleMarker, sans-serif; }</style>',
    '<script>window.scriptMarker = "<p>not text</p>";</script>',
    '</head><body>',
    options.heading ? `<h1>${escapeHtml(options.heading)}</h1>` : '',
    '<img src="imageMarker.png" alt="imageMarker">',
    ...body,
    '</body></html>',
  ].join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function wrap(paragraph: string, font: PDFFont, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(/\s+/).filter(Boolean)) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (line !== '' && font.widthOfTextAtSize(candidate, FONT_SIZE) > width) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
