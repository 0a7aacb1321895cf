/**
 * The function host's fixed routes (Knative Functions' probe paths). The translator builds the
 * Knative Service's probes from these, so the two cannot disagree.
 */
export const HOST_ROUTES = {
  liveness: '/health/liveness',
  readiness: '/health/readiness',
  metrics: '/metrics',
} as const;
