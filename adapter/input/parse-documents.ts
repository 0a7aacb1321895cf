import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
} from 'yaml';
import type { FieldPath } from '../translate/diagnostics.ts';
import type { InputSource } from './input-source.ts';

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** One YAML or JSON document of an input, parsed, with a way back to its source text. */
export interface ParsedDocument {
  readonly source: string;
  /** 1-based position of the document in its input (counting empty documents). */
  readonly index: number;
  readonly value: unknown;
  /** Where a field (or, if it is missing, its nearest present parent) is written. */
  locate(path: FieldPath): SourcePosition | undefined;
}

export interface ParseProblem {
  readonly source: string;
  readonly index?: number;
  readonly position?: SourcePosition;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses an input as a stream of YAML documents (JSON is YAML, so `.json` files and JSON on stdin
 * parse the same way) keeping source positions for messages. Inputs that are not UTF-8 text, have
 * a NUL byte, or contain no document are problems, as are YAML syntax errors and duplicate keys.
 */
export function parseDocuments(input: InputSource): {
  documents: ParsedDocument[];
  problems: ParseProblem[];
} {
  const problems: ParseProblem[] = [];
  const fail = (message: string, extra?: Partial<ParseProblem>) => {
    problems.push({ source: input.name, message, severity: 'error', ...extra });
    return { documents: [], problems };
  };
  const nul = input.bytes.indexOf(0);
  if (nul !== -1) return fail(`binary content (a NUL byte at offset ${nul}): not YAML or JSON text`);
  let text: string;
  try {
    text = decoder.decode(input.bytes);
  } catch {
    return fail('not UTF-8 text: not YAML or JSON');
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);

  const lineCounter = new LineCounter();
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const parsed = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
  });
  const streams = Array.isArray(parsed) ? parsed : [];
  const documents: ParsedDocument[] = [];
  streams.forEach((doc, i) => {
    const index = i + 1;
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        problems.push({
          source: input.name,
          index,
          position: position(error.pos[0]),
          message: `invalid YAML: ${error.message.split('\n')[0]!}`,
          severity: 'error',
        });
      }
      return;
    }
    for (const warning of doc.warnings) {
      problems.push({
        source: input.name,
        index,
        position: position(warning.pos[0]),
        message: warning.message.split('\n')[0]!,
        severity: 'warning',
      });
    }
    // `---` with nothing after it is an empty document, which kubectl skips too.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      problems.push({
        source: input.name,
        index,
        message: `invalid YAML: ${(error as Error).message.split('\n')[0]!}`,
        severity: 'error',
      });
      return;
    }
    documents.push({ source: input.name, index, value, locate: (path) => locate(doc, path, position) });
  });
  if (documents.length === 0 && !problems.some((p) => p.severity === 'error')) {
    return fail('no objects: the input is empty');
  }
  return { documents, problems };
}

// Walks the YAML tree along `path`, preferring the key of the last step (so "unknown field x"
// points at `x:`), falling back to the deepest node that exists.
function locate(
  doc: Document,
  path: FieldPath,
  position: (offset: number) => SourcePosition,
): SourcePosition | undefined {
  let node: Node | null | undefined = doc.contents;
  let best = node?.range?.[0];
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part),
      );
      if (pair === undefined) break;
      const keyNode = pair.key as Node;
      best = keyNode.range?.[0] ?? best;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part] as Node | undefined;
      if (item === undefined) break;
      best = item.range?.[0] ?? best;
      node = item;
    } else {
      break;
    }
  }
  return best === undefined ? undefined : position(best);
}
