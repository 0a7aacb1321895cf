// Reads the shared scenario table (loadtest/scenarios.json) inside k6 and turns one scenario's
// thresholds into k6 threshold expressions.

export interface Thresholds {
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxErrorRate: number;
}

export interface ScenarioConfig {
  readonly description: string;
  /** ingress: through the whole pipeline, measured to the reply; host: straight at knmesh serve. */
  readonly target: 'ingress' | 'host';
  readonly rate?: number;
  readonly duration?: string;
  readonly startRate?: number;
  readonly stages?: readonly { readonly target: number; readonly duration: string }[];
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
  readonly thresholds: Thresholds;
}

interface ScenarioFile {
  readonly payloadBytes: number;
  readonly eventType: string;
  readonly scenarios: Readonly<Record<string, ScenarioConfig>>;
}

export const scenarioFile = JSON.parse(open('../scenarios.json')) as ScenarioFile;

export function scenario(name: string): ScenarioConfig {
  const found = scenarioFile.scenarios[name];
  if (found === undefined) throw new Error(`no scenario ${name} in loadtest/scenarios.json`);
  return found;
}

export function k6Thresholds(t: Thresholds): Record<string, string[]> {
  return {
    http_req_duration: [`p(95)<${t.p95Ms}`, `p(99)<${t.p99Ms}`],
    http_req_failed: [`rate<${t.maxErrorRate}`],
    checks: [`rate>${1 - t.maxErrorRate}`],
    dropped_iterations: ['count==0'],
  };
}
