import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { translate } from '../../../../adapter/translate/translate.ts';

// The translator turns any input into findings, never into an exception: every field of rich
// inputs is replaced, one at a time, by values of every other shape.
const INPUTS = ['function-full', 'source', 'sink', 'mesh-defaults', 'tls-auth', 'feature-flags'].map(
  (name) =>
    parseAllDocuments(
      readFileSync(new URL(`../../../golden/${name}/input.yaml`, import.meta.url), 'utf8'),
    )[0]!.toJS() as unknown,
);
const REPLACEMENTS: unknown[] = [null, 'x', 0, -1, true, [], {}, [null], { '': null }];
const OPTIONS = {
  image: 'knmesh:test',
  namespace: undefined,
  clusterDomain: 'cluster.local',
  strict: false,
  passthrough: false,
};

function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

function replaced(doc: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

describe('robustness', () => {
  it('never throws, whatever shape any field has', () => {
    let runs = 0;
    for (const doc of INPUTS) {
      for (const path of paths(doc)) {
        for (const value of REPLACEMENTS) {
          const input = replaced(doc, path, value);
          expect(() => translate([input], OPTIONS), JSON.stringify({ path, value })).not.toThrow();
          runs++;
        }
      }
    }
    expect(runs).toBeGreaterThan(1000);
  });
});
