/** The parts of a Kubernetes container that `knmesh dev` reads from translated objects. */
export interface EnvVarSpec {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly fieldRef?: { readonly fieldPath: string };
    readonly secretKeyRef?: { readonly name: string; readonly key: string };
    readonly configMapKeyRef?: { readonly name: string; readonly key: string };
  };
}

export interface EnvFromSpec {
  readonly configMapRef?: { readonly name: string };
  readonly secretRef?: { readonly name: string };
  readonly prefix?: string;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly args?: readonly string[];
  readonly env?: readonly EnvVarSpec[];
  readonly envFrom?: readonly EnvFromSpec[];
}
