/**
 * The least CPU an HTTP/1.1 round trip costs in Node on this machine: the bridge's own HttpSender
 * (node:http keep-alive pool, as the bridge uses it) POSTs `size` bytes to a bare `node:http` server
 * that answers with the same bytes, `concurrency` requests at once, client and server in this one
 * process, measured after as many unmeasured requests. No Pulsar, no CloudEvents, no function: what
 * per-message delivery cannot go below, to set beside the bridge + function CPU per message.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpSender } from '../../runtime/bridge/http-sender.ts';

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
  const sender = new HttpSender({
    sink: `http://127.0.0.1:${port}/`,
    connections: concurrency,
    connectTimeoutMs: 10_000,
    maxResponseBytes: 1 << 20,
  });
  const message = { headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(size, 'k') };
  // The same number of requests unmeasured first: warm, like the pipeline it is set beside.
  const run = async (count: number): Promise<void> => {
    let sent = 0;
    const worker = async (): Promise<void> => {
      while (sent < count) {
        sent++;
        const answer = await sender.send(message, 10_000);
        if (!('status' in answer)) throw new Error(`HTTP floor: ${answer.reason}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  const measured = async (): Promise<{ cpu: NodeJS.CpuUsage; seconds: number }> => {
    await run(requests);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await run(requests);
    return { cpu: process.cpuUsage(cpuBefore), seconds: (performance.now() - started) / 1000 };
  };
  let cpu: NodeJS.CpuUsage;
  let seconds: number;
  try {
    ({ cpu, seconds } = await measured());
  } finally {
    await sender.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return {
    requests,
    requestsPerSecond: requests / seconds,
    cpuUsPerRequest: (cpu.user + cpu.system) / requests,
  };
}
