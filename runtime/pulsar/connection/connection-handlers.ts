import type { IncomingCommand } from '../protocol/incoming-command.ts';

type Of<T extends IncomingCommand['type']> = Extract<IncomingCommand, { type: T }>;

/** What a producer registered on a connection is told. */
export interface ProducerHandler {
  onSendReceipt(command: Of<7>): void;
  onSendError(command: Of<8>): void;
  /** The broker closed the producer (topic unloaded or moved): reconnect. */
  onBrokerClose(): void;
  onConnectionClosed(): void;
}

/** What a consumer registered on a connection is told. */
export interface ConsumerHandler {
  /** `frame` is the whole frame; the payload part starts at `payloadOffset`. */
  onMessage(command: Of<9>, frame: Buffer, payloadOffset: number): void;
  onActiveConsumerChange(isActive: boolean): void;
  onReachedEndOfTopic(): void;
  onBrokerClose(): void;
  onConnectionClosed(): void;
}
