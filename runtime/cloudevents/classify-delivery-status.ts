/** What the bridge does with a message after the function answered with an HTTP status. */
export type DeliveryOutcome = 'success' | 'retry' | 'dead-letter';

/**
 * The bridge's reading of a status, after Knative's Kafka dispatcher: 2xx succeeds; 5xx, 404, 408 and
 * 429 are retried with backoff; every other status dead-letters at once. The host's error catalogue
 * is designed against this function (docs/reply-contract.md).
 */
export function classifyDeliveryStatus(status: number): DeliveryOutcome {
  if (status >= 200 && status < 300) return 'success';
  if (status >= 500 || status === 404 || status === 408 || status === 429) return 'retry';
  return 'dead-letter';
}
