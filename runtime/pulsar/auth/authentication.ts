/**
 * How a client proves who it is, to the broker (CONNECT / AUTH_CHALLENGE) and to the admin REST
 * API (HTTP headers). Implementations fetch fresh credentials on every call, so a token file
 * rotated by Kubernetes, or an OAuth2 access token, is picked up on reconnect and on refresh.
 */
export interface Authentication {
  /** `auth_method_name` of CONNECT, e.g. `token`; `none` sends no credentials. */
  readonly methodName: string;
  /** Credentials for CONNECT and answers to AUTH_CHALLENGE. */
  authData(): Promise<Buffer>;
  /** Headers for admin REST calls. */
  httpHeaders(): Promise<Record<string, string>>;
}

export const noAuthentication: Authentication = {
  methodName: 'none',
  authData: () => Promise.resolve(Buffer.alloc(0)),
  httpHeaders: () => Promise.resolve({}),
};
