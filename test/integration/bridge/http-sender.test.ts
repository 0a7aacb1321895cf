import { createServer, type Server } from 'node:http';
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
  type Socket,
} from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSender } from '../../../runtime/bridge/http-sender.ts';
import { findFreePort } from '../../../runtime/net/port-availability.ts';

// A real HTTP server on loopback whose answer each test picks by path.
let server: Server;
let base: string;

const connections: string[] = [];

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
        case '/headers':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ headers: req.headers, raw: req.rawHeaders }));
          return;
        case '/large-declared':
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '4096' });
          res.end(Buffer.alloc(4096));
          return;
        case '/large-chunked':
          // No content-length: only the bytes read so far tell it is too large.
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          for (let i = 0; i < 8; i++) res.write(Buffer.alloc(512));
          res.end();
          return;
        case '/cut':
          // Headers and part of the declared body, then the connection drops.
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
          res.write('x');
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        case '/slow':
          setTimeout(() => res.end('late'), 300);
          return;
      }
    });
  });
  server.on('connection', (socket) => connections.push(`${socket.remotePort}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function sender(path: string, sink = base, connectTimeoutMs = 1000): HttpSender {
  return new HttpSender({
    sink: `${sink}${path}`,
    connections: 4,
    connectTimeoutMs,
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

  it('sends Host, the content length and every header, a repeated one as often as it is given', async () => {
    const s = sender('/headers');
    const body = 'héllo'; // 6 bytes in UTF-8
    const answer = await s.send(
      { headers: { 'content-type': 'text/plain', 'ce-id': 'e-1', 'x-many': ['a', 'b'] }, body },
      1000,
    );
    const seen = JSON.parse((answer as { body: Buffer }).body.toString()) as {
      headers: Record<string, string>;
      raw: string[];
    };
    expect(seen.headers).toMatchObject({
      host: new URL(base).host,
      'content-length': '6',
      'content-type': 'text/plain',
      'ce-id': 'e-1',
      connection: 'keep-alive',
    });
    expect(seen.raw.filter((_, i) => i % 2 === 0 && seen.raw[i] === 'x-many')).toHaveLength(2);
    await s.close();
  });

  it('times out an answer that does not come, after the request time', async () => {
    const s = sender('/silent');
    const started = Date.now();
    expect(await s.send(request, 300)).toMatchObject({ kind: 'timeout', beforeInvocation: false });
    expect(Date.now() - started).toBeLessThan(5000);
    await s.close();
  });

  it('cuts an answer still trickling in past the request time, though it never pauses long', async () => {
    const s = sender('/trickle');
    const started = Date.now();
    expect(await s.send(request, 500)).toMatchObject({ kind: 'timeout', reason: 'no answer within 500 ms' });
    // The body would take 2 s; an idle timeout alone would never fire on pauses of 100 ms.
    expect(Date.now() - started).toBeLessThan(1500);
    await s.close();
  });

  it('ends an answer that stalls after its first chunk at the request time, not twice it', async () => {
    const s = sender('/stall');
    const started = Date.now();
    expect(await s.send(request, 1000)).toMatchObject({ kind: 'timeout' });
    // An idle timeout alone would start over at the chunk: about 2000 ms.
    expect(Date.now() - started).toBeLessThan(1700);
    await s.close();
  });

  it.each([
    ['declares its length', '/large-declared'],
    ['declares no length (chunked)', '/large-chunked'],
  ])('refuses an answer above maxResponseBytes that %s', async (_how, path) => {
    const s = sender(path);
    expect(await s.send(request, 1000)).toMatchObject({ kind: 'too-large', beforeInvocation: false });
    await s.close();
  });

  it('reports a connection lost in the middle of an answer as unreachable, after invocation', async () => {
    const s = sender('/cut');
    expect(await s.send(request, 2000)).toMatchObject({ kind: 'unreachable', beforeInvocation: false });
    await s.close();
  });

  it('keeps connections alive: requests one after another share one connection', async () => {
    const s = sender('/echo');
    const before = connections.length;
    for (let i = 0; i < 5; i++) expect(await s.send(request, 1000)).toMatchObject({ status: 200 });
    expect(connections.length - before).toBe(1);
    await s.close();
  });

  it('close() waits for the requests in flight', async () => {
    const s = sender('/slow');
    const answer = s.send(request, 2000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    let closed = false;
    const closing = s.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    expect(await answer).toMatchObject({ status: 200 });
    await closing;
    expect(closed).toBe(true);
  });

  it('answers a request node:http refuses to write (a header with a line break) without sending it', async () => {
    const s = sender('/echo');
    const before = connections.length;
    const answer = await s.send({ headers: { 'ce-id': 'a\nb' }, body: 'ping' }, 1000);
    expect(answer).toMatchObject({ kind: 'unreachable', beforeInvocation: true });
    expect(connections.length).toBe(before);
    await s.close(); // nothing left in flight
  });

  // A TLS handshake is part of connecting: nothing of the request has left before it ends.
  async function tcpServer(onSocket: (socket: Socket) => void): Promise<TcpServer> {
    const tcp = createTcpServer(onSocket);
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    return tcp;
  }

  it('counts a TLS handshake that never ends against the connect time, before invocation', async () => {
    const held: Socket[] = [];
    const tcp = await tcpServer((socket) => held.push(socket)); // accepts, never answers the handshake
    const s = sender('/', `https://127.0.0.1:${(tcp.address() as AddressInfo).port}`, 200);
    const started = Date.now();
    expect(await s.send(request, 3000)).toMatchObject({
      kind: 'unreachable',
      beforeInvocation: true,
      reason: 'connecting to the function timed out',
    });
    expect(Date.now() - started).toBeLessThan(1500);
    await s.close();
    held.forEach((socket) => socket.destroy());
    await new Promise((resolve) => tcp.close(resolve));
  });

  it('reports a connection dropped during the TLS handshake as before invocation', async () => {
    const tcp = await tcpServer((socket) => socket.destroy());
    const s = sender('/', `https://127.0.0.1:${(tcp.address() as AddressInfo).port}`);
    expect(await s.send(request, 1000)).toMatchObject({ kind: 'unreachable', beforeInvocation: true });
    await s.close();
    await new Promise((resolve) => tcp.close(resolve));
  });

  it('tells a refused connection apart: the function certainly did not run', async () => {
    const port = await findFreePort('127.0.0.1');
    const s = sender('/echo', `http://127.0.0.1:${port}`);
    expect(await s.send(request, 1000)).toMatchObject({ kind: 'unreachable', beforeInvocation: true });
    await s.close();
  });
});
