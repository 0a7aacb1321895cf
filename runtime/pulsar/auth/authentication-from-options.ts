import { fileURLToPath } from 'node:url';
import { PulsarErrors } from '../pulsar-errors.ts';
import { noAuthentication, type Authentication } from './authentication.ts';
import { tokenAuthentication } from './token-authentication.ts';

export interface AuthenticationSettings {
  readonly authToken?: string | undefined;
  readonly authTokenFile?: string | undefined;
  /** Java plugin class name as in Function Mesh auth secrets (`clientAuthenticationPlugin`). */
  readonly authPlugin?: string | undefined;
  /** `clientAuthenticationParameters`: `token:<jwt>`, `file:///path`, or JSON `{"token": ...}`. */
  readonly authParams?: string | undefined;
}

const TOKEN_PLUGINS = new Set([
  'org.apache.pulsar.client.impl.auth.AuthenticationToken',
  'AuthenticationToken',
  'token',
]);

/** Turns the connection options (flags or Function Mesh's auth Secret) into an `Authentication`. */
export function authenticationFromOptions(settings: AuthenticationSettings): Authentication {
  if (settings.authToken) return tokenAuthentication({ token: settings.authToken });
  if (settings.authTokenFile) return tokenAuthentication({ tokenFile: settings.authTokenFile });
  const plugin = settings.authPlugin?.trim();
  const params = settings.authParams?.trim();
  if (!plugin) {
    if (params) return fromTokenParams(params);
    return noAuthentication;
  }
  if (TOKEN_PLUGINS.has(plugin)) {
    if (!params) throw PulsarErrors.invalidConfiguration.create(`${plugin} needs authentication parameters`);
    return fromTokenParams(params);
  }
  if (plugin.endsWith('AuthenticationOAuth2')) {
    throw PulsarErrors.invalidConfiguration.create(
      'OAuth2 client credentials (AuthenticationOAuth2) are not supported yet; use token authentication',
    );
  }
  throw PulsarErrors.invalidConfiguration.create(`unsupported authentication plugin ${plugin}`);
}

function fromTokenParams(params: string): Authentication {
  if (params.startsWith('token:')) return tokenAuthentication({ token: params.slice('token:'.length) });
  if (params.startsWith('file:')) {
    return tokenAuthentication({
      tokenFile: params.startsWith('file://') ? fileURLToPath(params) : params.slice(5),
    });
  }
  if (params.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(params);
    } catch {
      throw PulsarErrors.invalidConfiguration.create('authentication parameters are not valid JSON');
    }
    const token = (parsed as { token?: unknown }).token;
    if (typeof token === 'string') return fromTokenParams(token.includes(':') ? token : `token:${token}`);
    throw PulsarErrors.invalidConfiguration.create('authentication parameters carry no "token"');
  }
  // A bare JWT, as some secrets hold it.
  return tokenAuthentication({ token: params });
}
