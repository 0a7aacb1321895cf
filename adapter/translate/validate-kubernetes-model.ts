import { HorizontalPodAutoscalerBehavior } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscalerBehavior';
import { Affinity } from 'kubernetes-models/v1/Affinity';
import { Container } from 'kubernetes-models/v1/Container';
import { EnvVar } from 'kubernetes-models/v1/EnvVar';
import { LocalObjectReference } from 'kubernetes-models/v1/LocalObjectReference';
import { PodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import { Probe } from 'kubernetes-models/v1/Probe';
import { Toleration } from 'kubernetes-models/v1/Toleration';
import { Volume } from 'kubernetes-models/v1/Volume';
import type { KubernetesModelName } from './kubernetes-model-name.ts';

interface Validatable {
  validate(): void;
}

const MODELS: Readonly<Record<KubernetesModelName, new (data: never) => Validatable>> = {
  Affinity,
  Container,
  EnvVar,
  HorizontalPodAutoscalerBehavior,
  LocalObjectReference,
  PodSecurityContext,
  Probe,
  Toleration,
  Volume,
};

export interface ModelProblem {
  /** Path below the validated value. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

interface AjvError {
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/**
 * Checks a value embedded in a Function Mesh spec against the Kubernetes OpenAPI schema of its type
 * (kubernetes-models), so a bad Volume or Container is reported before Kubernetes sees it.
 */
export function validateKubernetesModel(name: KubernetesModelName, value: unknown): ModelProblem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path: [], message: `must be an object (Kubernetes ${name})` }];
  }
  try {
    new MODELS[name](value as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: readonly AjvError[] }).errors;
    if (!Array.isArray(errors)) throw error;
    return errors.map((e: AjvError) => ({
      path: toPath(e.instancePath ?? '', value),
      message: `${e.message ?? 'is invalid'} (Kubernetes ${name})`,
    }));
  }
}

function toPath(pointer: string, root: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  let node: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const index = Array.isArray(node) && /^\d+$/.test(part) ? Number(part) : undefined;
    out.push(index ?? part);
    node =
      index !== undefined
        ? (node as unknown[])[index]
        : (node as Record<string, unknown> | undefined)?.[part];
  }
  return out;
}
