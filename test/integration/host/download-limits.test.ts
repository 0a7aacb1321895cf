import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveFunctionLocation } from '../../../runtime/host/resolve-function-location.ts';

let server: Server | undefined;
afterAll(() => server?.close());

describe('function download limits', () => {
  it('stops reading a body without Content-Length once it passes the limit', async () => {
    let written = 0;
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/javascript' }); // chunked: no Content-Length
      const chunk = Buffer.alloc(64 * 1024, 32);
      const pump = (): void => {
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const port = await new Promise<number>((r) =>
      server!.listen(0, '127.0.0.1', () => r((server!.address() as { port: number }).port)),
    );
    await expect(
      resolveFunctionLocation(`http://127.0.0.1:${port}/fn.mjs`, {
        cwd: process.cwd(),
        timeoutMs: 10_000,
        maxBytes: 1024 * 1024,
        attempts: 1,
      }),
    ).rejects.toThrow(`cannot download http://127.0.0.1:${port}/fn.mjs: larger than 1048576 bytes`);
    expect(written).toBeLessThan(64 * 1024 * 1024); // the sender was cut off, not drained to the end
  });

  it('answers a malformed function URL with a catalogued error', async () => {
    await expect(
      resolveFunctionLocation('http://example.test/%E0%A4%A.mjs', { cwd: process.cwd(), timeoutMs: 1000 }),
    ).rejects.toMatchObject({ code: 'KNMESH_HOST_FUNCTION_NOT_FOUND' });
  });
});
