import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSender } from '../../../runtime/bridge/http-sender.ts';
import { findFreePort } from '../../../runtime/net/port-availability.ts';

// A real HTTP server on loopback whose answer each test picks by path.
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      switch (req.url) {
        case '/echo':
          res.writeHead(200, { 'content-type': 'text/plain', 'ce-id': 'reply' });
          res.end('pong');
          return;
        case '/trickle': {
          // Headers at once, then a byte every 100 ms for 2 s: never idle for long, never done in time.
          res.writeHead(200, { 'content-type': 'text/plain' });
          let sent = 0;
          const timer = setInterval(() => {
            if (res.destroyed || ++sent > 20) {
              clearInterval(timer);
              if (!res.destroyed) res.end();
              return;
            }
            res.write('x');
          }, 100);
          return;
        }
        case '/silent':
          return; // never answers
        case '/stall':
          // Headers and a first chunk at once, then nothing more.
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('x');
          return;
        case '/large':
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(Buffer.alloc(4096));
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function sender(path: string, sink = base): HttpSender {
  return new HttpSender({
    sink: `${sink}${path}`,
    connections: 4,
    connectTimeoutMs: 1000,
    maxResponseBytes: 1024,
  });
}

const request = { headers: { 'content-type': 'text/plain' }, body: 'ping' };

describe('HttpSender against a real HTTP server', () => {
  it('returns status, headers and body of an answer', async () => {
    const s = sender('/echo');
    const answer = await s.send(request, 1000);
    expect(answer).toMatchObject({ status: 200, headers: { 'ce-id': 'reply' } });
    expect((answer as { body: Buffer }).body.toString()).toBe('pong');
    await s.close();
  });

  it('times out an answer that does not come, after the request time', async () => {
    const s = sender('/silent');
    const started = Date.now();
    expect(await s.send(request, 300)).toMatchObject({ kind: 'timeout', beforeInvocation: false });
    expect(Date.now() - started).toBeLessThan(5000); // undici checks header timeouts coarsely
    await s.close();
  });

  it('cuts an answer still trickling in past the request time, though it never pauses long', async () => {
    const s = sender('/trickle');
    const started = Date.now();
    expect(await s.send(request, 500)).toMatchObject({ kind: 'timeout', reason: 'no answer within 500 ms' });
    // The body would take 2 s; pauses of 100 ms alone never reach undici's body timeout.
    expect(Date.now() - started).toBeLessThan(1500);
    await s.close();
  });

  it('ends an answer that stalls after its first chunk at the request time, not twice it', async () => {
    const s = sender('/stall');
    const started = Date.now();
    expect(await s.send(request, 1000)).toMatchObject({ kind: 'timeout' });
    // undici's body timeout alone would start over at the chunk: about 2000 ms.
    expect(Date.now() - started).toBeLessThan(1700);
    await s.close();
  });

  it('refuses an answer above maxResponseBytes', async () => {
    const s = sender('/large');
    expect(await s.send(request, 1000)).toMatchObject({ kind: 'too-large', beforeInvocation: false });
    await s.close();
  });

  it('tells a refused connection apart: the function certainly did not run', async () => {
    const port = await findFreePort('127.0.0.1');
    const s = sender('/echo', `http://127.0.0.1:${port}`);
    expect(await s.send(request, 1000)).toMatchObject({ kind: 'unreachable', beforeInvocation: true });
    await s.close();
  });
});
