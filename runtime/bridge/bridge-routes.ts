/**
 * The bridge's HTTP routes (on `--port`). The translator builds the bridge Deployment's probes from
 * these, so the two cannot disagree.
 */
export const BRIDGE_ROUTES = {
  liveness: '/healthz',
  readiness: '/readyz',
  metrics: '/metrics',
} as const;
