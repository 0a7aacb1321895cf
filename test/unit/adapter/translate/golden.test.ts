import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../../support/run-cli.ts';
import { HAS_SHARED_REFERENCE, SHARED_REFERENCE, SKIP_REASON } from '../../../support/shared-reference.ts';

// Golden files: the exact stdout and stderr of `knmesh translate`. Regenerate them on purpose with
//   UPDATE_GOLDEN=1 npm run test:unit
// and review the diff like code.
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const GOLDEN = join(ROOT, 'test/golden');
const EXAMPLES = join(ROOT, 'manifests/examples');

function compare(path: string, actual: string | undefined): void {
  if (UPDATE) {
    if (actual === undefined) rmSync(path, { force: true });
    else writeFileSync(path, actual);
    return;
  }
  if (actual === undefined) {
    expect(existsSync(path), `${path} should not exist`).toBe(false);
    return;
  }
  expect(existsSync(path), `${path} is missing: run UPDATE_GOLDEN=1 npm run test:unit`).toBe(true);
  expect(actual, `${path} is stale: run UPDATE_GOLDEN=1 npm run test:unit and review the diff`).toBe(
    readFileSync(path, 'utf8'),
  );
}

function stderrFile(run: CliRun): string {
  return `exit status ${run.status}\n${run.stderr}`;
}

describe('golden cases (test/golden/<case>)', () => {
  const cases = readdirSync(GOLDEN, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(GOLDEN, e.name, 'input.yaml')))
    .map((e) => e.name)
    .sort();

  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of cases) {
    it(name, async () => {
      const dir = join(GOLDEN, name);
      const argsFile = join(dir, 'args.txt');
      const args = existsSync(argsFile)
        ? readFileSync(argsFile, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
        : [];
      const run = await runCli(['translate', '-f', `test/golden/${name}/input.yaml`, ...args], { cwd: ROOT });
      // The contract on failure: nothing at all on stdout.
      if (run.status !== 0) expect(run.stdout).toBe('');
      const format = args.includes('json') ? 'json' : 'yaml';
      compare(join(dir, `expected.${format}`), run.status === 0 ? run.stdout : undefined);
      compare(join(dir, 'expected.stderr.txt'), stderrFile(run));
    });
  }
});

describe('examples (manifests/examples/<name>/translated.yaml)', () => {
  const examples = readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

  it('covers the documented examples', () => {
    expect(examples).toEqual(['enrichment', 'exclamation', 'pipeline', 'router', 'word-count']);
  });

  for (const name of examples) {
    it(`${name} translates without warnings and matches its committed translation`, async () => {
      const dir = join(EXAMPLES, name);
      const input = readdirSync(dir).find((f) => f === 'function.yaml' || f === 'functionmesh.yaml');
      expect(input).toBeDefined();
      const run = await runCli(['translate', '-f', `manifests/examples/${name}/${input!}`], { cwd: ROOT });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      compare(join(dir, 'translated.yaml'), run.stdout);
    });
  }
});

describe.skipIf(!HAS_SHARED_REFERENCE)(
  'Function Mesh samples (../shared/reference/function-mesh/samples)',
  () => {
    const samples = join(SHARED_REFERENCE, 'function-mesh/samples');
    const expected = join(GOLDEN, 'function-mesh-samples');
    const files = HAS_SHARED_REFERENCE ? readdirSync(samples).filter((f) => f.endsWith('.yaml')) : [];

    it('covers every sample', () => {
      expect(files.length).toBe(11);
    });

    for (const file of files.sort()) {
      it(file, async () => {
        const run = await runCli(['translate', '-f', file], { cwd: samples });
        if (run.status !== 0) expect(run.stdout).toBe('');
        const base = join(expected, file.replace(/\.yaml$/, ''));
        compare(`${base}.yaml`, run.status === 0 ? run.stdout : undefined);
        compare(`${base}.stderr.txt`, stderrFile(run));
      });
    }
  },
);
if (!HAS_SHARED_REFERENCE) console.warn(`Function Mesh sample goldens: ${SKIP_REASON}`);
