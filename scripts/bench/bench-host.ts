// `npm run bench:host`: an identity function under `knmesh serve`, under faas-js-runtime (the npm
// package, its own process, same function file) and a bare express handler, side by side in one run,
// loaded with autocannon on loopback. Prints req/s, p99 and the ratios, and rewrites the
// "## Function host" section of docs/benchmarks.md.
//
//   npm run bench:host -- [--duration 10] [--warmup 3] [--rounds 3] [--connections 16] [--no-write]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(args[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};
const DURATION_S = flag('duration', 10);
const WARMUP_S = flag('warmup', 3);
const ROUNDS = Math.min(flag('rounds', 3), 10);
const CONNECTIONS = Math.min(flag('connections', 16), 256);
const WRITE = !args.includes('--no-write');
// Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ) on every common platform.
const CLOCK_TICKS = 100;
const loadAverage = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const LOAD_AT_START = loadAverage();

const BODY = JSON.stringify({ message: 'hello, knmesh', n: 42, tags: ['a', 'b', 'c'] });
const HEADERS = {
  'content-type': 'application/json',
  'ce-specversion': '1.0',
  'ce-id': 'bench-1',
  'ce-source': '/bench/identity',
  'ce-type': 'dev.knmesh.bench',
  'ce-pulsartopic': 'persistent://public/default/bench',
  'ce-partitionkey': 'k1',
};

interface Target {
  readonly name: string;
  readonly what: string;
  readonly command: readonly string[];
  readonly env?: Record<string, string>;
  /** How the target reports its port: a JSON log line with `port` (knmesh, bare) or a fixed one. */
  readonly fixedPort?: number;
}

interface Measurement {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  /** Server CPU time per request (user + system, from /proc), in µs; NaN where /proc is missing. */
  readonly cpuUs: number;
}

const node = process.execPath;
const identity = 'scripts/bench/identity-function.mjs';

async function main(): Promise<void> {
  const faasPort = await freePort();
  const targets: Target[] = [
    {
      name: 'knmesh serve',
      what: `knmesh serve ${identity} (handle signature, binary-mode reply event)`,
      command: [
        node,
        'adapter/cli/knmesh.js',
        'serve',
        identity,
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--log-level',
        'info',
      ],
    },
    {
      name: 'faas-js-runtime',
      what: `faas-js-runtime 4 CLI on the same ${identity} (JSON reply)`,
      command: [
        node,
        '--import',
        './scripts/bench/loopback-listen.mjs',
        'node_modules/faas-js-runtime/bin/cli.js',
        identity,
        '--port',
        String(faasPort),
      ],
      env: { FUNC_LOG_LEVEL: 'warn' },
      fixedPort: faasPort,
    },
    {
      name: 'bare express',
      what: 'express 5, express.raw() + res.send(body) echo handler',
      command: [node, 'scripts/bench/bare-express-server.ts', '0'],
    },
  ];
  const running: Array<{ target: Target; child: ChildProcess; url: string }> = [];
  try {
    for (const target of targets) {
      const { child, port } = await start(target);
      const url = `http://127.0.0.1:${port}/`;
      running.push({ target, child, url });
      await checkAnswer(target.name, url);
    }
    const samples = new Map<string, Measurement[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round so that no target always runs first (thermal, GC, neighbours).
      for (let i = 0; i < running.length; i++) {
        const { target, url, child } = running[(i + round) % running.length]!;
        await load(url, WARMUP_S, child.pid!);
        const m = await load(url, DURATION_S, child.pid!);
        samples.get(target.name)!.push(m);
        console.log(
          `round ${round + 1}/${ROUNDS} ${target.name.padEnd(16)} ${m.rps.toFixed(0).padStart(7)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  ${m.cpuUs.toFixed(1)} µs CPU/req${m.errors ? `  errors ${m.errors}` : ''}`,
        );
      }
    }
    await report(targets, samples);
  } finally {
    for (const { child } of running) child.kill('SIGTERM');
  }
}

function start(target: Target): Promise<{ child: ChildProcess; port: number }> {
  const [command, ...rest] = target.command;
  const child = spawn(command!, rest, {
    cwd: root,
    env: { ...process.env, ...target.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${target.name} did not start in 30 s: ${stderr}`));
    }, 30_000);
    child.once('exit', (code) => reject(new Error(`${target.name} exited with ${code}: ${stderr}`)));
    if (target.fixedPort !== undefined) {
      const port = target.fixedPort;
      void (async () => {
        for (let i = 0; i < 300; i++) {
          if (
            await fetch(`http://127.0.0.1:${port}/health/readiness`).then(
              (r) => r.ok,
              () => false,
            )
          ) {
            clearTimeout(timer);
            return resolve({ child, port });
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      return;
    }
    const lines = createInterface({ input: child.stdout });
    let port = 0;
    lines.on('line', (line) => {
      try {
        const record = JSON.parse(line) as { msg?: string; port?: number };
        if (record.msg === 'listening' && typeof record.port === 'number') port = record.port;
        // knmesh serve is usable once "ready"; the bare server once listening.
        if (
          (record.msg === 'ready' || (record.msg === 'listening' && target.name === 'bare express')) &&
          port > 0
        ) {
          clearTimeout(timer);
          resolve({ child, port });
        }
      } catch {
        // not a log line
      }
    });
  });
}

async function checkAnswer(name: string, url: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: HEADERS, body: BODY });
  const text = await response.text();
  if (response.status !== 200 || JSON.stringify(JSON.parse(text)) !== BODY) {
    throw new Error(`${name} answered ${response.status} ${text.slice(0, 200)}`);
  }
}

/** CPU time (user + system) a process used so far, in ms; NaN when /proc is not there. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS);
  } catch {
    return NaN;
  }
}

async function load(url: string, seconds: number, pid: number): Promise<Measurement> {
  const cpuBefore = cpuMs(pid);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        headers: HEADERS,
        body: BODY,
        connections: CONNECTIONS,
        duration: seconds,
        timeout: 10,
      },
      (error, r) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(r)),
    );
  });
  const cpuUs = ((cpuMs(pid) - cpuBefore) * 1000) / Math.max(1, result.requests.total);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    cpuUs,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function report(
  targets: readonly Target[],
  samples: ReadonlyMap<string, Measurement[]>,
): Promise<void> {
  const summary = targets.map((t) => {
    const s = samples.get(t.name)!;
    return {
      target: t,
      rps: median(s.map((m) => m.rps)),
      p50: median(s.map((m) => m.p50)),
      p99: median(s.map((m) => m.p99)),
      cpuUs: median(s.map((m) => m.cpuUs)),
      errors: s.reduce((n, m) => n + m.errors, 0),
    };
  });
  const [knmesh, faas, bare] = summary as [(typeof summary)[0], (typeof summary)[0], (typeof summary)[0]];
  const vsFaas = knmesh.rps / faas.rps;
  const vsBare = knmesh.rps / bare.rps;
  const table = [
    '| Host | req/s (median) | p50 ms | p99 ms | server CPU µs/req | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...summary.map(
      (s) =>
        `| ${s.target.name} | ${s.rps.toFixed(0)} | ${s.p50} | ${s.p99} | ${s.cpuUs.toFixed(1)} | ${s.errors} |`,
    ),
  ];
  const verdict = [
    `- knmesh serve / faas-js-runtime: **${vsFaas.toFixed(2)}×** req/s (target ≥ 1.5×) — ${vsFaas >= 1.5 ? 'met' : 'MISSED'}`,
    `- knmesh serve / bare express: **${vsBare.toFixed(2)}×** req/s (target ≥ 0.85×) — ${vsBare >= 0.85 ? 'met' : 'MISSED'}`,
    `- p99: knmesh ${knmesh.p99} ms, faas-js-runtime ${faas.p99} ms, bare express ${bare.p99} ms`,
    `- server CPU per request (less sensitive to neighbours on a shared machine): knmesh uses ` +
      `${(knmesh.cpuUs / faas.cpuUs).toFixed(2)}× faas-js-runtime's and ${(knmesh.cpuUs / bare.cpuUs).toFixed(2)}× bare express's`,
  ];
  console.log(['', ...table, '', ...verdict].join('\n'));
  if (!WRITE) return;
  const section = [
    '## Function host (`npm run bench:host`)',
    '',
    `Run ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB; autocannon on loopback, ${CONNECTIONS} connections, ` +
      `${ROUNDS} rounds × ${DURATION_S} s per host (after ${WARMUP_S} s warm-up), hosts in rotating order, medians reported.`,
    `Request: a binary-mode CloudEvent with a ${Buffer.byteLength(BODY)}-byte JSON body; each host answers with the same data.`,
    '',
    ...targets.map((t) => `- **${t.name}**: ${t.what}`),
    '',
    ...table,
    '',
    ...verdict,
    '',
    'knmesh serve does more per request than either anchor: it validates the event, reads the Pulsar',
    'extensions, builds a context, answers with a new reply CloudEvent and records request metrics.',
    'autocannon reports latency in whole milliseconds. Throughput on this shared 2-core machine moves',
    'with the neighbours’ load; the CPU time per request moves much less.',
    `Load average of the (shared) machine at start and end: ${LOAD_AT_START} / ${loadAverage()}.`,
    '',
  ].join('\n');
  const path = `${root}docs/benchmarks.md`;
  const doc = readFileSync(path, 'utf8');
  const start = doc.indexOf('## Function host');
  const end = doc.indexOf('\n## ', start + 1);
  if (start === -1 || end === -1) throw new Error('docs/benchmarks.md has no "## Function host" section');
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(path)) ?? {};
  writeFileSync(
    path,
    await prettier.format(doc.slice(0, start) + section + doc.slice(end + 1), { ...options, filepath: path }),
  );
  console.log(`\nwrote the "Function host" section of docs/benchmarks.md`);
}

async function freePort(): Promise<number> {
  const { findFreePort } = await import('../../runtime/net/port-availability.ts');
  return findFreePort();
}

await main();
