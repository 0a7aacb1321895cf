import type { KubeObject } from './component-spec.ts';
import type { Diagnostics, FieldPath } from './diagnostics.ts';
import { reportFeatureFlag } from './report-feature-flag.ts';

// Volume sources a revision may use (knative-keda.md §2.2, §2.5): always, or behind a flag.
const ALWAYS = new Set(['secret', 'configMap', 'projected', 'emptyDir']);
const FLAGGED: Readonly<Record<string, string>> = {
  persistentVolumeClaim: 'kubernetes.podspec-persistent-volume-claim',
  hostPath: 'kubernetes.podspec-volumes-hostpath',
  csi: 'kubernetes.podspec-volumes-csi',
  ephemeral: 'kubernetes.podspec-volumes-ephemeral',
  image: 'kubernetes.podspec-volumes-image',
};
const READ_ONLY_TYPES = new Set(['secret', 'configMap', 'projected']);

export interface MountRef {
  readonly mount: KubeObject;
  readonly path: FieldPath;
}

/** The source type of a Volume: its one key besides `name`. */
export function volumeType(volume: KubeObject): string | undefined {
  return Object.keys(volume).find((k) => k !== 'name');
}

/**
 * Knative's volume rules for a revision: allowed volume types (others behind a feature flag or
 * rejected), DNS-1123 names without duplicates, every mount naming a volume, secret/configMap/
 * projected mounts read-only. Returns the volumes to emit (Knative rejects volumes no container
 * mounts, so those are dropped with a warning) and the mounts to replace (made `readOnly: true`).
 */
export function checkKnativeVolumes(
  volumes: readonly KubeObject[],
  volumesPath: FieldPath,
  mounts: readonly MountRef[],
  d: Diagnostics,
  strict: boolean,
): { volumes: KubeObject[]; fixed: ReadonlyMap<KubeObject, KubeObject> } {
  const byName = new Map<string, KubeObject>();
  volumes.forEach((volume, i) => {
    const name = volume['name'] as string;
    const path = [...volumesPath, i];
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
      d.error({ path: [...path, 'name'], rule: 'must be a DNS-1123 label (Knative)', value: name });
    }
    if (byName.has(name)) d.error({ path: [...path, 'name'], rule: 'duplicate volume name', value: name });
    byName.set(name, volume);
    const type = volumeType(volume);
    if (type === undefined) {
      d.error({ path, rule: 'a volume needs a source (secret, configMap, emptyDir, ...)' });
    } else if (ALWAYS.has(type)) {
      const medium = (volume['emptyDir'] as KubeObject | undefined)?.['medium'];
      if (medium !== undefined && medium !== '' && medium !== 'Memory') {
        d.error({
          path: [...path, 'emptyDir', 'medium'],
          rule: 'Knative allows medium "" or Memory',
          value: medium,
        });
      }
    } else if (FLAGGED[type] === undefined) {
      d.error({ path: [...path, type], rule: `Knative does not support ${type} volumes in a revision` });
    }
    // Flagged types are reported below, for the volumes that are kept: a dropped one needs no flag.
  });

  const mounted = new Set<string>();
  const fixed = new Map<KubeObject, KubeObject>();
  for (const { mount, path } of mounts) {
    const name = mount['name'] as string;
    const volume = byName.get(name);
    if (volume === undefined) {
      d.error({ path: [...path, 'name'], rule: 'no volume of spec.pod.volumes has this name', value: name });
      continue;
    }
    mounted.add(name);
    const type = volumeType(volume) ?? '';
    if (READ_ONLY_TYPES.has(type) && mount['readOnly'] !== true) {
      if (mount['readOnly'] === false) {
        d.warning({
          path: [...path, 'readOnly'],
          rule: `mounted read-only: Knative requires it for ${type} volumes`,
          value: false,
        });
      }
      fixed.set(mount, { ...mount, readOnly: true });
    } else if (type === 'persistentVolumeClaim' && mount['readOnly'] !== true) {
      reportFeatureFlag(d, strict, path, 'kubernetes.podspec-persistent-volume-write');
    }
  }

  const kept: KubeObject[] = [];
  volumes.forEach((volume, i) => {
    if (mounted.has(volume['name'] as string)) {
      kept.push(volume);
      const type = volumeType(volume);
      const flag = type === undefined ? undefined : FLAGGED[type];
      if (flag !== undefined) reportFeatureFlag(d, strict, [...volumesPath, i, type!], flag);
    } else
      d.warning({
        path: [...volumesPath, i],
        rule: 'dropped: no container mounts it, and Knative rejects unmounted volumes',
      });
  });
  return { volumes: kept, fixed };
}
