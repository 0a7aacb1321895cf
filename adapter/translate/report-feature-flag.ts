import type { Diagnostics, FieldPath } from './diagnostics.ts';

/**
 * A field Knative Serving accepts only when a feature flag of its `config-features` ConfigMap is on:
 * emitted with a warning naming the flag, or rejected under `--strict`.
 */
export function reportFeatureFlag(
  d: Diagnostics,
  strict: boolean,
  path: FieldPath,
  flag: string,
  configMap = 'config-features',
): void {
  if (strict) {
    d.error({
      path,
      rule: `needs the Knative feature flag ${flag} (${configMap} in knative-serving); rejected under --strict`,
    });
  } else {
    d.warning({
      path,
      rule: `needs the Knative feature flag ${flag} (${configMap} in knative-serving); emitted as given`,
    });
  }
}
