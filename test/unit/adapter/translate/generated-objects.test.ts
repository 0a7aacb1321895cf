/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument --
   this test walks untyped manifests as they come out of YAML. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { Service } from '@kubernetes-models/knative/serving.knative.dev/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { crdValidator } from '../../../support/crd-validator.ts';
import { HAS_SHARED_REFERENCE, SHARED_REFERENCE, SKIP_REASON } from '../../../support/shared-reference.ts';

// Every object the golden files and the examples hold, i.e. every shape the translator emits,
// checked against the typed models, the real CRD schemas and Knative's admission rules.
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
} & Record<string, any>;

function load(file: string): Obj[] {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return (JSON.parse(text) as { items: Obj[] }).items;
  return parseAllDocuments(text).map((d) => d.toJS() as Obj);
}

const files: string[] = [];
for (const dir of readdirSync(join(ROOT, 'test/golden'))) {
  for (const name of ['expected.yaml', 'expected.json']) {
    const file = join(ROOT, 'test/golden', dir, name);
    if (existsSync(file)) files.push(file);
  }
}
for (const dir of readdirSync(join(ROOT, 'manifests/examples'))) {
  files.push(join(ROOT, 'manifests/examples', dir, 'translated.yaml'));
}
const outputs = files.map((file) => ({ file: file.slice(ROOT.length), objects: load(file) }));
const all = outputs.flatMap((o) => o.objects.map((object) => ({ file: o.file, object })));
const byKind = (kind: string) => all.filter((x) => x.object.kind === kind);

describe('generated objects', () => {
  it('cover every kind the translator emits', () => {
    const kinds = new Set(all.map((x) => `${x.object.apiVersion} ${x.object.kind}`));
    expect([...kinds].sort()).toEqual([
      'apps/v1 Deployment',
      'keda.sh/v1alpha1 ScaledObject',
      'keda.sh/v1alpha1 TriggerAuthentication',
      'serving.knative.dev/v1 Service',
      'v1 ConfigMap',
    ]);
    expect(all.length).toBeGreaterThan(40);
  });

  it('validate with the typed models of kubernetes-models, @kubernetes-models/knative and /keda', () => {
    const models: Record<string, new (data: never) => { validate(): void }> = {
      Service,
      Deployment,
      ScaledObject,
      TriggerAuthentication,
      ConfigMap,
    };
    for (const { file, object } of all) {
      const Model = models[object.kind];
      expect(Model, `${file}: ${object.kind}`).toBeDefined();
      expect(
        () => new Model!(object as never).validate(),
        `${file}: ${object.kind} ${object.metadata.name}`,
      ).not.toThrow();
    }
  });

  describe.skipIf(!HAS_SHARED_REFERENCE)('against the exact CRD schemas (Knative 1.23, KEDA 2.20)', () => {
    const validators = HAS_SHARED_REFERENCE
      ? {
          Service: crdValidator(join(SHARED_REFERENCE, 'knative/service.yaml'), 'v1'),
          ScaledObject: crdValidator(join(SHARED_REFERENCE, 'keda/keda.sh_scaledobjects.yaml'), 'v1alpha1'),
          TriggerAuthentication: crdValidator(
            join(SHARED_REFERENCE, 'keda/keda.sh_triggerauthentications.yaml'),
            'v1alpha1',
          ),
        }
      : undefined;

    it('every Knative Service, ScaledObject and TriggerAuthentication', () => {
      let checked = 0;
      for (const { file, object } of all) {
        const validate = validators?.[object.kind as keyof typeof validators];
        if (validate === undefined) continue;
        const ok = validate(object);
        expect(
          ok,
          `${file}: ${object.kind} ${object.metadata.name}: ${JSON.stringify(validate.errors)}`,
        ).toBe(true);
        checked++;
      }
      expect(checked).toBeGreaterThan(25);
    });

    it('the strict schema check can fail (a misspelt field is caught)', () => {
      const so = byKind('ScaledObject')[0]!.object;
      const bad = { ...so, spec: { ...so['spec'], minReplicaCounts: 0 } };
      expect(validators!.ScaledObject(bad)).toBe(false);
    });
  });
  if (!HAS_SHARED_REFERENCE) console.warn(`CRD schema validation of generated objects: ${SKIP_REASON}`);

  it('follow the Knative admission rules (knative-keda.md §2.12)', () => {
    const containerFields = new Set([
      'name',
      'image',
      'imagePullPolicy',
      'command',
      'args',
      'workingDir',
      'env',
      'envFrom',
      'ports',
      'resources',
      'securityContext',
      'livenessProbe',
      'readinessProbe',
      'startupProbe',
      'terminationMessagePath',
      'terminationMessagePolicy',
      'volumeMounts',
    ]);
    for (const { file, object } of byKind('Service')) {
      const where = `${file}: ${object.metadata.name}`;
      expect(object.metadata.name, where).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
      for (const key of Object.keys(object.metadata.annotations ?? {})) {
        expect(key.startsWith('autoscaling.knative.dev/'), `${where}: ${key} on Service metadata`).toBe(
          false,
        );
      }
      const template = object['spec'].template;
      expect(template.metadata.name, where).toBeUndefined();
      const pod = template.spec;
      const containers: any[] = pod.containers;
      expect(containers.flatMap((c) => c.ports ?? []).length, `${where}: ports`).toBe(1);
      expect(containers[0].ports[0].containerPort, where).not.toBeOneOf([8012, 8013, 8022, 9090, 9091, 8008]);
      for (const c of containers) {
        for (const key of Object.keys(c))
          expect(containerFields.has(key), `${where}: ${c.name}.${key}`).toBe(true);
        for (const e of c.env ?? []) expect(e.name, where).not.toMatch(/^(PORT|K_.*)$/);
      }
      expect(pod.terminationGracePeriodSeconds, where).toBeUndefined();
      const volumes = new Map<string, any>((pod.volumes ?? []).map((v: any) => [v.name, v]));
      const mounted = new Set<string>();
      for (const c of [...containers, ...(pod.initContainers ?? [])]) {
        for (const m of c.volumeMounts ?? []) {
          mounted.add(m.name);
          const v = volumes.get(m.name);
          expect(v, `${where}: mount ${m.name}`).toBeDefined();
          if (v.secret || v.configMap || v.projected)
            expect(m.readOnly, `${where}: mount ${m.name}`).toBe(true);
        }
      }
      for (const name of volumes.keys())
        expect(mounted.has(name), `${where}: volume ${name} unmounted`).toBe(true);
      for (const [key, value] of Object.entries(template.metadata.annotations ?? {})) {
        if (key === 'autoscaling.knative.dev/min-scale' || key === 'autoscaling.knative.dev/max-scale') {
          expect(value, where).toMatch(/^\d+$/);
        }
      }
      if (pod.timeoutSeconds !== undefined) expect(pod.timeoutSeconds, where).toBeLessThanOrEqual(600);
    }
  });

  it('name ScaledObjects within 54 characters and wire each to its bridge', () => {
    for (const { file, objects } of outputs) {
      for (const so of objects.filter((o) => o.kind === 'ScaledObject')) {
        expect(so.metadata.name.length).toBeLessThanOrEqual(54);
        const bridge = objects.find(
          (o) => o.kind === 'Deployment' && o.metadata.name === so['spec'].scaleTargetRef.name,
        );
        expect(bridge, `${file}: ${so.metadata.name}`).toBeDefined();
        const env = new Map<string, string>(
          bridge!['spec'].template.spec.containers[0].env.map((e: any) => [e.name, e.value]),
        );
        const inputs = env.get('KNMESH_INPUT')!.split(',');
        expect(so['spec'].triggers.map((t: any) => t.metadata.topic)).toEqual(inputs);
        for (const t of so['spec'].triggers) {
          expect(t.metadata.subscription).toBe(env.get('KNMESH_SUBSCRIPTION'));
          if (t.authenticationRef) {
            expect(
              objects.some(
                (o) => o.kind === 'TriggerAuthentication' && o.metadata.name === t.authenticationRef.name,
              ),
            ).toBe(true);
          }
        }
        // The bridge posts to the Knative Service of the same file.
        const sink = new URL(env.get('KNMESH_SINK')!.replace('$(POD_NAMESPACE)', 'ns'));
        const service = sink.hostname.split('.')[0];
        expect(
          objects.some((o) => o.kind === 'Service' && o.metadata.name === service),
          `${file}: ${sink.href}`,
        ).toBe(true);
        expect(bridge!['spec']).not.toHaveProperty('replicas'); // KEDA owns the count after the first start
      }
    }
  });

  it('never carry a credential value: only Secret references', () => {
    for (const { file, object } of all) {
      expect(object.kind, file).not.toBe('Secret');
      const text = JSON.stringify(object);
      expect(text, file).not.toMatch(/token:[A-Za-z0-9]|clientAuthenticationParameters"\s*:/);
    }
    const auth = byKind('TriggerAuthentication');
    expect(auth.length).toBeGreaterThan(0);
    for (const { object } of auth) {
      expect(Object.keys(object['spec'])).toEqual(['secretTargetRef']);
    }
  });
});
