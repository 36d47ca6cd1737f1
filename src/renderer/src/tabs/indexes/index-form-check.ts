/**
 * The create-index form's fields → a request, or what is wrong, field by field. The rules are the
 * shared schema's (the server checks the same one) and the overlap below the chunk; this adds plain
 * words for empty fields and numbers that are not numbers, and reads which field a server refusal names.
 */
import { CreateIndexSchema, DEFAULT_CHUNK_TOKENS, DEFAULT_OVERLAP_TOKENS, type CreateIndexRequest } from '../../../../shared/indexes';

export const INDEX_FORM_FIELDS = ['name', 'path', 'embeddingModel', 'chunkTokens', 'overlapTokens', 'include'] as const;
export type IndexFormField = (typeof INDEX_FORM_FIELDS)[number];

/** The form's labels: problems name the field as the user sees it. */
export const INDEX_FIELD_LABELS: Record<IndexFormField, string> = {
  name: 'Name',
  path: 'Folder',
  embeddingModel: 'Embedding model',
  chunkTokens: 'Chunk tokens',
  overlapTokens: 'Overlap tokens',
  include: 'Include globs',
};

export interface IndexFormFields {
  name: string;
  path: string;
  embeddingModel: string;
  chunkTokens: string;
  overlapTokens: string;
  /** Comma-separated glob patterns. */
  include: string;
}

export interface FieldProblem {
  /** The field it is about; null when the message names none. */
  field: IndexFormField | null;
  message: string;
}

/** "docs/**, *.md ," → ["docs/**", "*.md"]. */
export function parseGlobList(text: string): string[] {
  return text
    .split(',')
    .map((glob) => glob.trim())
    .filter((glob) => glob !== '');
}

function isFormField(name: string): name is IndexFormField {
  return (INDEX_FORM_FIELDS as readonly string[]).includes(name);
}

/** "Folder: …" for a field's problem, the bare message otherwise. */
export function problemText(problem: FieldProblem): string {
  return problem.field ? `${INDEX_FIELD_LABELS[problem.field]}: ${problem.message}` : problem.message;
}

export function checkIndexForm(fields: IndexFormFields): { request: CreateIndexRequest } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const required = (field: IndexFormField, value: string): void => {
    if (value.trim() === '') problems.push({ field, message: 'required' });
  };
  required('name', fields.name);
  required('path', fields.path);
  required('embeddingModel', fields.embeddingModel);

  const count = (field: IndexFormField, text: string): number | undefined => {
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    if (!/^\d+$/.test(trimmed)) {
      problems.push({ field, message: 'a whole number of tokens' });
      return undefined;
    }
    return Number(trimmed);
  };
  const chunkTokens = count('chunkTokens', fields.chunkTokens);
  const overlapTokens = count('overlapTokens', fields.overlapTokens);
  const include = parseGlobList(fields.include);

  const candidate = {
    name: fields.name.trim(),
    path: fields.path.trim(),
    embeddingModel: fields.embeddingModel.trim(),
    ...(chunkTokens !== undefined ? { chunkTokens } : {}),
    ...(overlapTokens !== undefined ? { overlapTokens } : {}),
    ...(include.length > 0 ? { include } : {}),
  };
  const parsed = CreateIndexSchema.safeParse(candidate);
  if (!parsed.success) {
    const named = new Set(problems.map((p) => p.field));
    for (const issue of parsed.error.issues) {
      const head = String(issue.path[0] ?? '');
      const field = isFormField(head) ? head : null;
      // An empty or mistyped field already says so in plainer words.
      if (field && named.has(field)) continue;
      problems.push({ field, message: issue.message });
    }
  }
  // The server checks this too (not in the schema: route schemas are derived from it). Either
  // number may be the default, not typed: say both.
  const chunk = chunkTokens ?? DEFAULT_CHUNK_TOKENS;
  const overlap = overlapTokens ?? DEFAULT_OVERLAP_TOKENS;
  if (overlap >= chunk && !problems.some((p) => p.field === 'chunkTokens' || p.field === 'overlapTokens')) {
    problems.push({ field: 'overlapTokens', message: `must be smaller than ${INDEX_FIELD_LABELS.chunkTokens} (${overlap} is not below ${chunk})` });
  }
  if (problems.length > 0 || !parsed.success) return { problems };
  return { request: parsed.data };
}

/**
 * A server refusal split into what it says about each field: the server names fields the way
 * its schema does ("path: /etc is outside the index roots (…)"; several joined by "; "). A "; "
 * inside one message ("…by job j1; cancel it or wait for it") does not split it.
 */
export function refusalProblems(message: string): FieldProblem[] {
  return message
    .split(/; (?=[A-Za-z]+(?:\.\w+)*: )/)
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const match = /^([A-Za-z]+)(?:\.\w+)*: (.*)$/s.exec(part);
      if (match && isFormField(match[1]!)) return { field: match[1] as IndexFormField, message: match[2]! };
      return { field: null, message: part };
    });
}
