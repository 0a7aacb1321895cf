import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandType } from '../../../runtime/pulsar/protocol/command-type.ts';
import { ProtobufReader } from '../../../runtime/pulsar/protocol/protobuf-reader.ts';
import { ProtobufWriter } from '../../../runtime/pulsar/protocol/protobuf-writer.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { receiveN } from '../support/receive-n.ts';
import { testBroker, uniqueTopic } from '../support/test-broker.ts';

/** A server→client frame: [totalSize][commandSize][BaseCommand { type, <type> = body }]. */
function frame(type: number, body: (w: ProtobufWriter) => void): Buffer {
  const w = new ProtobufWriter(256);
  w.pos = 8;
  w.fieldVarint(1, type);
  const start = w.beginMessage(type);
  body(w);
  w.endMessage(start);
  w.buf.writeUInt32BE(w.pos - 8, 4);
  w.buf.writeUInt32BE(w.pos - 4, 0);
  return w.copy();
}

/** The type and request id of a client command (LOOKUP and PARTITIONED_METADATA carry it in field 2). */
interface ClientCommand {
  readonly type: number;
  readonly requestId: number | undefined;
  readonly topic?: string;
  /** CONNECT through a proxy: the broker the client wants (field 6). */
  readonly proxyToBrokerUrl?: string;
}

function readCommand(command: Buffer): ClientCommand {
  const base = new ProtobufReader(command);
  let type = 0;
  let requestId: number | undefined;
  let topic: string | undefined;
  let proxyToBrokerUrl: string | undefined;
  while (base.next()) {
    if (base.field === 1) type = base.varint();
    else if (base.field === type && base.wireType === 2) {
      const body = base.sub();
      while (body.next()) {
        if (body.field === 1 && body.wireType === 2) topic = body.string();
        else if (body.field === 2 && body.wireType === 0) requestId = body.varint();
        else if (type === CommandType.CONNECT && body.field === 6) proxyToBrokerUrl = body.string();
        else body.skip();
      }
    } else base.skip();
  }
  return {
    type,
    requestId,
    ...(topic === undefined ? {} : { topic }),
    ...(proxyToBrokerUrl === undefined ? {} : { proxyToBrokerUrl }),
  };
}

/**
 * A service URL that is not a broker, as a Pulsar proxy is: it answers every topic lookup with a
 * Redirect to the real test broker (what a broker not owning the topic's bundle answers), and a
 * connection whose CONNECT names `proxy_to_broker_url` is piped to that broker after the handshake.
 * A standalone broker always answers Connect, and asks clients to connect through the service URL
 * (`proxy_through_service_url`), so both paths of the client are exercised here.
 */
class RedirectingLookupService {
  readonly lookups: string[] = [];
  readonly proxied: string[] = [];
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  readonly #target: string;

  constructor(target: string) {
    this.#target = target;
  }

  async start(): Promise<string> {
    this.#server = createServer((socket) => this.#serve(socket));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `pulsar://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    let pending = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        const total = pending.readUInt32BE(0);
        const commandSize = pending.readUInt32BE(4);
        const command = readCommand(pending.subarray(8, 8 + commandSize));
        pending = pending.subarray(4 + total);
        if (command.type === CommandType.CONNECT && command.proxyToBrokerUrl !== undefined) {
          socket.off('data', onData);
          this.#pipe(socket, command.proxyToBrokerUrl, pending);
          return;
        }
        this.#answer(socket, command);
      }
    };
    socket.on('data', onData);
  }

  /** Handshakes with the broker itself, answers the client's CONNECT, then copies bytes both ways. */
  #pipe(client: Socket, brokerUrl: string, rest: Buffer): void {
    if (!/^[^/]+:\d+$/.test(brokerUrl)) {
      client.destroy(); // a Pulsar proxy refuses anything but host:port
      return;
    }
    this.proxied.push(brokerUrl);
    client.pause();
    // host:port, as the Java client sends it (and the Pulsar proxy parses it).
    const at = brokerUrl.lastIndexOf(':');
    const broker = connect({ host: brokerUrl.slice(0, at), port: Number(brokerUrl.slice(at + 1)) }, () => {
      broker.write(
        frame(CommandType.CONNECT, (w) => {
          w.fieldString(1, 'redirecting-lookup-service');
          w.fieldVarint(4, 21);
        }),
      );
    });
    this.#sockets.add(broker);
    let handshake = Buffer.alloc(0);
    const onConnected = (chunk: Buffer): void => {
      handshake = Buffer.concat([handshake, chunk]);
      if (handshake.length < 4 || handshake.length < 4 + handshake.readUInt32BE(0)) return;
      const total = handshake.readUInt32BE(0);
      const reply = handshake.subarray(0, 4 + total); // the broker's CONNECTED goes to the client
      const after = handshake.subarray(4 + total);
      broker.off('data', onConnected);
      client.write(reply);
      if (after.length > 0) client.write(after);
      if (rest.length > 0) broker.write(rest);
      client.pipe(broker);
      broker.pipe(client);
      client.resume();
    };
    broker.on('data', onConnected);
    broker.on('close', () => client.destroy());
    client.on('close', () => broker.destroy());
    broker.on('error', () => client.destroy());
  }

  #answer(socket: Socket, command: { type: number; requestId: number | undefined; topic?: string }): void {
    switch (command.type) {
      case CommandType.CONNECT:
        socket.write(
          frame(CommandType.CONNECTED, (w) => {
            w.fieldString(1, 'redirecting-lookup-service');
            w.fieldVarint(2, 21);
          }),
        );
        return;
      case CommandType.PING:
        socket.write(frame(CommandType.PONG, () => undefined));
        return;
      case CommandType.PARTITIONED_METADATA:
        socket.write(
          frame(CommandType.PARTITIONED_METADATA_RESPONSE, (w) => {
            w.fieldVarint(1, 0); // not partitioned
            w.fieldVarint(2, command.requestId!);
            w.fieldVarint(3, 0); // Success
          }),
        );
        return;
      case CommandType.LOOKUP:
        this.lookups.push(command.topic ?? '');
        socket.write(
          frame(CommandType.LOOKUP_RESPONSE, (w) => {
            w.fieldString(1, this.#target);
            w.fieldVarint(3, 0); // Redirect
            w.fieldVarint(4, command.requestId!);
            w.fieldBool(5, true); // authoritative
          }),
        );
        return;
      default:
        socket.destroy(); // anything else is not for a lookup service
    }
  }
}

let lookupService: RedirectingLookupService;
let serviceUrl: string;

beforeAll(async () => {
  lookupService = new RedirectingLookupService(testBroker().brokerUrl);
  serviceUrl = await lookupService.start();
});

afterAll(async () => {
  await lookupService.stop();
});

describe('topic lookup answered with Redirect', () => {
  it('follows the redirect to the broker that owns the topic, then produces and consumes there', async () => {
    const client = new PulsarClient({ serviceUrl });
    try {
      const topic = uniqueTopic('redirected');
      const consumer = await client.subscribe({ topic, subscription: 'sub' });
      const producer = await client.createProducer({ topic });
      await producer.send({ payload: Buffer.from('via a redirect') });
      const [m] = await receiveN(consumer, 1);
      expect(m?.payload.toString()).toBe('via a redirect');
      // Both the consumer's and the producer's lookups went to the service and were redirected,
      // and the broker asked for its connections to go through the service URL.
      expect(lookupService.lookups.filter((t) => t === topic)).toHaveLength(2);
      expect(lookupService.proxied.length).toBeGreaterThan(0);
      expect(new Set(lookupService.proxied)).toEqual(new Set([new URL(testBroker().brokerUrl).host]));
    } finally {
      await client.close();
    }
  });
});
