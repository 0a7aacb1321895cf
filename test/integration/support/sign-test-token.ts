import { createHmac } from 'node:crypto';

/** An HS256 JWT for `subject`, as `pulsar tokens create --secret-key` makes them; `expiresAt` in ms. */
export function signTestToken(subject: string, base64Key: string, expiresAt?: number): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims =
    expiresAt === undefined ? { sub: subject } : { sub: subject, exp: Math.floor(expiresAt / 1000) };
  const unsigned = `${encode({ alg: 'HS256' })}.${encode(claims)}`;
  const signature = createHmac('sha256', Buffer.from(base64Key, 'base64'))
    .update(unsigned)
    .digest('base64url');
  return `${unsigned}.${signature}`;
}
