// k6: scale from zero on a cluster. Leaves the function idle (bridge and function at zero
// replicas), then ramps the arrival rate into the Source ingress and back down. Watch it with
//   kubectl get deploy,ksvc,scaledobject -w
// while it runs:
//   k6 run -e TARGET_URL=http://<ingress-ksvc-url>/ loadtest/k6/scale-from-zero-ramp.ts
// TARGET_URL is required: this scenario is meant for a cluster, not for this machine.
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { cloudEventRequest } from '../shared/cloudevent-request.ts';
import { k6Thresholds, scenario, scenarioFile } from './scenario-config.ts';

const NAME = 'scale-from-zero-ramp';
const config = scenario(NAME);
const TARGET = __ENV['TARGET_URL'];
if (TARGET === undefined)
  throw new Error('set TARGET_URL to the ingress URL of a deployed Source (see loadtest/README.md)');
const RUN_ID = __ENV['RUN_ID'] ?? `k6-${Date.now()}`;

export const options: Options = {
  scenarios: {
    [NAME]: {
      executor: 'ramping-arrival-rate',
      startRate: config.startRate ?? 0,
      timeUnit: '1s',
      stages: (config.stages ?? []).map((s) => ({ target: s.target, duration: s.duration })),
      preAllocatedVUs: config.preAllocatedVUs,
      maxVUs: config.maxVUs,
    },
  },
  // The first requests wait for the activator and a cold start: judge latency loosely here.
  thresholds: k6Thresholds(config.thresholds),
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

export default function (): void {
  const seq = exec.scenario.iterationInTest;
  const req = cloudEventRequest(RUN_ID, seq, Date.now(), scenarioFile.payloadBytes, scenarioFile.eventType);
  const res = http.post(TARGET, req.body, {
    headers: req.headers,
    tags: { name: 'ingress' },
    timeout: '60s',
  });
  check(res, { 'accepted (202)': (r) => r.status === 202 });
}
