import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { PulsarAdmin } from '../../../runtime/pulsar/admin/pulsar-admin.ts';
import { tokenAuthentication } from '../../../runtime/pulsar/auth/token-authentication.ts';

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

function serve(
  handler: (req: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: string },
): Promise<string> {
  const server = createServer((req, res) => {
    const answer = handler(req);
    res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
  });
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`),
    ),
  );
}

// A broker answers 307 for a topic another broker owns; the other broker is another origin, and
// it checks the token too (fetch would drop the Authorization header on that hop).
describe('admin client behind broker redirects', () => {
  it('follows a cross-origin 307 and keeps the credentials', async () => {
    const seen: (string | undefined)[] = [];
    const owner = await serve((req) => {
      seen.push(req.headers.authorization);
      return req.headers.authorization === 'Bearer secret-token'
        ? {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: '{"subscriptions":{"s":{"msgBacklog":7}}}',
          }
        : { status: 401 };
    });
    const ownerOtherOrigin = owner.replace('127.0.0.1', 'localhost');
    const entry = await serve((req) => ({
      status: 307,
      headers: { location: `${ownerOtherOrigin}${req.url}` },
    }));
    const admin = new PulsarAdmin({
      adminUrl: entry,
      authentication: tokenAuthentication({ token: 'secret-token' }),
    });
    expect(await admin.backlog('persistent://public/default/t', 's')).toBe(7);
    expect(seen.every((a) => a === 'Bearer secret-token')).toBe(true);
  });

  it('refuses a redirect loop with a clear error', async () => {
    let url = '';
    url = await serve(() => ({ status: 307, headers: { location: `${url}/admin/v2/brokers/health` } }));
    const admin = new PulsarAdmin({ adminUrl: url });
    await expect(admin.topicStats('persistent://public/default/t')).rejects.toThrow('more than 10 redirects');
  });
});
