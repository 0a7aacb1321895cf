import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that holds every request until the test opens the gate: functions under
 * test `await fetch(gate.url)` to stay "in flight" exactly as long as the test wants, with no sleeps.
 */
export class GateServer {
  readonly #held: ServerResponse[] = [];
  #arrivals = 0;
  #open = false;
  readonly #server = createServer((req, res) => {
    req.resume();
    this.#arrivals++;
    if (this.#open) res.end('open');
    else this.#held.push(res);
  });

  static async start(): Promise<GateServer> {
    const gate = new GateServer();
    await new Promise<void>((resolve) => gate.#server.listen(0, '127.0.0.1', resolve));
    return gate;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`;
  }

  get arrivals(): number {
    return this.#arrivals;
  }

  open(): void {
    this.#open = true;
    for (const res of this.#held.splice(0)) res.end('open');
  }

  async close(): Promise<void> {
    this.open();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
