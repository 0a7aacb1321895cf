import type { Diagnostics, FieldPath } from './diagnostics.ts';
import { formatPath } from './format-path.ts';
import { reportFeatureFlag } from './report-feature-flag.ts';

export const AUTOSCALING_PREFIX = 'autoscaling.knative.dev/';

// Legacy camel-case keys Knative still accepts, and the key each stands for.
const ALIASES: Readonly<Record<string, string>> = {
  minScale: 'min-scale',
  maxScale: 'max-scale',
  initialScale: 'initial-scale',
  targetUtilizationPercentage: 'target-utilization-percentage',
  scaleDownDelay: 'scale-down-delay',
  panicWindowPercentage: 'panic-window-percentage',
  panicThresholdPercentage: 'panic-threshold-percentage',
  targetBurstCapacity: 'target-burst-capacity',
  scaleToZeroPodRetentionPeriod: 'scale-to-zero-pod-retention-period',
  metricAggregationAlgorithm: 'metric-aggregation-algorithm',
};

export interface AnnotationSource {
  readonly key: string;
  readonly value: string;
  readonly path: FieldPath;
}

const integer = (min: number) => (v: string) =>
  /^\d+$/.test(v) && Number(v) >= min ? undefined : `must be an integer of at least ${min}`;
const number = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) && n >= min && n <= max
    ? undefined
    : `must be a number from ${min} to ${max}`;
};
const duration = (minSeconds: number, maxSeconds: number) => (v: string) => {
  const s = durationSeconds(v);
  if (s === undefined || !Number.isInteger(s))
    return 'must be a duration in whole seconds, such as 30s or 2m';
  return s >= minSeconds && s <= maxSeconds ? undefined : `must be from ${minSeconds}s to ${maxSeconds}s`;
};

// Value rules of Knative's annotation validation (knative-keda.md §2.8).
const RULES: Readonly<Record<string, (value: string) => string | undefined>> = {
  class: (v) =>
    v.endsWith('.knative.dev') && v !== 'kpa.autoscaling.knative.dev' && v !== 'hpa.autoscaling.knative.dev'
      ? 'must be kpa.autoscaling.knative.dev, hpa.autoscaling.knative.dev or a class outside knative.dev'
      : undefined,
  metric: (v) => (v === '' ? 'must not be empty' : undefined),
  target: number(0.01, Number.MAX_VALUE),
  'target-utilization-percentage': number(1, 100),
  'min-scale': integer(0),
  'max-scale': integer(0),
  'initial-scale': integer(0),
  'activation-scale': integer(2),
  'scale-down-delay': duration(0, 3600),
  window: duration(6, 3600),
  'panic-window-percentage': number(1, 100),
  'panic-threshold-percentage': number(110, 1000),
  'target-burst-capacity': (v) => (v === '-1' ? undefined : number(0, Number.MAX_VALUE)(v)),
  'scale-to-zero-pod-retention-period': duration(0, 3600),
  'metric-aggregation-algorithm': (v) =>
    ['linear', 'weighted-exponential', 'weightedExponential'].includes(v)
      ? undefined
      : 'must be linear or weighted-exponential',
};

/** Seconds of a Go duration string (`1m30s`), or undefined. */
function durationSeconds(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  const unit: Readonly<Record<string, number>> = {
    ns: 1e-9,
    us: 1e-6,
    µs: 1e-6,
    ms: 1e-3,
    s: 1,
    m: 60,
    h: 3600,
  };
  let total = 0;
  for (const [, n, , u] of text.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(n) * unit[u!]!;
  return Math.round(total * 1e9) / 1e9;
}

/** An annotation knmesh derives from a spec field; `defaulted` when the field is not set. */
export interface DerivedAnnotation {
  readonly value: string;
  readonly from: FieldPath;
  readonly defaulted?: boolean;
}

/**
 * Knative's checks of the revision autoscaling annotations, on everything the input puts there
 * (Function Mesh object annotations `autoscaling.knative.dev/*`, `spec.pod.annotations`) plus the
 * scale bounds knmesh derives (`derived`, keyed by the canonical key). Returns the annotations
 * for `spec.template.metadata.annotations`: Knative rejects them on the Service's own metadata.
 */
export function checkKnativeAutoscaling(
  given: readonly AnnotationSource[],
  derived: Readonly<Record<string, DerivedAnnotation>>,
  d: Diagnostics,
  strict: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Map<string, FieldPath>();
  for (const { key, value, path } of given) {
    if (!key.startsWith(AUTOSCALING_PREFIX)) continue;
    const short = key.slice(AUTOSCALING_PREFIX.length);
    const canonical = ALIASES[short] ?? short;
    const earlier = seen.get(canonical);
    if (earlier !== undefined) {
      d.error({ path, rule: `sets autoscaling.knative.dev/${canonical} a second time` });
      continue;
    }
    seen.set(canonical, path);
    const fromSpec = derived[canonical];
    if (fromSpec !== undefined) {
      d.error({
        path,
        rule:
          fromSpec.defaulted === true
            ? `knmesh derives autoscaling.knative.dev/${canonical} from ${formatPath(fromSpec.from)} (not set: ${fromSpec.value}); set ${formatPath(fromSpec.from)} instead`
            : `conflicts with ${formatPath(fromSpec.from)}, which sets autoscaling.knative.dev/${canonical}: keep one`,
        value,
      });
      continue;
    }
    const problem = RULES[canonical]?.(value);
    if (problem !== undefined) {
      d.error({ path, rule: `${problem} (Knative)`, value });
      continue;
    }
    if (canonical === 'initial-scale' && value === '0') {
      reportFeatureFlag(d, strict, path, 'allow-zero-initial-scale', 'config-autoscaler');
    }
    out[`${AUTOSCALING_PREFIX}${canonical}`] = value;
  }
  for (const [canonical, { value }] of Object.entries(derived))
    out[`${AUTOSCALING_PREFIX}${canonical}`] = value;

  const min = Number(out[`${AUTOSCALING_PREFIX}min-scale`] ?? 0);
  const max = Number(out[`${AUTOSCALING_PREFIX}max-scale`] ?? 0);
  const activation = out[`${AUTOSCALING_PREFIX}activation-scale`];
  if (max > 0 && min > max) {
    const maxFrom = seen.get('max-scale') ?? derived['max-scale']?.from ?? [];
    d.error({
      path: seen.get('min-scale') ?? derived['min-scale']?.from ?? [],
      rule: `gives min-scale ${min}, above max-scale ${max} from ${formatPath(maxFrom)} (Knative requires min-scale <= max-scale)`,
    });
  }
  if (activation !== undefined && max > 0 && Number(activation) > max) {
    d.error({
      path: seen.get('activation-scale')!,
      rule: `activation-scale is above max-scale ${max} (Knative)`,
    });
  }
  if (out[`${AUTOSCALING_PREFIX}class`] === 'hpa.autoscaling.knative.dev' && min === 0) {
    d.warning({
      path: seen.get('class')!,
      rule: 'the HPA class never scales to zero: the function keeps at least one pod (use the default KPA class to scale to zero)',
    });
  }
  return out;
}
