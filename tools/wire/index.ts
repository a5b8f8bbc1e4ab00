/**
 * The client toolkit: everything a test, the conformance suite or the benchmark needs to talk to a
 * WebSocket server byte by byte, written independently of `solutions/` and `chapters/` so it can
 * check any implementation (the `ws` package included).
 *
 * - `bytes.ts`, `dump.ts`: building and comparing bytes; bytes as hex or escaped text and back.
 * - `handshake.ts`: the upgrade request, the accept value, the response head.
 * - `frame-layout.ts`, `frame-encoder.ts`, `frame-decoder.ts`, `describe.ts`: the header's bits,
 *   client frames out, server frames in, and frames in words; `frame-expectation.ts`: why a header
 *   cannot be the frame a test waits for.
 * - `transcript.ts`, `connection.ts`, `raw-client.ts`: the recording TCP client with bounded waits.
 * - `deflate.ts`: permessage-deflate from the client's side (RFC 7692), for the compression cases.
 * - `load-client.ts`: the benchmark's lean path (import it directly; it is not re-exported here).
 */
export { concatBytes, firstDifference, latin1, patternBytes, toBytes } from './bytes.ts';
export { differenceText, escaped, fromHex, hex } from './dump.ts';
export type { HttpResponseRead, ResponseHead, UpgradeRequestOptions } from './handshake.ts';
export {
  SAMPLE_ACCEPT,
  SAMPLE_KEY,
  WEBSOCKET_GUID,
  acceptFor,
  findHeadEnd,
  headerValue,
  newKey,
  parseResponseHead,
  upgradeRequest,
} from './handshake.ts';
export type { ClientFrameOptions, FrameExtras, FrameHeaderOptions } from './frame-encoder.ts';
export { binary, clientFrame, clientFrameHeader, close, closePayload, continuation, ping, pong, text } from './frame-encoder.ts';
export type { FrameHeaderRead, FrameParse, FrameRead } from './frame-decoder.ts';
export { ServerFrameError, parseFrame, serverFrameViolation } from './frame-decoder.ts';
export { describeClose, describeFrame, describeFrames, describeHeader } from './describe.ts';
export type { FrameExpectation } from './frame-expectation.ts';
export { headerMismatch, lengthEncodingViolation } from './frame-expectation.ts';
export type { WaitOptions } from './connection.ts';
export { DEFAULT_TIMEOUT_MS, PROMPT_SILENCE_MS, WireError } from './connection.ts';
export type { CloseWaitOptions, ConnectOptions, ReadFrameOptions } from './raw-client.ts';
export { RawClient, openWebSocket } from './raw-client.ts';
export type { DeflateAnswer } from './deflate.ts';
export { DeflateSession, parseDeflateAnswer } from './deflate.ts';
