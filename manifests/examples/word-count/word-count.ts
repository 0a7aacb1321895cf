// Counts the words of each input sentence. Pulsar's WordCountFunction keeps running totals in state
// storage; a knmesh function is stateless, so it answers with the counts of this message and records
// the number of words as a user metric (knmesh_function_user_metric{name="words"}).
import type { Context } from 'knmesh/function';

export interface WordCount {
  readonly words: number;
  readonly counts: Readonly<Record<string, number>>;
}

export default function wordCount(input: unknown, context: Context): WordCount | undefined {
  const text = Buffer.isBuffer(input) ? input.toString('utf8') : typeof input === 'string' ? input : '';
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  if (words.length === 0) return undefined; // nothing to publish; the message is still acknowledged
  const counts: Record<string, number> = {};
  for (const word of words) counts[word] = (counts[word] ?? 0) + 1;
  context.recordMetric('words', words.length);
  return { words: words.length, counts };
}
