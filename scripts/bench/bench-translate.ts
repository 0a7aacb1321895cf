// Benchmark of `knmesh translate`: 1,000 Function CRs, parse + translate + render, timed and with
// the heap measured after GC between rounds. Anchor: a plain YAML parse + stringify of the same
// documents (the floor any translator pays). Writes the figures into the "## Translator" section of
// docs/benchmarks.md.   npm run bench:translate
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, tmpdir, totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { format } from 'prettier';
import { parseAllDocuments, stringify } from 'yaml';
import { DEFAULT_IMAGE } from '../../adapter/cli/translate-options.ts';
import { parseDocuments } from '../../adapter/input/parse-documents.ts';
import type { KubernetesObject } from '../../adapter/translate/kubernetes-object.ts';
import { renderManifests } from '../../adapter/translate/render-manifests.ts';
import { translate } from '../../adapter/translate/translate.ts';

const COUNT = 1000;
const ROUNDS = 10;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMiB = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

// 1,000 distinct Functions with the fields real specs carry (inputs, output, retries, resources,
// config, secrets, env, pod labels), some retaining key order, some with two input topics.
function functionCr(i: number): string {
  return `apiVersion: compute.functionmesh.io/v1alpha1
kind: Function
metadata:
  name: fn-${i}
  namespace: team-${i % 10}
  labels:
    app: bench
spec:
  tenant: public
  namespace: default
  input:
    topics:
      - persistent://public/default/in-${i}
${i % 3 === 0 ? `      - persistent://public/default/side-${i}\n` : ''}  output:
    topic: persistent://public/default/out-${i}
  retainKeyOrdering: ${i % 2 === 0}
  maxMessageRetry: 3
  timeout: 10000
  maxReplicas: ${1 + (i % 8)}
  funcConfig:
    index: ${i}
    mode: bench
  secretsMap:
    API_KEY:
      path: api
      key: key
  genericRuntime:
    language: nodejs
    functionFile: functions/fn-${i}.ts
  resources:
    requests:
      cpu: 100m
      memory: 128Mi
    limits:
      memory: 256Mi
  pod:
    labels:
      tier: bench
    env:
      - name: LEVEL
        value: info
  pulsar:
    pulsarConfig: pulsar-config
`;
}

const input = Array.from({ length: COUNT }, (_, i) => functionCr(i)).join('---\n');
const bytes = new TextEncoder().encode(input);
const options = {
  image: DEFAULT_IMAGE,
  namespace: undefined,
  clusterDomain: 'cluster.local',
  strict: false,
  passthrough: false,
};

interface Timing {
  parse: number;
  translate: number;
  render: number;
  total: number;
  objects: number;
  outputBytes: number;
}

function knmeshRound(): Timing {
  const t0 = performance.now();
  const { documents, problems } = parseDocuments({ name: 'bench.yaml', bytes });
  const t1 = performance.now();
  const results = translate(
    documents.map((d) => d.value),
    options,
  );
  const t2 = performance.now();
  const objects: KubernetesObject[] = results.flatMap((r) => [...r.objects]);
  const output = renderManifests(objects, 'yaml');
  const t3 = performance.now();
  const errors = problems.length + results.reduce((n, r) => n + r.diagnostics.length, 0);
  if (errors !== 0 || documents.length !== COUNT)
    throw new Error(`benchmark input is not clean: ${errors} findings`);
  return {
    parse: t1 - t0,
    translate: t2 - t1,
    render: t3 - t2,
    total: t3 - t0,
    objects: objects.length,
    outputBytes: output.length,
  };
}

function anchorRound(): number {
  const t0 = performance.now();
  const values = parseAllDocuments(input).map((d) => d.toJS() as unknown);
  const text = values.map((v) => `---\n${stringify(v)}`).join('');
  if (text.length === 0) throw new Error('empty');
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

knmeshRound(); // warm-up: JIT and module caches
anchorRound();
const heapBefore = heapMiB();
const timings: Timing[] = [];
const heaps: number[] = [];
const anchors: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  timings.push(knmeshRound());
  anchors.push(anchorRound());
  heaps.push(heapMiB());
}
const heapAfter = heaps.at(-1)!;
const med = (key: keyof Timing) => median(timings.map((t) => t[key]));
const total = med('total');
const anchor = median(anchors);
const first = timings[0]!;

// What a user waits for: `knmesh translate -f 1000.yaml > out.yaml` as a fresh process (Node start,
// module loading, file read, a cold JIT), next to a fresh process doing the anchor's YAML round trip.
const dir = mkdtempSync(join(tmpdir(), 'knmesh-bench-translate-'));
const inputFile = join(dir, 'functions.yaml');
writeFileSync(inputFile, input);
const root = fileURLToPath(new URL('../..', import.meta.url));
const anchorScript = `import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
const values = parseAllDocuments(readFileSync(process.argv[1], 'utf8')).map((d) => d.toJS());
process.stdout.write(values.map((v) => '---\\n' + stringify(v)).join(''));`;
const processRun = (args: string[]): number => {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr.toString()}`);
  return ms;
};
const cliTimes: number[] = [];
const anchorProcessTimes: number[] = [];
for (let round = 0; round < 5; round++) {
  cliTimes.push(processRun(['adapter/cli/knmesh.js', 'translate', '-f', inputFile]));
  anchorProcessTimes.push(processRun(['--input-type=module', '-e', anchorScript, inputFile]));
}
rmSync(dir, { recursive: true, force: true });
const cli = median(cliTimes);
const anchorProcess = median(anchorProcessTimes);

const date = new Date().toISOString().slice(0, 10);
const section = [
  '## Translator (`npm run bench:translate`)',
  '',
  `Measured ${date} on this machine (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}).`,
  `Input: ${COUNT} Function CRs in one multi-document YAML (${(bytes.length / 1024).toFixed(0)} KiB); output: ${first.objects} objects`,
  `(${(first.outputBytes / 2 ** 20).toFixed(1)} MiB of YAML). Median of ${ROUNDS} rounds after a warm-up round.`,
  '',
  '| step | median time |',
  '| --- | --- |',
  `| parse YAML with source positions | ${med('parse').toFixed(0)} ms |`,
  `| translate (validation, field table, Knative/KEDA rules, objects) | ${med('translate').toFixed(0)} ms |`,
  `| render canonical YAML | ${med('render').toFixed(0)} ms |`,
  `| **total, ${COUNT} Functions** | **${total.toFixed(0)} ms** (${((total / COUNT) * 1000).toFixed(0)} µs per Function) |`,
  `| anchor: plain YAML parse + stringify of the same input | ${anchor.toFixed(0)} ms |`,
  `| **\`knmesh translate -f\` as a new process** (median of 5: Node start, loading, reading, cold JIT) | **${cli.toFixed(0)} ms** |`,
  `| anchor: a new Node process doing the plain YAML round trip of the same file | ${anchorProcess.toFixed(0)} ms |`,
  '',
  `Ratio in process knmesh / anchor: ${(total / anchor).toFixed(2)}; as processes: ${(cli / anchorProcess).toFixed(2)}. Heap after GC: ${heapBefore.toFixed(1)} MiB before the measured rounds,`,
  `${heaps.map((h) => h.toFixed(1)).join(', ')} MiB after each of the ${ROUNDS} rounds: memory stays flat`,
  `(${(heapAfter - heapBefore >= 0 ? '+' : '') + (heapAfter - heapBefore).toFixed(1)} MiB over ${ROUNDS * COUNT} translated Functions).`,
  '',
].join('\n');

console.log(section);
const path = new URL('../../docs/benchmarks.md', import.meta.url);
const doc = readFileSync(path, 'utf8');
const start = doc.indexOf('## Translator');
const end = doc.indexOf('\n## ', start + 1);
if (start === -1 || end === -1) throw new Error('docs/benchmarks.md has no "## Translator" section');
// Formatted as `npm run lint` expects (prettier aligns the table).
writeFileSync(
  path,
  await format(`${doc.slice(0, start)}${section}${doc.slice(end)}`, { parser: 'markdown', printWidth: 110 }),
);
console.log('written to docs/benchmarks.md');
