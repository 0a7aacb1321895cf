/** Kubernetes types that Function Mesh embeds and knmesh validates with kubernetes-models. */
export type KubernetesModelName =
  | 'Affinity'
  | 'Container'
  | 'EnvVar'
  | 'HorizontalPodAutoscalerBehavior'
  | 'LocalObjectReference'
  | 'PodSecurityContext'
  | 'Probe'
  | 'Toleration'
  | 'Volume';
