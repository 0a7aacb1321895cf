import { createServer, Agent as HttpAgent, type Server } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest, AdminTimeout, type AdminAgents } from '../../../runtime/pulsar/admin/admin-request.ts';

// A real HTTP server on loopback. On `/drop-second` it answers the first request of a connection
// and resets the connection at the second, as a broker's idle timeout does to a kept-alive socket
// the client reuses at the same moment.
let server: Server;
let base: string;
const requestsOn = new WeakMap<Socket, number>();
const perPath = new Map<string, number>();
const requestsTo = (path: string): number => perPath.get(path) ?? 0;
let connections = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const n = (requestsOn.get(req.socket) ?? 0) + 1;
    requestsOn.set(req.socket, n);
    perPath.set(req.url ?? '', requestsTo(req.url ?? '') + 1);
    req.resume();
    req.on('end', () => {
      if (req.url === '/drop-second' && n === 2) {
        req.socket.destroy();
        return;
      }
      if (req.url === '/silent') return;
      if (req.url === '/partial-second' && n === 2) {
        // Part of a status line, then the connection drops: the request did arrive.
        req.socket.end('HTTP/1.1 20');
        return;
      }
      if (req.url === '/late-drop-second') {
        // Each answer takes 250 ms; the second request of a connection gets a reset instead.
        setTimeout(() => {
          if (n === 2) req.socket.destroy();
          else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        }, 250);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, n }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function agents(): AdminAgents {
  return { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
}

const count = (text: string): number => (JSON.parse(text) as { n: number }).n;

const init = (method: string, a: AdminAgents) => ({
  method,
  headers: { accept: 'application/json' },
  timeoutMs: 2000,
  agents: a,
});

describe('adminRequest against a real HTTP server', () => {
  it('reuses its connection for the next request', async () => {
    const a = agents();
    const before = connections;
    const first = await adminRequest(new URL(`${base}/ok`), init('GET', a));
    const second = await adminRequest(new URL(`${base}/ok`), init('GET', a));
    expect([first.status, count(first.text), count(second.text)]).toEqual([200, 1, 2]);
    expect(connections - before).toBe(1);
    a.http.destroy();
  });

  it('sends an idempotent request again when the reused connection was reset before any answer', async () => {
    const a = agents();
    const before = connections;
    await adminRequest(new URL(`${base}/drop-second`), init('GET', a));
    const again = await adminRequest(new URL(`${base}/drop-second`), init('PUT', a));
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual({ method: 'PUT', n: 1 }); // on a new connection
    expect(connections - before).toBe(2);
    a.http.destroy();
  });

  it('does not send a POST twice: the reset is reported', async () => {
    const a = agents();
    await adminRequest(new URL(`${base}/drop-second`), init('GET', a));
    await expect(adminRequest(new URL(`${base}/drop-second`), init('POST', a))).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
    a.http.destroy();
  });

  it('does not send again when part of the answer came before the reset', async () => {
    const a = agents();
    const before = requestsTo('/partial-second');
    await adminRequest(new URL(`${base}/partial-second`), init('GET', a));
    await expect(adminRequest(new URL(`${base}/partial-second`), init('PUT', a))).rejects.toThrow();
    expect(requestsTo('/partial-second') - before).toBe(2); // not 3
    a.http.destroy();
  });

  it('keeps one time limit for the request and its resend', async () => {
    const a = agents();
    await adminRequest(new URL(`${base}/late-drop-second`), init('GET', a));
    const started = Date.now();
    // The reused connection drops after 250 ms of 300; the resend has the 50 ms left, not 300 more
    // (it would be answered after 250 ms).
    await expect(
      adminRequest(new URL(`${base}/late-drop-second`), { ...init('GET', a), timeoutMs: 300 }),
    ).rejects.toBeInstanceOf(AdminTimeout);
    expect(Date.now() - started).toBeLessThan(450);
    a.http.destroy();
  });

  it('gives up after its time with AdminTimeout', async () => {
    const a = agents();
    const started = Date.now();
    await expect(
      adminRequest(new URL(`${base}/silent`), { ...init('GET', a), timeoutMs: 300 }),
    ).rejects.toBeInstanceOf(AdminTimeout);
    expect(Date.now() - started).toBeLessThan(2000);
    a.http.destroy();
  });
});
