/**
 * The client's side of permessage-deflate (RFC 7692), for the conformance suite and tests: parse
 * the server's `Sec-WebSocket-Extensions` answer, compress what the client sends, inflate what the
 * server sends.
 *
 * Written apart from `solutions/` and in another way on purpose: here each direction is one
 * long-lived node:zlib stream, flushed with Z_SYNC_FLUSH per message (the way most clients do it),
 * so a server whose windows or flushes are wrong is caught by a decoder that is not its own twin.
 */
import zlib from 'node:zlib';

/** The response parameters, as the client reads them (RFC 7692 §7.1). */
export interface DeflateAnswer {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | null;
  clientMaxWindowBits: number | null;
}

/**
 * The server's answer, or null when it declined (no permessage-deflate in the header); a string
 * saying what is wrong when the answer breaks RFC 7692 §7.1 (an unknown or repeated parameter, a
 * bad window size).
 */
export function parseDeflateAnswer(values: readonly string[] | undefined): DeflateAnswer | null | string {
  if (values === undefined || values.length === 0) return null;
  const extensions = values.join(',').split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (extensions.length !== 1) return `the server answered ${extensions.length} extensions, "${values.join(', ')}": it may accept one offer (RFC 6455 §9.1)`;
  const [name, ...params] = extensions[0]!.split(';').map((part) => part.trim());
  if (name !== 'permessage-deflate') return `the server answered an extension that was not offered: "${name}" (RFC 6455 §9.1)`;
  const answer: DeflateAnswer = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: null, clientMaxWindowBits: null };
  const seen = new Set<string>();
  for (const param of params) {
    const [key = '', raw] = param.split('=').map((part) => part.trim());
    const value = raw?.replace(/^"(.*)"$/, '$1');
    if (seen.has(key)) return `the answer repeats ${key} (RFC 7692 §7.1)`;
    seen.add(key);
    if (key === 'server_no_context_takeover' || key === 'client_no_context_takeover') {
      if (value !== undefined) return `${key} takes no value, got "${param}" (RFC 7692 §7.1.1)`;
      if (key === 'server_no_context_takeover') answer.serverNoContextTakeover = true;
      else answer.clientNoContextTakeover = true;
    } else if (key === 'server_max_window_bits' || key === 'client_max_window_bits') {
      const bits = Number(value);
      if (value === undefined || !/^[1-9]\d*$/.test(value) || bits < 8 || bits > 15) return `${key} needs a value 8–15 in an answer, got "${param}" (RFC 7692 §7.1.2)`;
      if (key === 'server_max_window_bits') answer.serverMaxWindowBits = bits;
      else answer.clientMaxWindowBits = bits;
    } else {
      return `the answer has an unknown parameter "${param}" (RFC 7692 §7.1)`;
    }
  }
  return answer;
}

/** The empty stored block of a sync flush (RFC 7692 §7.2.1). */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** One client connection's compressor and decompressor, as the server's answer allows. */
export class DeflateSession {
  private deflater: zlib.DeflateRaw | null = null;
  private readonly inflater: zlib.InflateRaw;

  constructor(private readonly answer: DeflateAnswer) {
    // The server's window is at most 2^15; inflating with the largest window accepts any smaller one.
    this.inflater = zlib.createInflateRaw({ windowBits: 15 });
  }

  /** The payload of a compressed message: sync-flushed raw DEFLATE without its last four bytes. */
  async compress(data: Uint8Array): Promise<Uint8Array> {
    if (this.deflater === null || this.answer.clientNoContextTakeover) {
      this.deflater?.close();
      // zlib raises a raw window of 8 bits to 9; a client asked for 8 uses 9's, which a server
      // inflating with the 15 bits RFC 7692 §7.1.2.2 lets it assume still reads.
      this.deflater = zlib.createDeflateRaw({ windowBits: Math.max(9, this.answer.clientMaxWindowBits ?? 15) });
    }
    const out = await run(this.deflater, data);
    if (out.length < 4 || !out.subarray(out.length - 4).equals(TAIL)) throw new Error('zlib did not end the flush with 00 00 ff ff');
    return out.subarray(0, out.length - 4);
  }

  /** The data of a compressed message from the server (every frame's payload, joined). */
  async decompress(payload: Uint8Array): Promise<Uint8Array> {
    return run(this.inflater, Buffer.concat([payload, TAIL]));
  }

  close(): void {
    this.deflater?.close();
    this.inflater.close();
  }
}

/** Writes `input` to a zlib stream, sync-flushes it, and resolves with what came out. */
function run(stream: zlib.DeflateRaw | zlib.InflateRaw, input: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => void chunks.push(chunk);
    const onError = (error: Error): void => {
      stream.off('data', onData);
      reject(error);
    };
    stream.on('data', onData);
    stream.once('error', onError);
    stream.write(input);
    stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', onError);
      resolve(Buffer.concat(chunks));
    });
  });
}
