/** An HTTP request or response as the binding sees it: lower-case header names and the whole body. */
export interface HttpMessage {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Buffer | string;
}

/** A header's single value: repeated headers are joined as HTTP allows (`a, b`). */
export function headerValue(message: HttpMessage, name: string): string | undefined {
  const value = message.headers[name];
  if (value === undefined || typeof value === 'string') return value;
  return value.join(', ');
}
