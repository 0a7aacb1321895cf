import type { Readable } from 'node:stream';
import { parseDocuments, type ParsedDocument } from '../input/parse-documents.ts';
import { readInputs } from '../input/read-inputs.ts';
import type { KubernetesObject } from '../translate/kubernetes-object.ts';
import type { TranslateOptions } from '../translate/translate-options.ts';
import { translate } from '../translate/translate.ts';
import { formatDiagnostic, formatParseProblem } from './format-diagnostic.ts';

export interface TranslatedFiles {
  readonly objects: KubernetesObject[];
  /** Errors and warnings, one formatted line each, in source order. */
  readonly messages: string[];
  /** True when any error was found: the objects must then not be used. */
  readonly failed: boolean;
}

/**
 * Reads `-f` inputs and translates them: the one path from Function Mesh files to Kubernetes
 * objects, shared by `knmesh translate` (prints them) and `knmesh dev` (runs them).
 */
export async function translateFiles(
  filenames: readonly string[],
  io: { readonly stdin: Readable; readonly cwd: string },
  options: TranslateOptions,
): Promise<TranslatedFiles> {
  const messages: string[] = [];
  let failed = false;
  const { sources, problems } = await readInputs(filenames, io);
  for (const p of problems) messages.push(`${p.name}: error: ${p.message}`);
  failed ||= problems.length > 0;

  const documents: ParsedDocument[] = [];
  for (const source of sources) {
    const result = parseDocuments(source);
    for (const p of result.problems) {
      messages.push(formatParseProblem(p));
      failed ||= p.severity === 'error';
    }
    documents.push(...result.documents);
  }

  const results = translate(
    documents.map((d) => d.value),
    options,
  );
  const objects: KubernetesObject[] = [];
  results.forEach((result, i) => {
    const doc = documents[i]!;
    // In source order, so the messages read top to bottom like the file.
    const located = result.diagnostics.map((d) => ({ d, pos: doc.locate(d.path) }));
    located.sort(
      (a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.column ?? 0) - (b.pos?.column ?? 0),
    );
    for (const { d } of located) {
      messages.push(formatDiagnostic(doc, result.kind, result.name, d));
      failed ||= d.severity === 'error';
    }
    objects.push(...result.objects);
  });
  return { objects, messages, failed };
}
