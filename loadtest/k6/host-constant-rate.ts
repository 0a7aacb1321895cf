// k6: constant arrival rate of CloudEvents straight at a function host (`knmesh serve`).
//   k6 run -e TARGET_URL=http://127.0.0.1:8080/ loadtest/k6/host-constant-rate.ts
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { cloudEventRequest } from '../shared/cloudevent-request.ts';
import { k6Thresholds, scenario, scenarioFile } from './scenario-config.ts';

const NAME = 'host-constant-rate';
const config = scenario(NAME);
const TARGET = __ENV['TARGET_URL'] ?? 'http://127.0.0.1:8080/';
const RUN_ID = __ENV['RUN_ID'] ?? `k6-${Date.now()}`;

export const options: Options = {
  scenarios: {
    [NAME]: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV['RATE'] ?? config.rate),
      timeUnit: '1s',
      duration: __ENV['DURATION'] ?? config.duration ?? '60s',
      preAllocatedVUs: config.preAllocatedVUs,
      maxVUs: config.maxVUs,
    },
  },
  thresholds: k6Thresholds(config.thresholds),
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

export default function (): void {
  const seq = exec.scenario.iterationInTest;
  const req = cloudEventRequest(RUN_ID, seq, Date.now(), scenarioFile.payloadBytes, scenarioFile.eventType);
  const res = http.post(TARGET, req.body, { headers: req.headers, tags: { name: 'host' } });
  check(res, {
    'function succeeded (2xx)': (r) => r.status >= 200 && r.status < 300,
    'reply is a CloudEvent or empty': (r) => r.status === 204 || r.headers['Ce-Id'] !== undefined,
  });
}
