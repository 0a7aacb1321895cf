/**
 * The least CPU an HTTP/1.1 round trip costs in Node on this machine: undici (the bridge's client,
 * `dispatch()` as the bridge uses it) POSTs `size` bytes to a bare `node:http` server that answers
 * with the same bytes, `concurrency` requests at once over keep-alive connections, client and server
 * in this one process. No Pulsar, no CloudEvents, no function: what per-message delivery cannot go
 * below, to set beside the bridge + function CPU per message.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

export interface HttpFloor {
  readonly requests: number;
  readonly requestsPerSecond: number;
  /** User + system CPU of client and server together, per request. */
  readonly cpuUsPerRequest: number;
}

export async function measureHttpFloor(
  size: number,
  concurrency: number,
  requests: number,
): Promise<HttpFloor> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency, pipelining: 1 });
  const body = Buffer.alloc(size, 'k');
  const headers = { 'content-type': 'application/octet-stream' };
  let sent = 0;
  let answered = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('HTTP floor: not done within 120 s')), 120_000);
      const next = (): void => {
        if (sent >= requests) return;
        sent++;
        pool.dispatch(
          { path: '/', method: 'POST', headers, body },
          {
            onRequestStart: () => undefined,
            onResponseStart: () => undefined,
            onResponseData: () => undefined,
            onResponseEnd: () => {
              answered++;
              if (answered === requests) {
                clearTimeout(deadline);
                resolve();
              } else next();
            },
            onResponseError: (_controller, error) => {
              clearTimeout(deadline);
              reject(error instanceof Error ? error : new Error(String(error)));
            },
          },
        );
      };
      for (let i = 0; i < concurrency; i++) next();
    });
  } finally {
    await pool.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  return {
    requests,
    requestsPerSecond: requests / seconds,
    cpuUsPerRequest: (cpu.user + cpu.system) / requests,
  };
}
