/**
 * The cluster-internal address of a Knative Service, as Knative reports it in status.address.url.
 * When the namespace is not known at translation time, `$(POD_NAMESPACE)` lets Kubernetes fill it
 * in from the downward API variable of the same name, defined earlier in the container's env.
 */
export function sinkUrl(service: string, namespace: string | undefined, clusterDomain: string): string {
  return `http://${service}.${namespace ?? '$(POD_NAMESPACE)'}.svc.${clusterDomain}`;
}
