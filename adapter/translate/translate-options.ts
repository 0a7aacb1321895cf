export interface TranslateOptions {
  /** The knmesh image that runs `serve`, `bridge` and `ingress`. */
  readonly image: string;
  /** Namespace for objects that do not name one (`--namespace`). */
  readonly namespace: string | undefined;
  /** Kubernetes cluster DNS domain of in-cluster addresses. */
  readonly clusterDomain: string;
  /** Reject fields that need a Knative feature flag instead of warning. */
  readonly strict: boolean;
  /** Copy objects of other kinds to the output instead of rejecting them. */
  readonly passthrough: boolean;
}
