// The knmesh side of `npm run bench:bridge`: what Pulsar's ExclamationFunction does (input + "!"),
// in the Pulsar Functions signature. A message without a content type arrives as a Buffer.
import { Buffer } from 'node:buffer';

const EXCLAMATION = Buffer.from('!');

export default function exclamation(input) {
  return Buffer.isBuffer(input) ? Buffer.concat([input, EXCLAMATION]) : `${String(input)}!`;
}
