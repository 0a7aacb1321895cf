import { setTimeout as sleep } from 'node:timers/promises';

export interface ReadinessProbe {
  readonly adminUrl: string;
  readonly timeoutMs: number;
  /** Stops waiting early, e.g. when the broker process has exited. */
  readonly abort?: () => string | undefined;
}

async function check(url: string, accept: (body: string) => boolean): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return response.ok && accept(await response.text());
  } catch {
    return false;
  }
}

/**
 * True readiness of a standalone broker: the broker reports Started, the `public/default`
 * namespace exists (it is created after start-up), and the health check round-trips a message
 * through BookKeeper.
 */
export async function isPulsarReady(adminUrl: string): Promise<boolean> {
  return (
    (await check(`${adminUrl}/admin/v2/brokers/ready`, (b) => b.includes('ok'))) &&
    (await check(`${adminUrl}/admin/v2/namespaces/public`, (b) => b.includes('public/default'))) &&
    (await check(`${adminUrl}/admin/v2/brokers/health`, (b) => b.includes('ok')))
  );
}

/** Polls until ready; returns undefined on success or the reason it gave up. */
export async function waitForPulsar(probe: ReadinessProbe): Promise<string | undefined> {
  const until = Date.now() + probe.timeoutMs;
  while (Date.now() < until) {
    const aborted = probe.abort?.();
    if (aborted !== undefined) return aborted;
    if (await isPulsarReady(probe.adminUrl)) return undefined;
    await sleep(500);
  }
  return `not ready after ${Math.round(probe.timeoutMs / 1000)} s`;
}
