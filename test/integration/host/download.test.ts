import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CE_HEADERS, json, post } from './http-kit.ts';
import { fixture, ServeProcess, stopAllServeProcesses } from './serve-process.ts';

let server: Server;
let base: string;
let downloads = 0;

beforeAll(async () => {
  const behaviour = await readFile(fixture('behaviour.ts'));
  server = createServer((req, res) => {
    downloads++;
    if (req.url?.startsWith('/functions/behaviour.ts')) res.end(behaviour);
    else res.writeHead(404).end('no such function');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await stopAllServeProcesses();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('knmesh serve <url>', () => {
  it('downloads the function once, serves it (its knmesh/function import included) and removes the copy on exit', async () => {
    const before = downloads;
    const serve = await ServeProcess.start([`${base}/functions/behaviour.ts?token=secret-token`]);
    expect(downloads - before).toBe(1);
    const file = String(serve.logs.find((r) => r.msg === 'function loaded')?.['file']);
    expect(file).toMatch(/knmesh-function-.*\/behaviour\.ts$/);
    expect(serve.logs[0]?.['function']).toBe('public/default/behaviour');
    expect((await post(serve.url, { ...CE_HEADERS, 'content-type': 'text/plain' }, 'remote')).text).toBe(
      'remote!',
    );
    // NonRetryableError comes from knmesh/function, resolved from the temporary directory.
    const rejected = await post(
      serve.url,
      { ...CE_HEADERS, 'content-type': 'application/json' },
      '{"action":"reject"}',
    );
    expect([rejected.status, json(rejected)['code']]).toEqual([422, 'KNMESH_FUNCTION_REJECTED']);
    expect(JSON.stringify(serve.logs)).not.toContain('secret-token');
    expect(await serve.stop()).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('exits 1 naming the URL (without its query) when the download fails', async () => {
    const serve = await ServeProcess.start([`${base}/functions/missing.ts?token=secret-token`], {
      waitFor: 'none',
    });
    expect(await serve.exited).toBe(1);
    expect(serve.stderr).toContain(`cannot download ${base}/functions/missing.ts: HTTP 404`);
    expect(serve.stderr).not.toContain('secret-token');
  });

  it('refuses a URL whose path does not name a module type', async () => {
    const serve = await ServeProcess.start([`${base}/functions/behaviour`], { waitFor: 'none' });
    expect(await serve.exited).toBe(1);
    expect(serve.stderr).toContain('must end in .ts');
  });
});
