import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../runtime/net/port-availability.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
let app: string;

// There is no container engine here, so runtime/Dockerfile is not built. This test builds its
// /app the way the Dockerfile does (production dependencies only, the same COPY list) and runs the
// image's entry point from it, so a runtime import of a devDependency or a missing file fails here.
beforeAll(async () => {
  const dockerfile = await readFile(join(ROOT, 'runtime/Dockerfile'), 'utf8');
  app = await mkdtemp(join(tmpdir(), 'knmesh-image-'));
  const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+) (\S+)$/gm)].flatMap((m) =>
    m[1]!.split(' ').map((source) => ({ source, target: m[2]! })),
  );
  expect(copies.map((c) => c.source)).toEqual([
    'package.json',
    'package-lock.json',
    'package.json',
    'package-lock.json',
    'adapter/',
    'runtime/',
    'manifests/examples/',
  ]);
  for (const { source } of copies) await cp(join(ROOT, source), join(app, source), { recursive: true });
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: app,
    timeout: 300_000,
  });
}, 360_000);

afterAll(async () => {
  if (app !== undefined) await rm(app, { recursive: true, force: true });
});

describe("the image's /app (runtime/Dockerfile), built without a container engine", () => {
  it('has no devDependency at run time, and every command of the entry point starts', async () => {
    const { stdout } = await run(process.execPath, ['adapter/cli/knmesh.js', '--help'], { cwd: app });
    expect(stdout).toContain('Commands:');
    for (const command of ['serve', 'bridge', 'ingress', 'translate', 'dev', 'pulsar']) {
      const help = await run(process.execPath, ['adapter/cli/knmesh.js', command, '--help'], { cwd: app });
      expect(help.stdout, command).toMatch(/^Usage: knmesh /);
    }
    const translated = await run(
      process.execPath,
      ['adapter/cli/knmesh.js', 'translate', '-f', 'manifests/examples/exclamation/function.yaml'],
      { cwd: app },
    );
    expect(translated.stdout).toContain('kind: ScaledObject');
  });

  it('serves the bundled example function as the translated Knative Service runs it', async () => {
    const port = await findFreePort();
    const serve = spawn(
      process.execPath,
      ['adapter/cli/knmesh.js', 'serve', 'manifests/examples/exclamation/exclamation.ts'],
      {
        cwd: app,
        env: {
          PATH: process.env['PATH'],
          PORT: String(port),
          KNMESH_HOST: '127.0.0.1',
          NODE_ENV: 'production',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => serve.once('close', resolve));
    try {
      const until = Date.now() + 30_000;
      let ready = false;
      while (!ready && Date.now() < until) {
        ready = await fetch(`http://127.0.0.1:${port}/health/readiness`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready).toBe(true);
      const answer = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: {
          'ce-specversion': '1.0',
          'ce-id': 'image-1',
          'ce-source': '/tests',
          'ce-type': 't',
          'content-type': 'text/plain',
        },
        body: 'hello',
      });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe('hello!');
    } finally {
      serve.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
