import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testBroker } from './support/test-broker.ts';

interface Results {
  verdict: { passed: boolean };
  phases: {
    name: string;
    summary: { sent: number; accepted: number; replies: number; missing: number; duplicates: number };
  }[];
  timeline: { sent: number; replies: number }[];
}

/** Runs `npm run loadtest` (its script) against the test broker; its exit code, output and results. */
async function runLoadtest(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string; results: Results; chart: string }> {
  const broker = testBroker();
  const resultsDir = await mkdtemp(join(tmpdir(), 'knmesh-loadtest-'));
  const child = spawn(
    process.execPath,
    [
      'loadtest/run-loadtest.ts',
      ...args,
      '--pulsar-url',
      broker.brokerUrl,
      '--admin-url',
      broker.adminUrl,
      '--results-dir',
      resultsDir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const last = stdout.trim().split('\n').at(-1);
  if (last === undefined || !last.startsWith('{'))
    throw new Error(`no result line (exit ${code}): ${stderr}`);
  const { results, chart } = JSON.parse(last) as { results: string; chart: string };
  return { code, stdout, stderr, results: JSON.parse(await readFile(results, 'utf8')) as Results, chart };
}

// The full load run is a script (`npm run loadtest`); CI runs its smoke scenario: a few seconds at
// a low rate through the whole local pipeline, measured end to end.
describe('npm run loadtest (smoke)', () => {
  it('drives the local pipeline end to end and writes JSON results and an SVG chart', async () => {
    const {
      code,
      stderr,
      results: parsed,
      chart,
    } = await runLoadtest(['--scenario', 'smoke', '--warmup', '1s']);
    expect(code, stderr).toBe(0);
    const smoke = parsed.phases.find((p) => p.name === 'smoke')!.summary;
    expect(smoke.sent).toBe(250); // 50 events/s for 5 s
    expect([smoke.accepted, smoke.replies, smoke.missing, smoke.duplicates]).toEqual([250, 250, 0, 0]);
    expect(parsed.verdict.passed).toBe(true);
    expect(parsed.timeline.reduce((n, row) => n + row.replies, 0)).toBeGreaterThanOrEqual(250);
    const svg = await readFile(chart, 'utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('runs the host scenario straight at the function host of the pipeline', async () => {
    const {
      code,
      stderr,
      results: parsed,
    } = await runLoadtest([
      '--scenario',
      'host-constant-rate',
      '--rate',
      '100',
      '--duration',
      '2s',
      '--warmup',
      '0s',
    ]);
    expect(stderr).toMatch(/function host http:\/\/127\.0\.0\.1:\d+\//);
    const run = parsed.phases.find((p) => p.name === 'host-constant-rate')!.summary;
    expect(run.sent).toBe(200); // 100 events/s for 2 s
    // Every request answered by the host counts as its own reply: nothing goes through Pulsar.
    expect([run.accepted, run.replies, run.missing, run.duplicates]).toEqual([200, 200, 0, 0]);
    // The exit status follows the verdict (the host scenario's latency thresholds).
    expect(code, stderr).toBe(parsed.verdict.passed ? 0 : 1);
  });
});
