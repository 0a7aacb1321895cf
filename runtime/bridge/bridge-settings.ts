import type { ConfigOf } from '../config/option.ts';
import { UsageError } from '../errors/usage-error.ts';
import type { SubscriptionType } from '../pulsar/consumer/consumer-options.ts';
import { parseTopicName } from '../pulsar/topic-name.ts';
import type { bridgeOptions } from './bridge-options.ts';

export type BridgeConfig = ConfigOf<typeof bridgeOptions>;

/** The bridge configuration after the checks that span several options, topics fully qualified. */
export interface BridgeSettings {
  readonly inputs: readonly string[];
  readonly inputPattern: string | undefined;
  readonly subscriptionType: SubscriptionType;
  readonly output: string | undefined;
  readonly allowedReplyTopics: readonly string[];
  readonly deadLetterTopic: string | undefined;
  /** For logs and the metrics' `function` label. */
  readonly name: string;
}

const SUBSCRIPTION_TYPES: Record<BridgeConfig['subscriptionType'], SubscriptionType> = {
  shared: 'Shared',
  key_shared: 'Key_Shared',
  failover: 'Failover',
  exclusive: 'Exclusive',
};

/** Checks what the option table cannot (one input form, topic names, guarantee vs type). */
export function resolveBridgeSettings(config: BridgeConfig): BridgeSettings {
  const problems: string[] = [];
  const topic = (flag: string, value: string): string => {
    try {
      return parseTopicName(value).fullName;
    } catch (error) {
      problems.push(`invalid value for --${flag} ${JSON.stringify(value)}: ${(error as Error).message}`);
      return value;
    }
  };
  const inputs = config.input.map((t) => topic('input', t));
  if (inputs.length === 0 && config.inputPattern === undefined) {
    problems.push('give the input topics: --input (repeatable) or --input-pattern');
  }
  if (inputs.length > 0 && config.inputPattern !== undefined) {
    problems.push('give either --input or --input-pattern, not both');
  }
  if (config.inputPattern !== undefined) {
    try {
      new RegExp(config.inputPattern);
    } catch {
      problems.push(
        `invalid value for --input-pattern ${JSON.stringify(config.inputPattern)}: not a regular expression`,
      );
    }
  }
  if (
    config.guarantee === 'effectively_once' &&
    config.subscriptionType !== 'failover' &&
    config.subscriptionType !== 'exclusive'
  ) {
    problems.push(
      'effectively_once needs --subscription-type failover or exclusive (one consumer per partition, in order), ' +
        'as Pulsar Functions force',
    );
  }
  const output = config.output === undefined ? undefined : topic('output', config.output);
  const allowedReplyTopics = config.allowedReplyTopics.map((t) => topic('allowed-reply-topic', t));
  const deadLetterTopic =
    config.deadLetterTopic === undefined ? undefined : topic('dead-letter-topic', config.deadLetterTopic);
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return {
    inputs,
    inputPattern: config.inputPattern,
    subscriptionType: SUBSCRIPTION_TYPES[config.subscriptionType],
    output,
    allowedReplyTopics,
    deadLetterTopic,
    name: config.name ?? config.subscription,
  };
}
