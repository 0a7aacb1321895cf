// `npm run loadtest`: the k6 scenarios of loadtest/scenarios.json, run on this machine against the
// full local pipeline (`knmesh dev`: ingress → Pulsar → bridge → knmesh serve → Pulsar), measured
// end to end — from the moment an event is POSTed to the ingress until its reply is read from the
// output topic. A scenario with target "host" (host-constant-rate) posts straight to the pipeline's
// function host instead and measures each request. Every run is bounded in time and count and stays
// on 127.0.0.1.
//
//   npm run loadtest                                  # ingress-constant-rate
//   npm run loadtest -- --scenario host-constant-rate # straight at knmesh serve
//   npm run loadtest -- --scenario smoke              # a few seconds (CI)
//   npm run loadtest -- --search --target-p99-ms 100  # highest sustained rate under a p99 target
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { option } from '../runtime/config/option.ts';
import { parseOptions } from '../runtime/config/parse-options.ts';
import { renderOptionsHelp } from '../runtime/config/render-options-help.ts';
import { runArrivalRate } from './runner/arrival-rate-load.ts';
import { DevPipeline, type DevReadyEvent } from './runner/dev-pipeline.ts';
import { LoadRecorder, type LoadSummary, type TimelineRow } from './runner/load-recorder.ts';
import { renderChartSvg } from './runner/render-chart-svg.ts';
import { ReplyCollector } from './runner/reply-collector.ts';
import { parseDuration, readScenarioFile, type ScenarioThresholds } from './runner/scenario-file.ts';
import { cloudEventRequest } from './shared/cloudevent-request.ts';

const loadtestOptions = {
  scenario: option.string({
    flag: 'scenario',
    default: 'ingress-constant-rate',
    description: 'scenario of loadtest/scenarios.json',
  }),
  rate: option.integer({
    flag: 'rate',
    min: 1,
    max: 100_000,
    description: 'events per second (overrides the scenario)',
  }),
  duration: option.string({
    flag: 'duration',
    description: 'length of the measured run, e.g. 30s (overrides the scenario)',
  }),
  warmup: option.string({ flag: 'warmup', default: '3s', description: 'unmeasured run at a low rate first' }),
  search: option.boolean({
    flag: 'search',
    description: 'find the highest rate whose p99 stays under --target-p99-ms, then run it and half of it',
  }),
  targetP99Ms: option.integer({
    flag: 'target-p99-ms',
    default: 100,
    min: 1,
    description: 'p99 target of --search',
  }),
  searchStep: option.string({
    flag: 'search-step',
    default: '10s',
    description: 'length of each --search step',
  }),
  searchSteps: option.integer({
    flag: 'search-steps',
    default: 8,
    min: 1,
    max: 20,
    description: 'most --search steps',
  }),
  searchStartRate: option.integer({
    flag: 'search-start-rate',
    default: 200,
    min: 1,
    description: 'first --search rate',
  }),
  function: option.string({
    flag: 'function',
    default: 'loadtest/identity/function.yaml',
    description: 'Function Mesh CR to run (its function must echo the event data)',
  }),
  pulsarUrl: option.url({
    flag: 'pulsar-url',
    protocols: ['pulsar', 'pulsar+ssl'],
    description: 'existing broker',
  }),
  adminUrl: option.url({ flag: 'admin-url', protocols: ['http', 'https'], description: 'its admin URL' }),
  resultsDir: option.string({
    flag: 'results-dir',
    default: 'loadtest/results',
    description: 'where results go',
  }),
  drainTimeout: option.string({
    flag: 'drain-timeout',
    default: '15s',
    description: 'longest wait for replies after a run',
  }),
};

interface PhaseResult {
  readonly name: string;
  readonly rate: number;
  readonly summary: LoadSummary;
  readonly passed: boolean;
  readonly failures: readonly string[];
}

function judge(summary: LoadSummary, thresholds: ScenarioThresholds): string[] {
  const failures: string[] = [];
  if (!(summary.e2e.p95Ms <= thresholds.p95Ms))
    failures.push(`e2e p95 ${summary.e2e.p95Ms} ms > ${thresholds.p95Ms} ms`);
  if (!(summary.e2e.p99Ms <= thresholds.p99Ms))
    failures.push(`e2e p99 ${summary.e2e.p99Ms} ms > ${thresholds.p99Ms} ms`);
  if (summary.errorRate > thresholds.maxErrorRate) {
    failures.push(
      `error rate ${(summary.errorRate * 100).toFixed(2)} % > ${thresholds.maxErrorRate * 100} %`,
    );
  }
  if (summary.missing > 0) failures.push(`${summary.missing} accepted events got no reply`);
  return failures;
}

async function main(): Promise<number> {
  const { config: c, help } = parseOptions(loadtestOptions, {
    argv: process.argv.slice(2),
    env: {},
    envPrefix: 'KNMESH_LOADTEST_',
  });
  if (help) {
    console.log(
      `Usage: npm run loadtest -- [options]\n\n${renderOptionsHelp(loadtestOptions, 'KNMESH_LOADTEST_')}`,
    );
    return 0;
  }
  const file = readScenarioFile();
  const scenario = file.scenarios[c.scenario];
  if (scenario === undefined)
    throw new Error(`no scenario ${c.scenario}; choose one of ${Object.keys(file.scenarios).join(', ')}`);
  if (scenario.rate === undefined && c.rate === undefined && !c.search) {
    throw new Error(
      `scenario ${c.scenario} ramps (it is meant for a cluster); pick a constant-rate scenario or --rate`,
    );
  }
  const rate = c.rate ?? scenario.rate ?? c.searchStartRate;
  const durationMs = parseDuration(c.duration ?? scenario.duration ?? '30s');
  const drainMs = parseDuration(c.drainTimeout);
  const startedAt = new Date().toISOString();
  const runId = startedAt.replace(/[:.]/g, '-');
  const log = (line: string): void => void process.stderr.write(`loadtest: ${line}\n`);

  const devArgs = ['-f', c.function, '--ingress-port', '0'];
  if (c.pulsarUrl !== undefined) devArgs.push('--pulsar-url', c.pulsarUrl);
  if (c.adminUrl !== undefined) devArgs.push('--admin-url', c.adminUrl);
  const pipeline = new DevPipeline(devArgs);
  log(`starting the local pipeline: knmesh dev ${devArgs.join(' ')}`);
  const phases: PhaseResult[] = [];
  let verdict: Record<string, unknown> | undefined;
  const all = new LoadRecorder(Date.now()); // the whole run, for the chart
  // From here on every exit path stops the pipeline (and the broker it may have started).
  let collector: ReplyCollector | undefined;
  let pool: Pool | undefined;
  try {
    const ready: DevReadyEvent = await pipeline.start(300_000);
    let phase = new LoadRecorder(Date.now());
    // ingress: accepted on 202, done when the reply arrives on the output topic. host: straight at
    // the function host, done when it answers (the bridge of the pipeline stays idle).
    const host = scenario.target === 'host';
    let url: string;
    if (host) {
      const serve = ready.processes.find((p) => p.role === 'serve');
      if (serve === undefined) throw new Error('the pipeline runs no function host');
      url = `${serve.url}/`;
      log(`function host ${url}`);
    } else {
      const ingress = ready.ingresses[0];
      const output = ready.outputTopics[0];
      if (ingress === undefined || output === undefined)
        throw new Error('the pipeline has no ingress or no output topic');
      log(`ingress ${ingress.url} → ${ingress.topic}; replies from ${output}`);
      url = ingress.url;
      collector = new ReplyCollector(ready.pulsarUrl, output);
      await collector.start((seq, at) => {
        all.reply(seq, at);
        phase.reply(seq, at);
      });
    }
    const http = new Pool(new URL(url).origin, { connections: scenario.maxVUs });
    pool = http;

    let nextSeq = 0;
    const path = new URL(url).pathname;
    const runPhase = async (name: string, phaseRate: number, ms: number): Promise<PhaseResult> => {
      phase = new LoadRecorder(Date.now());
      const recorder = phase;
      log(`${name}: ${phaseRate} events/s for ${ms / 1000} s`);
      nextSeq = await runArrivalRate({
        rate: phaseRate,
        durationMs: ms,
        maxInFlight: scenario.maxVUs,
        firstSeq: nextSeq,
        onDropped: () => {
          const at = Date.now();
          recorder.dropped(at);
          all.dropped(at);
        },
        send: async (seq) => {
          const sentAt = Date.now();
          const request = cloudEventRequest(runId, seq, sentAt, file.payloadBytes, file.eventType);
          recorder.sent(seq, sentAt);
          all.sent(seq, sentAt);
          try {
            const response = await http.request({
              method: 'POST',
              path,
              headers: request.headers,
              body: request.body,
            });
            await response.body.dump();
            const at = Date.now();
            if (
              host ? response.statusCode === 200 || response.statusCode === 204 : response.statusCode === 202
            ) {
              recorder.accepted(seq, at);
              all.accepted(seq, at);
              if (host) {
                recorder.reply(seq, at);
                all.reply(seq, at);
              }
            } else {
              recorder.failed(seq, at, `HTTP ${response.statusCode}`);
              all.failed(seq, at, `HTTP ${response.statusCode}`);
            }
          } catch (error) {
            const kind = (error as { code?: string }).code ?? 'network error';
            recorder.failed(seq, Date.now(), kind);
            all.failed(seq, Date.now(), kind);
          }
        },
      });
      const until = Date.now() + drainMs;
      while (recorder.outstanding > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const summary = recorder.summary(ms);
      const failures = judge(
        summary,
        // A search judges the p99 target (plus errors and lost replies) only, as its help says.
        c.search
          ? { ...scenario.thresholds, p95Ms: Number.POSITIVE_INFINITY, p99Ms: c.targetP99Ms }
          : scenario.thresholds,
      );
      log(
        `${name}: ${summary.replies}/${summary.sent} replies, ${summary.throughput} replies/s, e2e p50 ${summary.e2e.p50Ms} ms p99 ${summary.e2e.p99Ms} ms` +
          (failures.length > 0 ? ` — ${failures.join('; ')}` : ' — ok'),
      );
      return { name, rate: phaseRate, summary, passed: failures.length === 0, failures };
    };

    const warmupMs = parseDuration(c.warmup);
    if (warmupMs > 0) await runPhase('warm-up', Math.min(rate, 50), warmupMs);
    if (!c.search) {
      const result = await runPhase(c.scenario, rate, durationMs);
      phases.push(result);
      verdict = { passed: result.passed, failures: result.failures };
    } else {
      // Double until a step misses the target, then bisect between the last good and first bad rate.
      const stepMs = parseDuration(c.searchStep);
      let good = 0;
      let bad = Number.POSITIVE_INFINITY;
      let next = c.searchStartRate;
      for (let i = 0; i < c.searchSteps; i++) {
        const step = await runPhase(`search ${i + 1}`, next, stepMs);
        phases.push(step);
        if (step.passed) good = next;
        else bad = next;
        next = Number.isFinite(bad) ? Math.round((good + bad) / 2) : next * 2;
        if (Number.isFinite(bad) && bad - good <= Math.max(10, good * 0.1)) break;
      }
      if (good === 0) {
        verdict = { passed: false, failures: [`even ${c.searchStartRate} events/s missed the p99 target`] };
      } else {
        const sustained = await runPhase('sustained', good, durationMs);
        const half = await runPhase('half rate', Math.max(1, Math.round(good / 2)), durationMs);
        phases.push(sustained, half);
        verdict = {
          passed: sustained.passed,
          sustainedRate: good,
          sustainedThroughput: sustained.summary.throughput,
          sustainedP99Ms: sustained.summary.e2e.p99Ms,
          halfRate: half.rate,
          halfRateP99Ms: half.summary.e2e.p99Ms,
          failures: sustained.failures,
        };
      }
    }
  } finally {
    await collector?.stop();
    await pool?.close();
    const code = await pipeline.stop();
    log(`local pipeline stopped (knmesh dev exit code ${code})`);
  }

  const timeline: TimelineRow[] = all.timeline();
  const result = {
    runId,
    scenario: c.scenario,
    mode: c.search ? 'search' : 'constant-arrival-rate',
    startedAt,
    parameters: {
      rate,
      durationMs,
      payloadBytes: file.payloadBytes,
      maxInFlight: scenario.maxVUs,
      thresholds: scenario.thresholds,
      ...(c.search ? { targetP99Ms: c.targetP99Ms } : {}),
      function: c.function,
    },
    environment: { node: process.version, cpus: cpus().length, loadAverage: loadavg() },
    verdict,
    phases,
    timeline,
  };
  await mkdir(c.resultsDir, { recursive: true });
  const base = join(c.resultsDir, runId);
  await writeFile(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(
    `${base}.svg`,
    renderChartSvg(`knmesh local pipeline, ${c.search ? 'capacity search' : c.scenario}, ${runId}`, timeline),
  );
  log(`results: ${base}.json and ${base}.svg`);
  console.log(JSON.stringify({ results: `${base}.json`, chart: `${base}.svg`, verdict }));
  return verdict['passed'] === true ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`loadtest: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
