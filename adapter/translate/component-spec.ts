/**
 * The part of a Function, Source or Sink spec (or a FunctionMesh member) that the translation reads.
 * Values have the types the field table checked, so after `checkFields` reported no error a spec
 * object may be read through this interface.
 */
export interface ComponentSpec {
  readonly name?: string;
  readonly tenant?: string;
  readonly namespace?: string;
  readonly replicas?: number;
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  readonly image?: string;
  readonly imagePullPolicy?: string;
  readonly java?: object;
  readonly python?: object;
  readonly golang?: object;
  readonly genericRuntime?: GenericRuntime;
  readonly input?: InputConf;
  readonly output?: OutputConf;
  readonly subscriptionName?: string;
  readonly subscriptionPosition?: 'latest' | 'earliest';
  readonly retainOrdering?: boolean;
  readonly retainKeyOrdering?: boolean;
  readonly processingGuarantee?: 'atleast_once' | 'atmost_once' | 'effectively_once' | 'manual';
  readonly timeout?: number;
  readonly maxMessageRetry?: number;
  readonly deadLetterTopic?: string;
  readonly negativeAckRedeliveryDelayMs?: number;
  readonly maxPendingAsyncRequests?: number;
  readonly forwardSourceMessageProperty?: boolean;
  readonly funcConfig?: Readonly<Record<string, unknown>>;
  readonly sinkConfig?: Readonly<Record<string, unknown>>;
  readonly sourceConfig?: Readonly<Record<string, unknown>>;
  readonly secretsMap?: Readonly<Record<string, SecretRef>>;
  readonly resources?: Resources;
  readonly volumeMounts?: readonly VolumeMount[];
  readonly pod?: PodPolicy;
  readonly pulsar?: PulsarMessaging;
  readonly logTopic?: string;
  readonly windowConfig?: object;
  readonly vpa?: object;
}

export interface GenericRuntime {
  readonly functionFile: string;
  readonly language: string;
  readonly functionFileLocation?: string;
}

export interface InputConf {
  readonly topics?: readonly string[];
  readonly topicPattern?: string;
  readonly customSerdeSources?: Readonly<Record<string, string>>;
  readonly customSchemaSources?: Readonly<Record<string, string>>;
  readonly sourceSpecs?: Readonly<Record<string, ConsumerConfig>>;
}

export interface ConsumerConfig {
  readonly isRegexPattern?: boolean;
  readonly receiverQueueSize?: number;
}

export interface OutputConf {
  readonly topic?: string;
  readonly producerConf?: ProducerConf;
}

export interface ProducerConf {
  readonly maxPendingMessages?: number;
  readonly compressionType?: 'NONE' | 'LZ4' | 'ZLIB' | 'ZSTD' | 'SNAPPY';
}

export interface SecretRef {
  readonly path?: string;
  readonly key?: string;
}

export interface Resources {
  readonly requests?: Readonly<Record<string, string | number>>;
  readonly limits?: Readonly<Record<string, string | number>>;
}

export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
  readonly subPath?: string;
  readonly subPathExpr?: string;
  readonly mountPropagation?: string;
  readonly recursiveReadOnly?: string;
}

export interface Liveness {
  readonly periodSeconds?: number;
  readonly initialDelaySeconds?: number;
  readonly successThreshold?: number;
  readonly failureThreshold?: number;
}

/** Kubernetes objects embedded in the spec; checked by kubernetes-models, read as plain JSON. */
export type KubeObject = Readonly<Record<string, unknown>>;

export interface PodPolicy {
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly affinity?: KubeObject;
  readonly tolerations?: readonly KubeObject[];
  readonly securityContext?: KubeObject;
  readonly terminationGracePeriodSeconds?: number;
  readonly volumes?: readonly KubeObject[];
  readonly imagePullSecrets?: readonly KubeObject[];
  readonly initContainers?: readonly KubeObject[];
  readonly sidecars?: readonly KubeObject[];
  readonly serviceAccountName?: string;
  readonly env?: readonly KubeObject[];
  readonly liveness?: Liveness;
  readonly startupProbe?: KubeObject;
  readonly builtinAutoscaler?: readonly string[];
  readonly autoScalingBehavior?: KubeObject;
  readonly vpa?: object;
}

export interface PulsarMessaging {
  readonly pulsarConfig?: string;
  readonly authSecret?: string;
  readonly tlsSecret?: string;
  readonly tlsConfig?: TlsConfig;
  readonly authConfig?: object;
}

export interface TlsConfig {
  readonly enabled?: boolean;
  readonly allowInsecure?: boolean;
  readonly hostnameVerification?: boolean;
  readonly certSecretName?: string;
  readonly certSecretKey?: string;
}
