/**
 * The ingress's fixed routes; every other path accepts events (POST). The translator builds the
 * ingress Knative Service's probes from these, so the two cannot disagree.
 */
export const INGRESS_ROUTES = {
  liveness: '/healthz',
  readiness: '/readyz',
  metrics: '/metrics',
} as const;
