import { EventEmitter } from 'node:events';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect, checkServerIdentity } from 'node:tls';
import type { Logger } from '../../observability/create-logger.ts';
import type { Authentication } from '../auth/authentication.ts';
import { PulsarErrors, serverError } from '../pulsar-errors.ts';
import { CommandEncoder } from '../protocol/command-encoder.ts';
import { CommandType } from '../protocol/command-type.ts';
import { decodeCommand } from '../protocol/decode-command.ts';
import { FrameDecoder } from '../protocol/frame-decoder.ts';
import type { IncomingCommand } from '../protocol/incoming-command.ts';
import type { Timers } from '../timers.ts';
import type { ConsumerHandler, ProducerHandler } from './connection-handlers.ts';
import type { TlsSettings } from './tls-settings.ts';

/** Node's codes for certificates that are not trusted or do not match: permanent, not retried. */
const TLS_TRUST_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|HOSTNAME/;

export const CLIENT_VERSION = 'knmesh-pulsar-client/0.1';
const DEFAULT_MAX_MESSAGE_SIZE = 5 * 1024 * 1024;
/** Room for command and metadata around the largest payload. */
const FRAME_OVERHEAD = 64 * 1024;

export interface ConnectionOptions {
  /** host:port of the broker this connection is for (the lookup answer). */
  readonly logicalAddress: string;
  /** host:port actually dialled (differs when going through a proxy). */
  readonly physicalAddress: string;
  readonly useTls: boolean;
  readonly tls: TlsSettings;
  readonly proxyToBrokerUrl: string | undefined;
  readonly authentication: Authentication;
  readonly connectionTimeoutMs: number;
  readonly operationTimeoutMs: number;
  readonly keepAliveIntervalMs: number;
  readonly timers: Timers;
  readonly logger: Logger;
}

interface PendingRequest {
  resolve(command: IncomingCommand): void;
  reject(error: Error): void;
  timer: unknown;
}

/**
 * One TCP (or TLS) connection to a broker: CONNECT handshake, request/response correlation by
 * request id, keep-alive, and dispatch of pushed commands to the producers and consumers
 * registered on it. Emits `close` once, after which every registered handler was told.
 */
export class PulsarConnection extends EventEmitter<{ close: [] }> {
  readonly options: ConnectionOptions;
  readonly encoder = new CommandEncoder();
  maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  serverVersion = '';
  private socket: Socket | undefined;
  private decoder: FrameDecoder = new FrameDecoder(
    DEFAULT_MAX_MESSAGE_SIZE + FRAME_OVERHEAD,
    () => undefined,
  );
  private readonly pending = new Map<number, PendingRequest>();
  private readonly producers = new Map<number, ProducerHandler>();
  private readonly consumers = new Map<number, ConsumerHandler>();
  private handshake: { resolve(): void; reject(error: Error): void } | undefined;
  private closed = false;
  private corked = false;
  private receivedSinceCheck = true;
  private pingOutstanding = false;
  private keepAliveTimer: unknown;
  private nextRequestId = 1;

  constructor(options: ConnectionOptions) {
    super();
    this.options = options;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  newRequestId(): number {
    return this.nextRequestId++;
  }

  /** Opens the socket and completes the CONNECT handshake. */
  async open(): Promise<void> {
    const { physicalAddress, connectionTimeoutMs, timers } = this.options;
    const [host, portText] = splitHostPort(physicalAddress);
    const socket = this.options.useTls
      ? tlsConnect({
          host,
          port: Number(portText),
          // SNI takes host names only (RFC 6066); the identity check then uses `host` itself.
          ...(isIP(host) === 0 ? { servername: host } : {}),
          ca: this.options.tls.trustCertsFile ? readFileSync(this.options.tls.trustCertsFile) : undefined,
          rejectUnauthorized: !this.options.tls.allowInsecure,
          checkServerIdentity:
            this.options.tls.hostnameVerification === false ? () => undefined : checkServerIdentity,
        })
      : netConnect({ host, port: Number(portText) });
    this.socket = socket;
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(DEFAULT_MAX_MESSAGE_SIZE + FRAME_OVERHEAD, (frame) =>
      this.onFrame(frame),
    );
    this.decoder = decoder;
    socket.on('data', (chunk: Buffer) => {
      this.receivedSinceCheck = true;
      try {
        decoder.push(chunk);
      } catch (error) {
        this.options.logger.warn({ err: error, broker: physicalAddress }, 'pulsar: dropping connection');
        this.destroy(PulsarErrors.protocolError.create(`bad frame from ${physicalAddress}`));
      }
    });
    socket.on('error', (error: Error) => this.destroy(error));
    // Closed by the broker (a restart, an unload) is a failure like any other; closed by us is not.
    socket.on('close', () =>
      this.destroy(
        this.closed
          ? undefined
          : PulsarErrors.connectionFailed.create(`connection to ${physicalAddress} closed by the broker`),
      ),
    );

    const handshake = new Promise<void>((resolve, reject) => {
      this.handshake = { resolve, reject };
    });
    const timer = timers.setTimeout(() => {
      this.destroy(
        PulsarErrors.timeout.create(
          `connecting to ${physicalAddress} took longer than ${connectionTimeoutMs} ms`,
        ),
      );
    }, connectionTimeoutMs);
    const ready = this.options.useTls ? 'secureConnect' : 'connect';
    socket.once(ready, () => {
      this.sendConnect().catch((error: unknown) => this.destroy(error as Error));
    });
    try {
      await handshake;
    } finally {
      timers.clearTimeout(timer);
    }
    this.scheduleKeepAlive();
  }

  private async sendConnect(): Promise<void> {
    const auth = this.options.authentication;
    const authData = auth.methodName === 'none' ? undefined : await auth.authData();
    this.write(
      this.encoder.connect({
        clientVersion: CLIENT_VERSION,
        authMethodName: auth.methodName === 'none' ? undefined : auth.methodName,
        authData,
        proxyToBrokerUrl: this.options.proxyToBrokerUrl,
      }),
    );
  }

  private scheduleKeepAlive(): void {
    const { keepAliveIntervalMs, timers } = this.options;
    if (keepAliveIntervalMs <= 0 || this.closed) return;
    this.keepAliveTimer = timers.setTimeout(() => {
      if (this.closed) return;
      if (!this.receivedSinceCheck && this.pingOutstanding) {
        this.destroy(
          PulsarErrors.connectionFailed.create(
            `no answer from ${this.options.physicalAddress} for ${keepAliveIntervalMs} ms`,
          ),
        );
        return;
      }
      this.receivedSinceCheck = false;
      this.pingOutstanding = true;
      this.write(this.encoder.ping());
      this.scheduleKeepAlive();
    }, keepAliveIntervalMs);
    (this.keepAliveTimer as { unref?: () => void }).unref?.();
  }

  /** Writes a frame; consecutive writes in one tick go out in one syscall. */
  write(frame: Buffer): void {
    const socket = this.socket;
    if (socket === undefined || this.closed) return;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    socket.write(frame);
  }

  /** True when the socket buffers more than its high-water mark (callers may slow down). */
  get writeBacklogged(): boolean {
    return (this.socket?.writableNeedDrain ?? false) || (this.socket?.writableLength ?? 0) > 4 * 1024 * 1024;
  }

  /** Sends a request frame and resolves with the broker's answer (SUCCESS, ERROR, or a response). */
  request(frame: Buffer, requestId: number, what: string): Promise<IncomingCommand> {
    if (this.closed) {
      return Promise.reject(PulsarErrors.connectionFailed.create(`${what}: the connection is closed`));
    }
    return new Promise<IncomingCommand>((resolve, reject) => {
      const timer = this.options.timers.setTimeout(() => {
        this.pending.delete(requestId);
        reject(PulsarErrors.timeout.create(`${what} took longer than ${this.options.operationTimeoutMs} ms`));
      }, this.options.operationTimeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      this.write(frame);
    });
  }

  registerProducer(producerId: number, handler: ProducerHandler): void {
    this.producers.set(producerId, handler);
  }

  unregisterProducer(producerId: number): void {
    this.producers.delete(producerId);
  }

  /**
   * Whether `handler` is still registered as `producerId` on this open connection. A CLOSE_PRODUCER
   * (or the connection's end) that arrives while the producer is being created unregisters it and
   * reaches a handler not yet attached, which cannot act on it: the creator checks here afterwards.
   */
  holdsProducer(producerId: number, handler: ProducerHandler): boolean {
    return !this.closed && this.producers.get(producerId) === handler;
  }

  /** As `holdsProducer`, for a consumer being subscribed (CLOSE_CONSUMER). */
  holdsConsumer(consumerId: number, handler: ConsumerHandler): boolean {
    return !this.closed && this.consumers.get(consumerId) === handler;
  }

  registerConsumer(consumerId: number, handler: ConsumerHandler): void {
    this.consumers.set(consumerId, handler);
  }

  unregisterConsumer(consumerId: number): void {
    this.consumers.delete(consumerId);
  }

  /** Closes the connection; handlers still registered are told to reconnect. */
  close(): void {
    this.destroy(undefined);
  }

  private onFrame(frame: Buffer): void {
    const commandSize = frame.readUInt32BE(0);
    const command = decodeCommand(frame, 4, 4 + commandSize);
    switch (command.type) {
      case CommandType.MESSAGE:
        this.consumers.get(command.consumerId)?.onMessage(command, frame, 4 + commandSize);
        return;
      case CommandType.SEND_RECEIPT:
        this.producers.get(command.producerId)?.onSendReceipt(command);
        return;
      case CommandType.SEND_ERROR:
        this.producers.get(command.producerId)?.onSendError(command);
        return;
      case CommandType.CONNECTED:
        this.serverVersion = command.serverVersion;
        if (command.maxMessageSize !== undefined) {
          this.maxMessageSize = command.maxMessageSize;
          // Accept every frame the broker may legitimately send: a message as large as it allows.
          this.decoder.maxFrameSize = Math.max(
            this.decoder.maxFrameSize,
            command.maxMessageSize + FRAME_OVERHEAD,
          );
        }
        this.handshake?.resolve();
        this.handshake = undefined;
        return;
      case CommandType.PING:
        this.write(this.encoder.pong());
        return;
      case CommandType.PONG:
        this.pingOutstanding = false;
        return;
      case CommandType.SUCCESS:
      case CommandType.PRODUCER_SUCCESS:
      case CommandType.PARTITIONED_METADATA_RESPONSE:
      case CommandType.LOOKUP_RESPONSE:
      case CommandType.GET_TOPICS_OF_NAMESPACE_RESPONSE:
        this.settle(command.requestId, command);
        return;
      case CommandType.ERROR:
        if (this.handshake !== undefined) {
          // An ERROR before CONNECTED is the handshake's answer (e.g. authentication refused).
          const error = serverError(
            command.error,
            command.message,
            `connecting to ${this.options.physicalAddress}`,
          );
          this.destroy(command.error === 3 ? PulsarErrors.authenticationFailed.create(error.message) : error);
          return;
        }
        this.settle(command.requestId, command);
        return;
      case CommandType.CLOSE_PRODUCER:
        this.producers.get(command.producerId)?.onBrokerClose();
        this.producers.delete(command.producerId);
        return;
      case CommandType.CLOSE_CONSUMER:
        this.consumers.get(command.consumerId)?.onBrokerClose();
        this.consumers.delete(command.consumerId);
        return;
      case CommandType.ACTIVE_CONSUMER_CHANGE:
        this.consumers.get(command.consumerId)?.onActiveConsumerChange(command.isActive);
        return;
      case CommandType.REACHED_END_OF_TOPIC:
        this.consumers.get(command.consumerId)?.onReachedEndOfTopic();
        return;
      case CommandType.AUTH_CHALLENGE:
        this.answerAuthChallenge();
        return;
      case CommandType.ACK_RESPONSE:
        if (command.requestId !== undefined) this.settle(command.requestId, command);
        return;
      default:
        this.options.logger.debug({ type: command.type }, 'pulsar: ignoring command');
    }
  }

  private answerAuthChallenge(): void {
    const auth = this.options.authentication;
    auth
      .authData()
      .then((data) => this.write(this.encoder.authResponse(CLIENT_VERSION, auth.methodName, data)))
      .catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'pulsar: cannot refresh credentials');
        this.destroy(PulsarErrors.authenticationFailed.create('credentials could not be refreshed'));
      });
  }

  private settle(requestId: number, command: IncomingCommand): void {
    const pending = this.pending.get(requestId);
    if (pending === undefined) return;
    this.pending.delete(requestId);
    this.options.timers.clearTimeout(pending.timer);
    pending.resolve(command);
  }

  private destroy(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.options.timers.clearTimeout(this.keepAliveTimer);
    this.socket?.destroy();
    const code = error !== undefined && 'code' in error ? String((error as { code: unknown }).code) : '';
    const failure = code.startsWith('KNMESH')
      ? error!
      : TLS_TRUST_ERRORS.test(code)
        ? PulsarErrors.tlsFailed.create(`TLS to ${this.options.physicalAddress} failed: ${error!.message}`, {
            cause: error,
          })
        : PulsarErrors.connectionFailed.create(
            `connection to ${this.options.physicalAddress} ${error ? `failed: ${error.message}` : 'closed'}`,
            error ? { cause: error } : undefined,
          );
    // A connection that fails (not one closed in order) is worth a line: the parts reconnect now.
    if (
      error !== undefined &&
      this.handshake === undefined &&
      this.producers.size + this.consumers.size > 0
    ) {
      this.options.logger.warn(
        { broker: this.options.physicalAddress, reason: failure.message },
        'pulsar: connection lost, reconnecting',
      );
    }
    this.handshake?.reject(failure);
    this.handshake = undefined;
    for (const [id, pending] of this.pending) {
      this.options.timers.clearTimeout(pending.timer);
      pending.reject(failure);
      this.pending.delete(id);
    }
    const producers = [...this.producers.values()];
    const consumers = [...this.consumers.values()];
    this.producers.clear();
    this.consumers.clear();
    for (const p of producers) p.onConnectionClosed();
    for (const c of consumers) c.onConnectionClosed();
    this.emit('close');
  }
}

export function splitHostPort(address: string): [string, string] {
  const at = address.lastIndexOf(':');
  let host = address.slice(0, at);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, address.slice(at + 1)];
}
