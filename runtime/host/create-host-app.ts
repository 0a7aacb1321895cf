import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { KnmeshError } from '../errors/knmesh-error.ts';
import type { Logger } from '../observability/create-logger.ts';
import type { HealthState } from '../observability/health-state.ts';
import type { EventRequestHandler } from './event-request-handler.ts';
import { HostErrors } from './host-errors.ts';
import { HOST_ROUTES } from './host-routes.ts';
import { writeError, writeJson, writeResponse } from './write-response.ts';

export interface HostAppOptions {
  readonly health: HealthState;
  readonly registry: Registry;
  readonly events: EventRequestHandler;
  readonly logger: Logger;
}

/**
 * The host's express 5 application: Knative Functions' probe paths, `/metrics` (outside the
 * instrumented event route, so scrapes are not counted), and events POSTed to any path — the bridge
 * posts to its sink URL as it is, and a 404 would be retried.
 */
export function createHostApp(options: HostAppOptions): Express {
  const { health, registry, events, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const draining = (): boolean => health.phase === 'draining' || health.phase === 'stopped';

  // Events first: the hot route should not walk past the probe routes on every request.
  app.post('/{*path}', events.handle);
  app.get(HOST_ROUTES.liveness, (_req, res) => {
    writeJson(
      res,
      health.live ? 200 : 503,
      { status: health.live ? 'live' : 'stopped' },
      { close: draining() },
    );
  });
  app.get(HOST_ROUTES.readiness, (_req, res) => {
    writeJson(res, health.ready ? 200 : 503, { status: health.phase }, { close: draining() });
  });
  app.get(HOST_ROUTES.metrics, (_req, res, next) => {
    registry
      .metrics()
      .then(
        (text) => writeResponse(res, 200, { headers: { 'content-type': registry.contentType }, body: text }),
        next,
      );
  });
  app.all('/{*path}', (req, res) => {
    req.resume();
    res.setHeader('allow', 'POST');
    writeError(res, HostErrors.methodNotAllowed.create(`${req.method} is not allowed here; POST events`));
  });
  // Express 5 forwards rejected promises here. Nothing internal reaches the client.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown }).status;
    let answer: KnmeshError;
    if (error instanceof KnmeshError) answer = error;
    else if (typeof status === 'number' && status >= 400 && status < 500) {
      answer = HostErrors.badRequest.create('the request is malformed');
    } else {
      logger.error({ err: error }, 'unexpected failure in the HTTP layer');
      answer = HostErrors.internal.create('unexpected failure of the function host');
    }
    if (!res.headersSent) writeError(res, answer);
    else res.destroy();
  });
  return app;
}
