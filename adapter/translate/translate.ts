import { checkFields, fieldEntry } from './check-fields.ts';
import { checkLabels } from './check-labels.ts';
import { checkWebhookRules } from './check-webhook-rules.ts';
import type { ComponentSpec } from './component-spec.ts';
import type { Component } from './component.ts';
import { Diagnostics, type Diagnostic, type FieldPath } from './diagnostics.ts';
import type { DocumentKind } from './field-table.ts';
import type { KubernetesObject } from './kubernetes-object.ts';
import { objectLabels } from './object-meta.ts';
import { reportInlineCredentials } from './report-inline-credentials.ts';
import { toDnsLabel } from './to-dns-label.ts';
import { withoutNulls } from './without-nulls.ts';
import { translateConsumer } from './translate-consumer.ts';
import type { TranslateOptions } from './translate-options.ts';
import { translateSource } from './translate-source.ts';

export const FUNCTION_MESH_API_VERSION = 'compute.functionmesh.io/v1alpha1';
const DOCUMENT_KINDS: readonly DocumentKind[] = ['Function', 'Source', 'Sink', 'FunctionMesh'];
// Members in data-flow order: sources, functions, sinks.
const MEMBER_LISTS = [
  ['sources', 'Source'],
  ['functions', 'Function'],
  ['sinks', 'Sink'],
] as const;
// What knmesh itself generates: such input is most likely translated output fed back in.
const OUTPUT_KINDS = new Set([
  'serving.knative.dev/v1 Service',
  'apps/v1 Deployment',
  'keda.sh/v1alpha1 ScaledObject',
  'keda.sh/v1alpha1 TriggerAuthentication',
]);
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface DocumentTranslation {
  /** `kind` and `metadata.name` of the input document, when it has them (for messages). */
  readonly kind: string | undefined;
  readonly name: string | undefined;
  readonly objects: readonly KubernetesObject[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Translates parsed documents (one JSON value each) into Kubernetes objects. Pure and
 * deterministic: no I/O, no clock, no randomness; bad input becomes diagnostics, never an
 * exception. A document with an error yields no objects.
 */
export function translate(documents: readonly unknown[], options: TranslateOptions): DocumentTranslation[] {
  const results = documents.map((doc) => translateDocument(doc, options));
  // Two documents must not generate the same object: the later one would silently replace it.
  const owners = new Map<string, number>();
  return results.map((result, index) => {
    const d = new Diagnostics();
    for (const o of result.objects) {
      const key = `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      const owner = owners.get(key);
      if (owner === undefined) owners.set(key, index);
      else {
        d.error({
          path: ['metadata', 'name'],
          rule: `generates ${o.kind} ${o.metadata.name}, which document ${owner + 1} of the input generates too`,
        });
      }
    }
    if (d.items.length === 0) return result;
    return { ...result, objects: [], diagnostics: [...result.diagnostics, ...d.items] };
  });
}

/**
 * A `kind: List` (what `kubectl get functions -o yaml` prints): every item is translated like a
 * document of its own, and its messages point into `items[i]`. One bad item fails the whole List,
 * as an error fails a whole document.
 */
function translateList(items: readonly unknown[], options: TranslateOptions): DocumentTranslation {
  const results = items.map((item) => translateDocument(item, options));
  const diagnostics = results.flatMap((r, i) =>
    r.diagnostics.map((diagnostic) => ({ ...diagnostic, path: ['items', i, ...diagnostic.path] })),
  );
  const failed = diagnostics.some((diagnostic) => diagnostic.severity === 'error');
  return {
    kind: 'List',
    name: undefined,
    objects: failed ? [] : results.flatMap((r) => r.objects),
    diagnostics,
  };
}

function translateDocument(doc: unknown, options: TranslateOptions): DocumentTranslation {
  const d = new Diagnostics();
  const done = (kind?: string, name?: string, objects: KubernetesObject[] = []): DocumentTranslation => ({
    kind,
    name,
    objects: d.hasErrors ? [] : objects,
    diagnostics: d.items,
  });
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    d.error({
      path: [],
      rule: 'a document must be a Kubernetes object: a mapping with apiVersion, kind and metadata',
    });
    return done();
  }
  const object = doc as Record<string, unknown>;
  const apiVersion = object['apiVersion'];
  const kind = object['kind'];
  const metadata = object['metadata'];
  const name =
    typeof metadata === 'object' &&
    metadata !== null &&
    typeof (metadata as Record<string, unknown>)['name'] === 'string'
      ? ((metadata as Record<string, unknown>)['name'] as string)
      : undefined;
  if (typeof kind !== 'string' || kind === '') {
    d.error({ path: ['kind'], rule: 'is required' });
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    d.error({ path: ['apiVersion'], rule: 'is required' });
  }
  if (d.hasErrors) return done(typeof kind === 'string' ? kind : undefined, name);
  const k = kind as string;

  if (k === 'List' && Array.isArray(object['items'])) return translateList(object['items'], options);

  if (!DOCUMENT_KINDS.includes(k as DocumentKind)) {
    if (!options.passthrough) {
      const hint = OUTPUT_KINDS.has(`${String(apiVersion)} ${k}`)
        ? '; it looks like knmesh output: translate the Function Mesh objects, not their translation'
        : '; --passthrough copies objects of other kinds to the output';
      d.error({
        path: ['kind'],
        rule: `${String(apiVersion)} ${k} is not a Function Mesh kind (Function, Source, Sink, FunctionMesh)${hint}`,
      });
      return done(k, name);
    }
    if (k === 'Secret') {
      d.error({
        path: ['kind'],
        rule: 'Secrets are not passed through: knmesh never writes credentials to its output; apply them separately',
        value: k,
      });
      return done(k, name);
    }
    if (name === undefined) d.error({ path: ['metadata', 'name'], rule: 'is required' });
    return done(k, name, [object as KubernetesObject]);
  }

  const documentKind = k as DocumentKind;
  // Errors that leave the document unreadable stop it here; rejected fields do not, so one run
  // reports every problem of a readable document.
  let readable = true;
  if (apiVersion !== FUNCTION_MESH_API_VERSION) {
    d.error({
      path: ['apiVersion'],
      rule: `must be ${FUNCTION_MESH_API_VERSION} for a ${k}`,
      value: apiVersion,
    });
    readable = false;
  }
  for (const [key, value] of Object.entries(object)) {
    if (fieldEntry(documentKind, key) === undefined) {
      d.error({ path: [key], rule: `unknown field: the ${k} schema has no such field` });
      readable = false;
    } else {
      readable = checkFields(value, documentKind, key, [key], d) && readable;
    }
  }
  const before = d.items.length;
  if (name === undefined) d.error({ path: ['metadata', 'name'], rule: 'is required' });
  if (!readable) return done(k, name);
  const clean = withoutNulls(object) as Record<string, unknown>;
  if (name !== undefined && (name.length > 253 || !OBJECT_NAME.test(name))) {
    d.error({
      path: ['metadata', 'name'],
      rule: 'is not a Kubernetes object name (lower-case DNS subdomain)',
      value: name,
    });
  }
  const meta = (clean['metadata'] ?? {}) as {
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  checkLabels(meta.labels, ['metadata', 'labels'], d);
  let namespace = meta.namespace;
  if (namespace !== undefined && options.namespace !== undefined && namespace !== options.namespace) {
    d.error({
      path: ['metadata', 'namespace'],
      rule: `differs from --namespace ${options.namespace} (as kubectl, knmesh does not move objects between namespaces)`,
      value: namespace,
    });
  }
  namespace ??= options.namespace;
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
    d.error({
      path: ['metadata', 'namespace'],
      rule: 'is not a namespace name (DNS-1123 label)',
      value: namespace,
    });
  }
  const spec = clean['spec'];
  if (spec === undefined) d.error({ path: ['spec'], rule: 'is required' });
  if (d.items.slice(before).some((x) => x.severity === 'error')) return done(k, name);

  const base = {
    namespace,
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    annotationsPath: ['metadata', 'annotations'],
  };
  const components: { component: Component; namePath: FieldPath }[] = [];
  if (documentKind === 'FunctionMesh') {
    const mesh = spec as Record<string, unknown[] | undefined>;
    for (const [list, memberKind] of MEMBER_LISTS) {
      (mesh[list] ?? []).forEach((member, i) => {
        const specPath = ['spec', list, i];
        const memberReadable = checkFields(member, memberKind, 'spec', specPath, d);
        const memberSpec = (member ?? {}) as ComponentSpec;
        if (typeof memberSpec.name !== 'string' || memberSpec.name === '') {
          d.error({
            path: [...specPath, 'name'],
            rule: 'is required: Function Mesh names a member <mesh>-<name>',
          });
          return;
        }
        if (!memberReadable) return;
        components.push({
          component: {
            ...base,
            kind: memberKind,
            name: `${name!}-${memberSpec.name}`,
            pulsarName: memberSpec.name,
            spec: memberSpec,
            specPath,
            partOf: name!,
          },
          namePath: [...specPath, 'name'],
        });
      });
    }
    if (MEMBER_LISTS.every(([list]) => (mesh[list] ?? []).length === 0)) {
      d.error({ path: ['spec'], rule: 'a FunctionMesh needs at least one function, source or sink' });
    }
  } else {
    const componentSpec = spec as ComponentSpec;
    components.push({
      component: {
        ...base,
        kind: documentKind,
        name: name!,
        pulsarName: componentSpec.name || name!,
        spec: componentSpec,
        specPath: ['spec'],
        partOf: name!,
      },
      namePath: ['metadata', 'name'],
    });
  }

  const objects: KubernetesObject[] = [];
  for (const { component, namePath } of components) {
    objects.push(...translateComponent(component, namePath, options, d));
  }
  return done(k, name, objects);
}

function translateComponent(
  c: Component,
  namePath: FieldPath,
  options: TranslateOptions,
  d: Diagnostics,
): KubernetesObject[] {
  checkWebhookRules(c, d, namePath);
  reportInlineCredentials(c, d);
  checkLabels(c.spec.pod?.labels, [...c.specPath, 'pod', 'labels'], d);
  const label = toDnsLabel(c.name);
  if (label !== c.name) {
    d.warning({
      path: namePath,
      rule: `is not a DNS-1035 label, which Knative Service names must be: objects are named from ${label}`,
      value: c.name,
    });
  }
  const ours = objectLabels(c, c.kind === 'Source' ? 'source' : c.kind === 'Sink' ? 'sink' : 'function');
  for (const [key, value] of Object.entries(c.labels)) {
    if (key.startsWith('app.kubernetes.io/') && ours[key] !== value) {
      d.warning({
        path: ['metadata', 'labels', key],
        rule: `replaced: knmesh sets ${key} on the objects it generates`,
        value,
      });
    }
  }
  return c.kind === 'Source' ? translateSource(c, options, d) : translateConsumer(c, options, d);
}
