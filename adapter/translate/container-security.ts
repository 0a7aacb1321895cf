/**
 * Container securityContext of every generated container: what Function Mesh sets on its own
 * containers (no privilege escalation, all capabilities dropped) plus the RuntimeDefault seccomp
 * profile. Containers running the knmesh image also get a read-only root filesystem and must
 * run as non-root (the image's numeric USER). All of this is within Knative's allowed fields.
 */
export function containerSecurity(knmeshImage: boolean): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    ...(knmeshImage ? { readOnlyRootFilesystem: true, runAsNonRoot: true } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
