const LIMIT = 80;

/**
 * How a value appears in a message: JSON, so strings are quoted and types are visible, cut to a
 * readable length (a whole rejected block is not worth repeating).
 */
export function formatValue(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length <= LIMIT ? json : `${json.slice(0, LIMIT - 3)}...`;
}
