import { parseTopicName } from '../pulsar/topic-name.ts';

/** Where a reply goes: a full topic name, or why it may not be published. */
export type ReplyDestination =
  { readonly topic: string } | { readonly refused: string } | { readonly noOutput: true };

/**
 * The topics replies may go to: `--output` (a reply that names no topic) and the
 * `--allowed-reply-topic`s. Names are compared fully qualified, so `orders` and
 * `persistent://public/default/orders` are the same topic; anything else is refused, so a function
 * cannot write to topics its deployment did not grant.
 */
export class ReplyTopics {
  readonly output: string | undefined;
  readonly #allowed: ReadonlySet<string>;

  constructor(output: string | undefined, allowed: readonly string[]) {
    this.output = output === undefined ? undefined : parseTopicName(output).fullName;
    this.#allowed = new Set(allowed.map((t) => parseTopicName(t).fullName));
  }

  /** Every topic a reply may be published to. */
  get all(): string[] {
    return [...new Set([...(this.output === undefined ? [] : [this.output]), ...this.#allowed])];
  }

  resolve(named: string | undefined): ReplyDestination {
    if (named === undefined) return this.output === undefined ? { noOutput: true } : { topic: this.output };
    let full: string;
    try {
      full = parseTopicName(named).fullName;
    } catch {
      return { refused: named };
    }
    if (full === this.output || this.#allowed.has(full)) return { topic: full };
    return { refused: named };
  }
}
