import { defineError } from '../../errors/knmesh-error.ts';

/** Failures of the embedded broker (`knmesh pulsar`); all are local set-up problems, never retried. */
export const StandaloneErrors = {
  javaMissing: defineError({
    code: 'KNMESH_PULSAR_JAVA_MISSING',
    status: 500,
    disposition: 'fail',
    description: 'No Java 17+ runtime was found to run the embedded Pulsar broker.',
  }),
  mavenMissing: defineError({
    code: 'KNMESH_PULSAR_MAVEN_MISSING',
    status: 500,
    disposition: 'fail',
    description: 'Maven is needed to fetch the Pulsar distribution from Maven Central and was not found.',
  }),
  downloadFailed: defineError({
    code: 'KNMESH_PULSAR_DOWNLOAD_FAILED',
    status: 500,
    disposition: 'fail',
    description: 'Maven could not fetch the Pulsar server distribution.',
  }),
  portInUse: defineError({
    code: 'KNMESH_PULSAR_PORT_IN_USE',
    status: 500,
    disposition: 'fail',
    description: 'A port the broker needs is already taken by another process.',
  }),
  startFailed: defineError({
    code: 'KNMESH_PULSAR_START_FAILED',
    status: 500,
    disposition: 'fail',
    description: 'The broker process exited or did not become ready in time.',
  }),
  notRunning: defineError({
    code: 'KNMESH_PULSAR_NOT_RUNNING',
    status: 500,
    disposition: 'fail',
    description: 'No broker started by knmesh is running in this home directory.',
  }),
} as const;
