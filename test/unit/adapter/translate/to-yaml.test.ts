import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { toYaml } from '../../../../adapter/translate/to-yaml.ts';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
// YAML 1.1 as go-yaml (kubectl) reads it: these must stay strings.
const yaml11 = (text: string) => parse(text, { version: '1.1' }) as unknown;

const TRICKY = [
  '',
  ' ',
  'true',
  'False',
  'yes',
  'NO',
  'on',
  'Off',
  'y',
  'n',
  'null',
  '~',
  '0',
  '5',
  '-1',
  '1.5',
  '.5',
  '.inf',
  '.NaN',
  '1e3',
  '0x1F',
  '0777',
  '1:20',
  '2026-01-01',
  '=',
  '<<',
  'a: b',
  'a:',
  'a #b',
  '#comment',
  '- x',
  '[a]',
  '{a}',
  '*alias',
  '&anchor',
  '!tag',
  '|',
  '>',
  '%YAML',
  '@at',
  '`tick',
  "'single'",
  '"double"',
  'line\nbreak',
  'tab\there',
  'trailing ',
  'ünïcødé',
  '😀',
  'persistent://public/default/in',
  'http://svc.$(POD_NAMESPACE).svc.cluster.local',
  'a,b,c',
  '{"json":true}',
  'registry.example.com/img@sha256:abc',
  '/readyz',
  '1E',
  '100m',
  '1.5Gi',
  "it's",
  '\u0001ctl',
];

describe('toYaml', () => {
  it('keeps every tricky string a string with the same value, in YAML 1.2 and 1.1', () => {
    const value = {
      list: TRICKY,
      map: Object.fromEntries(TRICKY.map((s, i) => [s === '' ? 'empty' : s, i])),
    };
    const text = toYaml(value);
    expect(parse(text)).toEqual(value);
    expect(yaml11(text)).toEqual(value);
  });

  it('writes numbers, booleans, null and empty collections', () => {
    const value = {
      n: 3,
      f: 0.25,
      neg: -7,
      t: true,
      f2: false,
      z: null,
      e: {},
      a: [],
      nested: [[1, 'x'], []],
    };
    expect(parse(toYaml(value))).toEqual(value);
  });

  it('lays out blocks the way kubectl users read them', () => {
    expect(
      toYaml({
        spec: { containers: [{ name: 'c', args: ['serve', 'f.ts'], env: [{ name: 'A', value: '1' }] }] },
      }),
    ).toBe(
      [
        'spec:',
        '  containers:',
        '    - name: c',
        '      args:',
        '        - serve',
        '        - f.ts',
        '      env:',
        '        - name: A',
        '          value: "1"',
        '',
      ].join('\n'),
    );
  });

  it('reads back as the same objects for every golden and example output', () => {
    let checked = 0;
    const files = [
      ...readdirSync(join(ROOT, 'test/golden')).map((d) => join(ROOT, 'test/golden', d, 'expected.yaml')),
      ...readdirSync(join(ROOT, 'manifests/examples')).map((d) =>
        join(ROOT, 'manifests/examples', d, 'translated.yaml'),
      ),
    ].filter((f) => existsSync(f));
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const doc of text.split(/^---\n/m).filter((d) => d !== '')) {
        const value = parse(doc) as object;
        expect(toYaml(value), file).toBe(doc);
        expect(yaml11(doc), file).toEqual(value);
        checked++;
      }
      expect(parseAllDocuments(text).every((d) => d.errors.length === 0)).toBe(true);
    }
    expect(checked).toBeGreaterThan(40);
  });
});
