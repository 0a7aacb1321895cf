import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_IMAGE } from '../../../../adapter/cli/translate-options.ts';
import { runCli } from '../../../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const EXCLAMATION = 'manifests/examples/exclamation/function.yaml';
const kinds = (yaml: string) => parseAllDocuments(yaml).map((d) => (d.toJS() as { kind: string }).kind);

describe('knmesh translate', () => {
  it('prints help with examples on stdout', async () => {
    const run = await runCli(['translate', '--help']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('Usage: knmesh translate -f <path>');
    expect(run.stdout).toContain('-f, --filename <path>');
    expect(run.stdout).toContain('-o, --output <yaml|json>');
    expect(run.stdout).toContain('--strict');
    expect(run.stdout).toContain(
      'knmesh translate -f manifests/examples/exclamation/function.yaml | kubectl apply -f -',
    );
  });

  it('writes kubectl-ready YAML for a file, with the default image of this version', async () => {
    const run = await runCli(['translate', '-f', EXCLAMATION], { cwd: ROOT });
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(kinds(run.stdout)).toEqual(['Service', 'Deployment', 'ScaledObject']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(DEFAULT_IMAGE).toBe(`ghcr.io/knmesh/knmesh:${pkg.version}`);
    expect(run.stdout).toContain(`image: ${DEFAULT_IMAGE}`);
  });

  it('reads stdin, takes --image (or KNMESH_IMAGE) and writes a JSON List', async () => {
    const stdin = readFileSync(join(ROOT, EXCLAMATION));
    const run = await runCli(
      ['translate', '-f', '-', '-o', 'json', '--image', 'registry.example.com/knmesh:9'],
      { stdin },
    );
    expect(run.status).toBe(0);
    const list = JSON.parse(run.stdout) as { kind: string; items: { kind: string }[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.kind)).toEqual(['Service', 'Deployment', 'ScaledObject']);
    expect(run.stdout).toContain('"image": "registry.example.com/knmesh:9"');
    const fromEnv = await runCli(['translate', '-f', '-'], {
      stdin,
      env: { KNMESH_IMAGE: 'registry.example.com/knmesh:env' },
    });
    expect(fromEnv.stdout).toContain('image: registry.example.com/knmesh:env');
  });

  describe('with directories and several -f', () => {
    const dir = mkdtempSync(join(tmpdir(), 'knmesh-dir-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const example = readFileSync(join(ROOT, EXCLAMATION), 'utf8');
    mkdirSync(join(dir, 'b', 'nested'), { recursive: true });
    writeFileSync(join(dir, 'b', 'nested', 'two.yml'), example.replace('name: exclamation', 'name: two'));
    writeFileSync(
      join(dir, 'b', 'one.json'),
      JSON.stringify(parseAllDocuments(example)[0]!.toJS()).replace('"exclamation"', '"one"'),
    );
    writeFileSync(join(dir, 'b', 'README.md'), '# not a manifest');
    writeFileSync(join(dir, 'a.yaml'), example.replace('name: exclamation', 'name: zero'));

    it('reads every *.yaml, *.yml and *.json recursively, in sorted order', async () => {
      const run = await runCli(['translate', '-f', 'b', '-f', 'a.yaml'], { cwd: dir });
      expect([run.status, run.stderr]).toEqual([0, '']);
      const names = parseAllDocuments(run.stdout)
        .map((d) => d.toJS() as { kind: string; metadata: { name: string } })
        .filter((o) => o.kind === 'Service')
        .map((o) => o.metadata.name);
      // Depth-first, entries in byte order: b/nested/two.yml sorts before b/one.json.
      expect(names).toEqual(['two', 'one', 'zero']);
    });

    it('is deterministic', async () => {
      const first = await runCli(['translate', '-f', 'b', '-f', 'a.yaml'], { cwd: dir });
      const second = await runCli(['translate', '-f', 'b', '-f', 'a.yaml'], { cwd: dir });
      expect(second.stdout).toBe(first.stdout);
    });
  });

  it('writes warnings to stderr and still succeeds', async () => {
    const stdin = readFileSync(join(ROOT, EXCLAMATION), 'utf8').replace(
      'spec:\n',
      'spec:\n  clusterName: kubernetes\n',
    );
    const run = await runCli(['translate', '-f', '-'], { stdin });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(
      `-:9:3: warning: document 1 (Function exclamation): spec.clusterName = "kubernetes": ignored: the Pulsar cluster name only labels Function Mesh's instance metrics\n`,
    );
    expect(kinds(run.stdout)).toEqual(['Service', 'Deployment', 'ScaledObject']);
  });

  it('is registered in the CLI and works through the kn plugin launcher', async () => {
    const run = await runCli(['--help']);
    expect(run.stdout).toMatch(/translate\s+translate Function Mesh CRs/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin['kn-mesh']).toBe(pkg.bin['knmesh']);
  });
});
