import type { ParsedDocument, ParseProblem } from '../input/parse-documents.ts';
import type { Diagnostic } from '../translate/diagnostics.ts';
import { formatPath } from '../translate/format-path.ts';

/**
 * One line per finding, compiler style, so editors can jump to it:
 * `file:line:col: error: document N (Kind name): field.path = value: rule`.
 * Values of secret findings are never shown.
 */
export function formatDiagnostic(
  doc: ParsedDocument,
  kind: string | undefined,
  name: string | undefined,
  diagnostic: Diagnostic,
): string {
  const pos = doc.locate(diagnostic.path);
  const where = pos === undefined ? doc.source : `${doc.source}:${pos.line}:${pos.column}`;
  const what = kind === undefined ? '' : ` (${kind}${name === undefined ? '' : ` ${name}`})`;
  const field = diagnostic.path.length === 0 ? '' : ` ${formatPath(diagnostic.path)}`;
  const value = diagnostic.secret
    ? ' = (value not shown)'
    : diagnostic.shown === undefined
      ? ''
      : ` = ${diagnostic.shown}`;
  const subject = field === '' && value === '' ? '' : `${field}${value}:`;
  return `${where}: ${diagnostic.severity}: document ${doc.index}${what}:${subject} ${diagnostic.rule}`;
}

export function formatParseProblem(problem: ParseProblem): string {
  const where =
    problem.position === undefined
      ? problem.source
      : `${problem.source}:${problem.position.line}:${problem.position.column}`;
  const document = problem.index === undefined ? '' : ` document ${problem.index}:`;
  return `${where}: ${problem.severity}:${document} ${problem.message}`;
}
