import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CE_HEADERS, get, json, post } from './http-kit.ts';
import { fixture, ServeProcess, stopAllServeProcesses } from './serve-process.ts';

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'knmesh-signatures-'));
});

afterAll(async () => {
  await stopAllServeProcesses();
  await rm(scratch, { recursive: true, force: true });
});

describe('knmesh serve: function signatures and loading', () => {
  it('calls handle(context, event) with the SDK CloudEvent, after init()', async () => {
    const serve = await ServeProcess.start([fixture('knative-handle.mts')]);
    expect(serve.logs.find((r) => r.msg === 'function loaded')?.['signature']).toBe('knative');
    const answer = await post(
      serve.url,
      {
        ...CE_HEADERS,
        'ce-pulsartopic': 'persistent://public/default/t',
        'content-type': 'application/json',
      },
      '{"n":1}',
    );
    expect(json(answer)).toEqual({
      kind: 'cloudevent',
      initialised: true,
      sameEvent: true,
      id: 'evt-1',
      data: { n: 1 },
      topic: 'persistent://public/default/t',
      method: 'POST',
    });
  });

  it('passes the decoded body to handle() for a plain request, as Knative Functions do', async () => {
    const serve = await ServeProcess.start([fixture('knative-handle.mts')]);
    expect(json(await post(serve.url, { 'content-type': 'application/json' }, '[1,2]'))).toEqual({
      kind: 'body',
      initialised: true,
      body: [1, 2],
    });
  });

  it('sends a CloudEvent returned by handle() as it is', async () => {
    const serve = await ServeProcess.start([fixture('knative-handle.mts')]);
    const answer = await post(serve.url, { ...CE_HEADERS, 'ce-type': 'reply.as.event' });
    expect([
      answer.headers['ce-type'],
      answer.headers['ce-source'],
      answer.headers['ce-partitionkey'],
    ]).toEqual(['custom.reply', '/knative-handle', 'custom']);
    expect(json(answer)).toEqual({ for: 'evt-1' });
  });

  it('refuses a module exporting both signatures unless --signature chooses', async () => {
    const refused = await ServeProcess.start([fixture('both-signatures.mjs')], { waitFor: 'none' });
    expect(await refused.exited).toBe(1);
    expect(refused.stderr).toMatch(/both a default function and handle\(\).*--signature/);
    expect(refused.logs.some((r) => r.msg === 'ready')).toBe(false);

    const pulsar = await ServeProcess.start([fixture('both-signatures.mjs'), '--signature', 'pulsar']);
    expect(json(await post(pulsar.url, { 'content-type': 'text/plain' }, 'x'))).toEqual({
      via: 'default',
      input: 'x',
    });
    const knative = await ServeProcess.start([fixture('both-signatures.mjs'), '--signature', 'knative']);
    expect(json(await post(knative.url, CE_HEADERS))).toEqual({ via: 'handle', id: 'evt-1' });
  });

  it('exits 1 with one readable line, never ready, for modules it cannot serve', async () => {
    await writeFile(join(scratch, 'syntax.ts'), 'export default function (input) { return input +; }\n');
    await writeFile(join(scratch, 'enum.ts'), 'enum Colour { Red }\nexport default () => Colour.Red;\n');
    await writeFile(join(scratch, 'throws.mjs'), 'throw new Error("module-level failure");\n');
    await writeFile(
      join(scratch, 'init-fails.mjs'),
      'export default (x) => x;\nexport function init() { throw new Error("no db"); }\n',
    );
    await writeFile(join(scratch, 'notes.txt'), 'not code');
    const cases: Array<[string, RegExp]> = [
      [join(scratch, 'syntax.ts'), /cannot load .*syntax\.ts/],
      [join(scratch, 'enum.ts'), /cannot load .*enum\.ts/],
      [join(scratch, 'throws.mjs'), /module-level failure/],
      [join(scratch, 'init-fails.mjs'), /init\(\) failed: no db/],
      [join(scratch, 'missing.ts'), /does not exist/],
      [join(scratch, 'notes.txt'), /not a function module/],
      [fixture('no-entry-point.js'), /does not export a default function or handle\(\)/],
    ];
    for (const [file, message] of cases) {
      const serve = await ServeProcess.start([file], { waitFor: 'none' });
      expect([file, await serve.exited]).toEqual([file, 1]);
      expect(serve.stderr).toMatch(message);
      expect(serve.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
      expect(serve.logs.some((r) => r.msg === 'ready')).toBe(false);
      expect(serve.logs.find((r) => r.level === 60)?.['code']).toMatch(/^KNMESH_HOST_/);
    }
  });

  it('refuses a missing argument and bad options with exit status 2', async () => {
    const noFile = await ServeProcess.start([], { waitFor: 'none' });
    expect(await noFile.exited).toBe(2);
    expect(noFile.stderr).toContain('missing the function file or URL');
    const badConfig = await ServeProcess.start([fixture('behaviour.ts')], {
      waitFor: 'none',
      env: { FUNC_CONFIG: '[1]' },
    });
    expect(await badConfig.exited).toBe(2);
    expect(badConfig.stderr).toContain('FUNC_CONFIG');
  });

  it('resolves a relative path against the working directory and names the function after the file', async () => {
    const serve = await ServeProcess.start(['test/integration/host/fixtures/behaviour.ts']);
    expect(serve.logs[0]?.['function']).toBe('public/default/behaviour');
    expect((await get(`${serve.url}/health/readiness`)).status).toBe(200);
  });
});
