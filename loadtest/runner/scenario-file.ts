import { readFileSync } from 'node:fs';

export interface ScenarioThresholds {
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxErrorRate: number;
}

export interface Scenario {
  readonly description: string;
  /** ingress: through the whole pipeline, measured to the reply; host: straight at knmesh serve. */
  readonly target: 'ingress' | 'host';
  readonly rate?: number;
  readonly duration?: string;
  readonly startRate?: number;
  readonly stages?: readonly { readonly target: number; readonly duration: string }[];
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
  readonly thresholds: ScenarioThresholds;
}

export interface ScenarioFile {
  readonly payloadBytes: number;
  readonly eventType: string;
  readonly scenarios: Readonly<Record<string, Scenario>>;
}

/** The scenario table the k6 scripts read too (loadtest/scenarios.json). */
export function readScenarioFile(path = new URL('../scenarios.json', import.meta.url)): ScenarioFile {
  return JSON.parse(readFileSync(path, 'utf8')) as ScenarioFile;
}

/** k6 duration strings: `90s`, `2m`, `1m30s`, `500ms`. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`not a duration: ${JSON.stringify(text)} (e.g. 30s, 2m, 1m30s)`);
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  return parts.reduce((ms, p) => ms + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
}
