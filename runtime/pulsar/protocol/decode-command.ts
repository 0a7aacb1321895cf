import type { IncomingCommand } from './incoming-command.ts';
import { readMessageIdData, type MessageIdData } from './message-id-data.ts';
import { ProtobufReader } from './protobuf-reader.ts';

/** Decodes the `BaseCommand` in `buf[start, end)`; commands a client never receives decode as type 0. */
export function decodeCommand(buf: Buffer, start: number, end: number): IncomingCommand {
  const r = new ProtobufReader(buf, start, end);
  let type = 0;
  while (r.next()) {
    if (r.field === 1 && r.wireType === 0) {
      type = r.varint();
      continue;
    }
    if (r.wireType !== 2) {
      r.skip();
      continue;
    }
    const field = r.field;
    const body = r.sub();
    switch (field) {
      case 3:
        return connected(body);
      case 7:
        return sendReceipt(body);
      case 8:
        return sendError(body);
      case 9:
        return message(body);
      case 13:
        return { type: 13, requestId: onlyRequestId(body, 1) };
      case 14:
        return error(body);
      case 15:
      case 16:
        return closeCommand(field, body);
      case 17:
        return producerSuccess(body);
      case 18:
        return { type: 18 };
      case 19:
        return { type: 19 };
      case 22:
        return partitionedMetadataResponse(body);
      case 24:
        return lookupResponse(body);
      case 27:
        return { type: 27, consumerId: onlyRequestId(body, 1) };
      case 31:
        return activeConsumerChange(body);
      case 33:
        return topicsOfNamespace(body);
      case 36:
        return authChallenge(body);
      case 38:
        return ackResponse(body);
      default:
        break;
    }
  }
  // PING and PONG have empty bodies, which some encoders omit entirely.
  if (type === 18 || type === 19) return { type };
  return { type: 0, unknownType: type };
}

function onlyRequestId(r: ProtobufReader, field: number): number {
  let id = 0;
  while (r.next()) {
    if (r.field === field) id = r.varint();
    else r.skip();
  }
  return id;
}

function connected(r: ProtobufReader): IncomingCommand {
  let serverVersion = '';
  let protocolVersion = 0;
  let maxMessageSize: number | undefined;
  while (r.next()) {
    if (r.field === 1) serverVersion = r.string();
    else if (r.field === 2) protocolVersion = r.int32();
    else if (r.field === 3) maxMessageSize = r.int32();
    else r.skip();
  }
  return { type: 3, serverVersion, protocolVersion, maxMessageSize };
}

function sendReceipt(r: ProtobufReader): IncomingCommand {
  let producerId = 0;
  let sequenceId = 0n;
  let messageId: MessageIdData | undefined;
  while (r.next()) {
    if (r.field === 1) producerId = r.varint();
    else if (r.field === 2) sequenceId = r.varintBig();
    else if (r.field === 3) messageId = readMessageIdData(r.sub());
    else r.skip();
  }
  return { type: 7, producerId, sequenceId, messageId };
}

function sendError(r: ProtobufReader): IncomingCommand {
  let producerId = 0;
  let sequenceId = 0n;
  let error = 0;
  let message = '';
  while (r.next()) {
    if (r.field === 1) producerId = r.varint();
    else if (r.field === 2) sequenceId = r.varintBig();
    else if (r.field === 3) error = r.varint();
    else if (r.field === 4) message = r.string();
    else r.skip();
  }
  return { type: 8, producerId, sequenceId, error, message };
}

function message(r: ProtobufReader): IncomingCommand {
  let consumerId = 0;
  let messageId: MessageIdData = { ledgerId: 0, entryId: 0, partition: -1, batchIndex: -1 };
  let redeliveryCount = 0;
  let ackSet: bigint[] | undefined;
  let consumerEpoch: number | undefined;
  while (r.next()) {
    switch (r.field) {
      case 1:
        consumerId = r.varint();
        break;
      case 2:
        messageId = readMessageIdData(r.sub());
        break;
      case 3:
        redeliveryCount = r.varint();
        break;
      case 4:
        r.int64List((ackSet ??= []));
        break;
      case 5:
        consumerEpoch = r.varint();
        break;
      default:
        r.skip();
    }
  }
  return { type: 9, consumerId, messageId, redeliveryCount, ackSet, consumerEpoch };
}

function error(r: ProtobufReader): IncomingCommand {
  let requestId = 0;
  let code = 0;
  let message = '';
  while (r.next()) {
    if (r.field === 1) requestId = r.varint();
    else if (r.field === 2) code = r.varint();
    else if (r.field === 3) message = r.string();
    else r.skip();
  }
  return { type: 14, requestId, error: code, message };
}

function closeCommand(field: 15 | 16, r: ProtobufReader): IncomingCommand {
  let id = 0;
  let requestId = 0;
  while (r.next()) {
    if (r.field === 1) id = r.varint();
    else if (r.field === 2) requestId = r.varint();
    else r.skip();
  }
  return field === 15 ? { type: 15, producerId: id, requestId } : { type: 16, consumerId: id, requestId };
}

function producerSuccess(r: ProtobufReader): IncomingCommand {
  let requestId = 0;
  let producerName = '';
  let lastSequenceId = -1n;
  let producerReady = true;
  while (r.next()) {
    if (r.field === 1) requestId = r.varint();
    else if (r.field === 2) producerName = r.string();
    else if (r.field === 3) lastSequenceId = r.int64();
    else if (r.field === 6) producerReady = r.bool();
    else r.skip();
  }
  return { type: 17, requestId, producerName, lastSequenceId, producerReady };
}

function partitionedMetadataResponse(r: ProtobufReader): IncomingCommand {
  let requestId = 0;
  let partitions = 0;
  let failed = false;
  let error: number | undefined;
  let message: string | undefined;
  while (r.next()) {
    if (r.field === 1) partitions = r.varint();
    else if (r.field === 2) requestId = r.varint();
    else if (r.field === 3) failed = r.varint() === 1;
    else if (r.field === 4) error = r.varint();
    else if (r.field === 5) message = r.string();
    else r.skip();
  }
  return { type: 22, requestId, partitions, failed, error, message };
}

function lookupResponse(r: ProtobufReader): IncomingCommand {
  let requestId = 0;
  let brokerServiceUrl: string | undefined;
  let brokerServiceUrlTls: string | undefined;
  let response = 2;
  let authoritative = false;
  let error: number | undefined;
  let message: string | undefined;
  let proxyThroughServiceUrl = false;
  while (r.next()) {
    switch (r.field) {
      case 1:
        brokerServiceUrl = r.string();
        break;
      case 2:
        brokerServiceUrlTls = r.string();
        break;
      case 3:
        response = r.varint();
        break;
      case 4:
        requestId = r.varint();
        break;
      case 5:
        authoritative = r.bool();
        break;
      case 6:
        error = r.varint();
        break;
      case 7:
        message = r.string();
        break;
      case 8:
        proxyThroughServiceUrl = r.bool();
        break;
      default:
        r.skip();
    }
  }
  return {
    type: 24,
    requestId,
    brokerServiceUrl,
    brokerServiceUrlTls,
    response,
    authoritative,
    error,
    message,
    proxyThroughServiceUrl,
  };
}

function activeConsumerChange(r: ProtobufReader): IncomingCommand {
  let consumerId = 0;
  let isActive = false;
  while (r.next()) {
    if (r.field === 1) consumerId = r.varint();
    else if (r.field === 2) isActive = r.bool();
    else r.skip();
  }
  return { type: 31, consumerId, isActive };
}

function topicsOfNamespace(r: ProtobufReader): IncomingCommand {
  let requestId = 0;
  const topics: string[] = [];
  let filtered = false;
  while (r.next()) {
    if (r.field === 1) requestId = r.varint();
    else if (r.field === 2) topics.push(r.string());
    else if (r.field === 3) filtered = r.bool();
    else r.skip();
  }
  return { type: 33, requestId, topics, filtered };
}

function authChallenge(r: ProtobufReader): IncomingCommand {
  let authMethodName: string | undefined;
  let challenge: Buffer | undefined;
  while (r.next()) {
    if (r.field === 2) {
      const data = r.sub();
      while (data.next()) {
        if (data.field === 1) authMethodName = data.string();
        else if (data.field === 2) challenge = Buffer.from(data.bytes());
        else data.skip();
      }
    } else r.skip();
  }
  return { type: 36, authMethodName, challenge };
}

function ackResponse(r: ProtobufReader): IncomingCommand {
  let consumerId = 0;
  let requestId: number | undefined;
  let error: number | undefined;
  let message: string | undefined;
  while (r.next()) {
    if (r.field === 1) consumerId = r.varint();
    else if (r.field === 4) error = r.varint();
    else if (r.field === 5) message = r.string();
    else if (r.field === 6) requestId = r.varint();
    else r.skip();
  }
  return { type: 38, consumerId, requestId, error, message };
}
