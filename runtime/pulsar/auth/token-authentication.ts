import { readFile } from 'node:fs/promises';
import { PulsarErrors } from '../pulsar-errors.ts';
import type { Authentication } from './authentication.ts';

export type TokenSource =
  | { readonly token: string }
  | { readonly tokenFile: string }
  | { readonly tokenSupplier: () => Promise<string> | string };

/**
 * JWT token authentication (`AuthenticationToken` of the Java client). A token file is read on
 * every use: Kubernetes rotates projected tokens in place. The token never appears in errors.
 */
export function tokenAuthentication(source: TokenSource): Authentication {
  const read = async (): Promise<string> => {
    let token: string;
    if ('token' in source) token = source.token;
    else if ('tokenSupplier' in source) token = await source.tokenSupplier();
    else {
      try {
        token = await readFile(source.tokenFile, 'utf8');
      } catch (error) {
        throw PulsarErrors.authenticationFailed.create(
          `cannot read the token file ${source.tokenFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
    }
    token = token.trim();
    if (token.length === 0)
      throw PulsarErrors.authenticationFailed.create('the authentication token is empty');
    return token;
  };
  return {
    methodName: 'token',
    authData: async () => Buffer.from(await read(), 'utf8'),
    httpHeaders: async () => ({ authorization: `Bearer ${await read()}` }),
  };
}
