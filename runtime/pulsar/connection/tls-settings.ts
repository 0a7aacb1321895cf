/** TLS for `pulsar+ssl://` (and `https://` admin URLs). */
export interface TlsSettings {
  /** PEM bundle of trusted CAs; the system store when absent. */
  readonly trustCertsFile?: string | undefined;
  /** Accept any certificate (testing only). */
  readonly allowInsecure?: boolean | undefined;
  /** Check that the certificate names the host (default true). */
  readonly hostnameVerification?: boolean | undefined;
}
