/**
 * Splits the byte stream of a connection into frames (`[totalSize][...totalSize bytes]`). A frame
 * that lies inside one socket chunk is handed out as a view; only frames spanning chunks are
 * copied together.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Raised after CONNECTED to the broker's `max_message_size` plus frame overhead. */
  maxFrameSize: number;
  private readonly onFrame: (frame: Buffer) => void;

  constructor(maxFrameSize: number, onFrame: (frame: Buffer) => void) {
    this.maxFrameSize = maxFrameSize;
    this.onFrame = onFrame;
  }

  /** Feeds a chunk; throws RangeError when a frame announces more than the maximum size. */
  push(chunk: Buffer): void {
    if (this.buffered === 0) {
      let offset = 0;
      while (chunk.length - offset >= 4) {
        const size = chunk.readUInt32BE(offset);
        if (size > this.maxFrameSize) throw new RangeError(`frame of ${size} bytes exceeds the maximum`);
        if (chunk.length - offset - 4 < size) break;
        this.onFrame(chunk.subarray(offset + 4, offset + 4 + size));
        offset += 4 + size;
      }
      if (offset < chunk.length) {
        this.chunks.push(offset === 0 ? chunk : chunk.subarray(offset));
        this.buffered = chunk.length - offset;
      }
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : this.collapse();
      const size = head.readUInt32BE(0);
      if (size > this.maxFrameSize) throw new RangeError(`frame of ${size} bytes exceeds the maximum`);
      if (this.buffered - 4 < size) return;
      const all = this.collapse();
      this.chunks = [];
      this.buffered = 0;
      this.push(all); // continues on the fast path over the joined bytes
      return;
    }
  }

  private collapse(): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined;
  }
}
