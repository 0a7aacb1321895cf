/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call --
   building probe documents field by field is untyped by nature. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fieldEntry } from '../../../../adapter/translate/check-fields.ts';
import { formatPath } from '../../../../adapter/translate/format-path.ts';
import {
  fieldTable,
  type ComponentKind,
  type DocumentKind,
  type FieldEntry,
} from '../../../../adapter/translate/field-table.ts';
import { translate } from '../../../../adapter/translate/translate.ts';
import { HAS_SHARED_REFERENCE, SHARED_REFERENCE, SKIP_REASON } from '../../../support/shared-reference.ts';

type SchemaNode = {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
  enum?: string[];
  format?: string;
  minimum?: number;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
};

const CRDS: Record<DocumentKind, string> = {
  Function: 'compute.functionmesh.io_functions.yaml',
  Source: 'compute.functionmesh.io_sources.yaml',
  Sink: 'compute.functionmesh.io_sinks.yaml',
  FunctionMesh: 'compute.functionmesh.io_functionmeshes.yaml',
};

function rootSchema(kind: DocumentKind): SchemaNode {
  const crd = parse(readFileSync(join(SHARED_REFERENCE, 'function-mesh/crds', CRDS[kind]), 'utf8')) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: SchemaNode } }[] };
  };
  return crd.spec.versions.find((v) => v.name === 'v1alpha1')!.schema.openAPIV3Schema;
}

function schemaType(node: SchemaNode): string {
  if (node['x-kubernetes-int-or-string'] === true) return 'quantity';
  if (node.type === 'object') {
    if (node.properties !== undefined) return 'object';
    if (typeof node.additionalProperties === 'object') return 'map';
    if (node['x-kubernetes-preserve-unknown-fields'] === true) return 'free';
    return 'object';
  }
  return node.type ?? '(none)';
}

/**
 * Walks a CRD schema from `path` with the field table of `kind`: every schema field must have an
 * entry whose type, enum, format, minimum and required list agree with the CRD. Returns the
 * problems and the table paths visited.
 */
function walkSchema(
  node: SchemaNode,
  kind: DocumentKind,
  path: string,
  problems: string[],
  visited: Set<string>,
): void {
  const entry = fieldEntry(kind, path);
  if (entry === undefined) {
    problems.push(`${kind} ${path}: in the CRD, not in the field table`);
    return;
  }
  visited.add(path);
  const where = `${kind} ${path}`;
  if (entry.type !== schemaType(node))
    problems.push(`${where}: type ${entry.type}, CRD says ${schemaType(node)}`);
  if (JSON.stringify([...(entry.enum ?? [])].sort()) !== JSON.stringify([...(node.enum ?? [])].sort())) {
    problems.push(`${where}: enum ${String(entry.enum)}, CRD says ${String(node.enum)}`);
  }
  if (node.type === 'integer' && entry.format !== node.format) {
    problems.push(`${where}: format ${entry.format}, CRD says ${node.format}`);
  }
  if (entry.minimum !== node.minimum)
    problems.push(`${where}: minimum ${entry.minimum}, CRD says ${node.minimum}`);
  // An opaque entry's subtree (and so its required list) is not described by the table.
  const required = entry.opaque === true ? [...(node.required ?? [])] : [...(entry.required ?? [])];
  if (JSON.stringify(required.sort()) !== JSON.stringify([...(node.required ?? [])].sort())) {
    problems.push(`${where}: required ${String(entry.required)}, CRD says ${String(node.required)}`);
  }
  if (entry.opaque === true) return;
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    walkSchema(child, kind, path === '' ? name : `${path}.${name}`, problems, visited);
  }
  if (node.items !== undefined) walkSchema(node.items, kind, `${path}[]`, problems, visited);
  if (typeof node.additionalProperties === 'object')
    walkSchema(node.additionalProperties, kind, `${path}{}`, problems, visited);
}

function walkRoot(kind: DocumentKind): { problems: string[]; visited: Set<string> } {
  const problems: string[] = [];
  const visited = new Set<string>();
  for (const [name, child] of Object.entries(rootSchema(kind).properties!)) {
    walkSchema(child, kind, name, problems, visited);
  }
  return { problems, visited };
}

describe.skipIf(!HAS_SHARED_REFERENCE)('the field table against the Function Mesh CRDs', () => {
  for (const kind of ['Function', 'Source', 'Sink'] as const) {
    it(`lists every field of the ${kind} CRD, with the CRD's type, enum, format, minimum and required`, () => {
      const { problems, visited } = walkRoot(kind);
      expect(problems).toEqual([]);
      // ... and nothing the CRD does not have (ObjectMeta fields are Kubernetes', not the CRD's).
      const stale = fieldTable
        .filter((e) => e.kinds.includes(kind) && e.objectMeta !== true && !visited.has(e.path))
        .map((e) => e.path);
      expect(stale).toEqual([]);
      expect(visited.size).toBeGreaterThan(80);
    });
  }

  it('lists every field of the FunctionMesh CRD, and its members are Function, Source and Sink specs', () => {
    const { problems, visited } = walkRoot('FunctionMesh');
    const mesh = rootSchema('FunctionMesh');
    for (const [list, kind] of [
      ['functions', 'Function'],
      ['sources', 'Source'],
      ['sinks', 'Sink'],
    ] as const) {
      const member = mesh.properties!['spec']!.properties![list]!.items!;
      const memberVisited = new Set<string>();
      walkSchema(member, kind, 'spec', problems, memberVisited);
      expect(memberVisited.size).toBeGreaterThan(60);
    }
    expect(problems).toEqual([]);
    expect(visited.has('spec.functions[]')).toBe(true);
  });

  it('fails on a field the table does not list (the check can fail)', () => {
    const schema = rootSchema('Function');
    schema.properties!['spec']!.properties!['brandNewField'] = { type: 'string' };
    const problems: string[] = [];
    walkSchema(schema.properties!['spec']!, 'Function', 'spec', problems, new Set());
    expect(problems).toEqual(['Function spec.brandNewField: in the CRD, not in the field table']);
  });
});
if (!HAS_SHARED_REFERENCE) console.warn(`Field table vs CRD schemas: ${SKIP_REASON}`);

describe('the field table itself', () => {
  it('has one entry per path and kind, each under a parent of the right type', () => {
    const seen = new Set<string>();
    for (const entry of fieldTable) {
      for (const kind of entry.kinds) {
        const key = `${kind} ${entry.path}`;
        expect(seen.has(key), key).toBe(false);
        seen.add(key);
        const parent = /^(.*)(\[\]|\{\}|\.[^.[{]+)$/.exec(entry.path);
        if (parent === null) continue;
        const parentEntry = fieldEntry(kind, parent[1]!);
        expect(parentEntry, `${key}: parent ${parent[1]}`).toBeDefined();
        const expected = parent[2] === '[]' ? 'array' : parent[2] === '{}' ? 'map' : 'object';
        expect(parentEntry!.type, `${key}: parent type`).toBe(expected);
      }
    }
  });

  it('gives every warned or rejected field a reason and a sample that triggers it', () => {
    for (const entry of fieldTable) {
      if (entry.treatment === 'mapped') continue;
      expect(entry.note.length, entry.path).toBeGreaterThan(10);
      for (const kind of entry.kinds) {
        if (kind === 'FunctionMesh') continue;
        const parent = /^(.*)(\[\]|\{\}|\.[^.[{]+)$/.exec(entry.path)?.[1];
        const parentEntry = parent === undefined ? undefined : fieldEntry(kind, parent);
        // A child of a reported field is covered by its parent's report.
        if (parentEntry !== undefined && parentEntry.treatment !== 'mapped') continue;
        expect(entry.sample, `${kind} ${entry.path} needs a sample`).toBeDefined();
      }
    }
  });
});

// Minimal valid objects; each test below adds one field to one of them.
function base(kind: ComponentKind): Record<string, any> {
  const common = {
    resources: { requests: { memory: '64Mi' }, limits: { memory: '64Mi' } },
    pulsar: { pulsarConfig: 'pulsar-config' },
  };
  const spec: Record<ComponentKind, Record<string, unknown>> = {
    Function: {
      input: { topics: ['persistent://public/default/in'] },
      output: { topic: 'persistent://public/default/out' },
      genericRuntime: { language: 'nodejs', functionFile: 'f.ts' },
      ...common,
    },
    Sink: {
      input: { topics: ['persistent://public/default/in'] },
      genericRuntime: { language: 'nodejs', functionFile: 'f.ts' },
      ...common,
    },
    Source: {
      image: 'registry.example.com/emitter:1',
      output: { topic: 'persistent://public/default/out' },
      ...common,
    },
  };
  return {
    apiVersion: 'compute.functionmesh.io/v1alpha1',
    kind,
    metadata: {
      name: 'probe',
      ...(kind === 'Source' ? { annotations: { 'knmesh.dev/protocol': 'cloudevents' } } : {}),
    },
    spec: structuredClone(spec[kind]),
  };
}

const KEY = 'persistent://public/default/in';

// Fields whose sample needs company to be valid (a mount needs its volume; a pattern replaces topics).
const PREPARE: Record<string, (doc: Record<string, any>) => void> = {
  'spec.input.topicPattern': (doc) => delete doc['spec'].input.topics,
  'spec.volumeMounts[].mountPropagation': (doc) =>
    (doc['spec'].pod = { volumes: [{ name: 'v', emptyDir: {} }] }),
  'spec.volumeMounts[].recursiveReadOnly': (doc) =>
    (doc['spec'].pod = { volumes: [{ name: 'v', emptyDir: {} }] }),
  'spec.volumeMounts[].subPathExpr': (doc) => (doc['spec'].pod = { volumes: [{ name: 'v', emptyDir: {} }] }),
};

function place(doc: Record<string, any>, path: string, sample: unknown): (string | number)[] {
  const parts = path.match(/[^.[\]{}]+|\[\]|\{\}/g)!;
  const out: (string | number)[] = [];
  let node: any = doc;
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const key: string | number = part === '[]' ? 0 : part === '{}' ? KEY : part;
    out.push(key);
    if (last) {
      node[key] = sample;
      return;
    }
    const next = parts[i + 1];
    if (node[key] === undefined || typeof node[key] !== 'object') node[key] = next === '[]' ? [] : {};
    if (next === '[]' && node[key].length === 0)
      node[key].push(path.startsWith('spec.volumeMounts') ? { name: 'v', mountPath: '/v' } : {});
    node = node[key];
  });
  return out;
}

describe('no field is silently dropped', () => {
  const cases: { kind: ComponentKind; entry: FieldEntry }[] = [];
  for (const entry of fieldTable) {
    if (entry.treatment === 'mapped' || entry.sample === undefined) continue;
    for (const kind of entry.kinds) if (kind !== 'FunctionMesh') cases.push({ kind, entry });
  }

  it('covers every warned and rejected field of every kind', () => {
    expect(cases.length).toBeGreaterThan(90);
  });

  for (const { kind, entry } of cases) {
    it(`${kind} ${entry.path}: ${entry.treatment}`, () => {
      const doc = base(kind);
      PREPARE[entry.path]?.(doc);
      const path = place(doc, entry.path, structuredClone(entry.sample));
      const [result] = translate([doc], {
        image: 'knmesh:test',
        namespace: undefined,
        clusterDomain: 'cluster.local',
        strict: false,
        passthrough: false,
      });
      const found = result!.diagnostics.filter((d) => formatPath(d.path) === formatPath(path));
      expect(
        found.length,
        `${formatPath(path)} not reported; got ${JSON.stringify(result!.diagnostics)}`,
      ).toBeGreaterThan(0);
      expect(found[0]!.severity).toBe(entry.treatment === 'rejected' ? 'error' : 'warning');
      if (entry.treatment === 'rejected') expect(result!.objects).toEqual([]);
    });
  }

  it('translates the bare base objects without any finding (the check above can fail)', () => {
    for (const kind of ['Function', 'Source', 'Sink'] as const) {
      const [result] = translate([base(kind)], {
        image: 'knmesh:test',
        namespace: undefined,
        clusterDomain: 'cluster.local',
        strict: false,
        passthrough: false,
      });
      expect(result!.diagnostics, kind).toEqual([]);
      expect(result!.objects.length, kind).toBeGreaterThan(1);
    }
  });
});
