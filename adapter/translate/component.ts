import type { ComponentSpec } from './component-spec.ts';
import type { FieldPath } from './diagnostics.ts';
import type { ComponentKind } from './field-table.ts';

/**
 * One Function, Source or Sink to translate: a standalone object, or a FunctionMesh member
 * (named `<mesh>-<member>` as Function Mesh names its child objects).
 */
export interface Component {
  readonly kind: ComponentKind;
  /** Kubernetes name the generated object names derive from. */
  readonly name: string;
  /** Pulsar function name: `spec.name`, else the object (or member) name. */
  readonly pulsarName: string;
  /** Kubernetes namespace of the generated objects, when known. */
  readonly namespace: string | undefined;
  readonly spec: ComponentSpec;
  /** Where the spec sits in its document: `['spec']` or `['spec', 'functions', 0]`. */
  readonly specPath: FieldPath;
  /** Labels and annotations of the Function Mesh object (for a member: of the FunctionMesh). */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Where those annotations sit, for messages. */
  readonly annotationsPath: FieldPath;
  /** The application the component belongs to: the FunctionMesh name, else its own name. */
  readonly partOf: string;
}
