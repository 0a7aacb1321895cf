import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_IMAGE } from '../../../../adapter/cli/translate-options.ts';
import { planLocalRun } from '../../../../adapter/dev/plan-local-run.ts';
import type { KubernetesObject } from '../../../../adapter/translate/kubernetes-object.ts';

function translated(example: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(`manifests/examples/${example}/translated.yaml`, 'utf8')).map(
    (d) => d.toJS() as KubernetesObject,
  );
}

describe('planLocalRun', () => {
  it('runs a function as serve then bridge, and skips what needs a cluster', () => {
    const plan = planLocalRun(translated('exclamation'), DEFAULT_IMAGE);
    expect(plan.processes.map((p) => [p.role, p.name, p.serviceName])).toEqual([
      ['serve', 'exclamation', 'exclamation'],
      ['bridge', 'exclamation-bridge', undefined],
    ]);
    expect(plan.skipped.map((s) => `${s.kind} ${s.name}`)).toEqual(['ScaledObject exclamation-bridge']);
  });

  it('runs the knmesh parts of a FunctionMesh and lists the container images it cannot run', () => {
    const plan = planLocalRun(translated('pipeline'), DEFAULT_IMAGE);
    expect(plan.processes.map((p) => `${p.role} ${p.name}`)).toEqual([
      'serve pipeline-parse',
      'serve pipeline-filter',
      'bridge pipeline-parse-bridge',
      'bridge pipeline-filter-bridge',
      'bridge pipeline-display-bridge',
      'ingress pipeline-heartbeats-ingress',
    ]);
    expect(plan.skipped.filter((s) => s.kind !== 'ScaledObject')).toEqual([
      {
        name: 'pipeline-heartbeats',
        kind: 'Deployment',
        reason:
          'runs the container image gcr.io/knative-releases/knative.dev/eventing/cmd/heartbeats, which needs a cluster',
      },
      {
        name: 'pipeline-display',
        kind: 'Service',
        reason:
          'runs the container image gcr.io/knative-releases/knative.dev/eventing/cmd/event_display, which needs a cluster',
      },
    ]);
  });

  it('only runs containers of the image the objects were translated with', () => {
    const plan = planLocalRun(translated('exclamation'), 'registry.example/other:1');
    expect(plan.processes).toEqual([]);
    expect(plan.skipped.map((s) => s.reason)).toContain(
      `runs the container image ${DEFAULT_IMAGE}, which needs a cluster`,
    );
  });
});
