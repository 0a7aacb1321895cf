import { describe, expect, it } from 'vitest';
import { parseDocuments } from '../../../../adapter/input/parse-documents.ts';

const source = (text: string) => ({ name: 'in.yaml', bytes: new TextEncoder().encode(text) });

describe('parseDocuments', () => {
  it('splits multi-document YAML, skipping empty documents but counting them', () => {
    const { documents, problems } = parseDocuments(source('---\n---\na: 1\n---\nb: [2]\n'));
    expect(problems).toEqual([]);
    expect(documents.map((d) => [d.index, d.value])).toEqual([
      [2, { a: 1 }],
      [3, { b: [2] }],
    ]);
  });

  it('reads JSON and strips a byte-order mark', () => {
    const { documents } = parseDocuments(source('\uFEFF{"kind": "Function", "spec": {"x": [1, 2]}}'));
    expect(documents[0]!.value).toEqual({ kind: 'Function', spec: { x: [1, 2] } });
  });

  it('locates a field (its key), else its nearest present parent', () => {
    const { documents } = parseDocuments(
      source('kind: Function\nspec:\n  input:\n    topics:\n      - a\n      - b\n'),
    );
    const doc = documents[0]!;
    expect(doc.locate(['spec', 'input'])).toEqual({ line: 3, column: 3 });
    expect(doc.locate(['spec', 'input', 'topics', 1])).toEqual({ line: 6, column: 9 });
    expect(doc.locate(['spec', 'input', 'missing', 'deeper'])).toEqual({ line: 3, column: 3 });
    expect(doc.locate([])).toEqual({ line: 1, column: 1 });
  });

  it('reports YAML warnings (unknown tags) without failing', () => {
    const { documents, problems } = parseDocuments(source('a: !custom b\n'));
    expect(documents[0]!.value).toEqual({ a: 'b' });
    expect(problems).toEqual([
      {
        source: 'in.yaml',
        index: 1,
        position: { line: 1, column: 4 },
        message: 'Unresolved tag: !custom',
        severity: 'warning',
      },
    ]);
  });

  it('refuses alias bombs', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    const { documents, problems } = parseDocuments(source(bomb));
    expect(documents).toEqual([]);
    expect(problems[0]!.message).toMatch(/^invalid YAML: Excessive alias count/);
  });
});
