/**
 * The chapters' layers the server runs: the one place where a tree is loaded and where a starter's
 * TODO is told apart from a written layer.
 *
 * The given code (server/wiring, server/app, server/demo) exists once and runs the layers of one
 * tree. `@impl/` names that tree: the reference (`solutions/`) or the learner's (`chapters/`),
 * chosen per process (vitest's alias, `tools/tree.ts` for tsx, the benchmark's esbuild plugin).
 * Only this module imports the tree's functions and classes; the rest of the given code imports
 * them from here.
 *
 * The server must run after every chapter, while later chapters are still starters whose TODOs
 * throw NotImplementedError. So each layer is tried once, right here, on a tiny input: one that
 * throws NotImplementedError is replaced by its stand-in (stand-ins.ts), and {@link standIns} says
 * what the server does meanwhile ({@link standInNotices}: one short line per starter file). A
 * written layer is exported as it is, so the reference server calls its chapters directly, with
 * nothing in between and no such check on any later call. A layer that throws anything else on
 * its probe counts as written: its chapter's tests will say what is wrong with it.
 */
import { HttpError, NotImplementedError } from '../../core/errors.ts';
import { Opcode } from '../../core/frame.ts';
import { closingHeaders } from '../../core/http.ts';
import { ReadyState } from '../../core/ready-state.ts';
import * as listener from '@impl/01-tcp-listener/listener.ts';
import * as queue from '@impl/02-http-head/byte-queue.ts';
import * as head from '@impl/02-http-head/request-head.ts';
import * as handshake from '@impl/04-upgrade/handshake.ts';
import * as decode from '@impl/05-frames/decode.ts';
import * as encode from '@impl/05-frames/encode.ts';
import * as mask from '@impl/05-frames/mask.ts';
import * as close from '@impl/06-closing/close.ts';
import * as closing from '@impl/06-closing/closing-handshake.ts';
import * as assembler from '@impl/07-messages/assembler.ts';
import * as watchdog from '@impl/08-heartbeat/watchdog.ts';
import * as flow from '@impl/09-backpressure/flow-control.ts';
import * as args from '@impl/10-app/arguments.ts';
import * as shutdownModule from '@impl/10-app/shutdown.ts';
import * as maskWords from '@impl/11-performance/mask-words.ts';
import * as utf8Stream from '@impl/11-performance/utf8-stream.ts';
import * as nodeRequest from '@impl/12-http-world/node-request.ts';
import * as policy from '@impl/12-http-world/policy.ts';
import * as messageDeflate from '@impl/13-compression/message-deflate.ts';
import * as negotiate from '@impl/13-compression/negotiate.ts';
import * as clientFrames from '@impl/14-client/client-frames.ts';
import * as clientRequest from '@impl/14-client/client-request.ts';
import * as clientResponse from '@impl/14-client/client-response.ts';
import * as roomBusModule from '@impl/15-scale-out/room-bus.ts';
import * as standIn from './stand-ins.ts';

/** A layer the server runs as a stand-in, because its chapter is still a starter. */
export interface StandInNotice {
  /** The chapter, e.g. `05`. */
  readonly chapter: string;
  /** The starter file whose code replaces the stand-in, e.g. `chapters/05-frames/decode.ts`. */
  readonly file: string;
  /** What to implement, e.g. `decodeFrame: wait for header + payload, …`. */
  readonly task: string;
  /** What the server does until then, in a few words. */
  readonly meanwhile: string;
}

/** Every stand-in taken when this tree was loaded, in chapter order. */
export const standIns: StandInNotice[] = [];

/**
 * One line per starter file the server runs stand-ins for, each under 100 characters, e.g.
 * `Chapter 08 not written yet: no pings and no timeouts (chapters/08-heartbeat/watchdog.ts)`.
 * A file with several stand-ins is named once, with what its first one does.
 */
export function standInNotices(): string[] {
  const byFile = new Map<string, StandInNotice>();
  for (const notice of standIns) if (!byFile.has(notice.file)) byFile.set(notice.file, notice);
  return [...byFile.values()].map((notice) => `Chapter ${notice.chapter} not written yet: ${notice.meanwhile} (${notice.file})`);
}

/**
 * `layer` if `probe(layer)` runs without a NotImplementedError, else the stand-in that
 * `fallback` makes (it gets the TODO's message, to name the chapter to the client).
 */
function choose<T>(layer: T, probe: (layer: T) => unknown, fallback: (notice: string) => T, meanwhile: string): T {
  try {
    probe(layer);
    return layer;
  } catch (error) {
    if (!(error instanceof NotImplementedError)) return layer;
    standIns.push({ chapter: error.chapter, file: error.file, task: error.task, meanwhile });
    return fallback(error.message);
  }
}

/** The bytes of a string, for the probes. */
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

// Chapter 01. Nothing runs without a listener, so it has no stand-in: `listen` throws its TODO.
export const listen = listener.listen;
export type { ConnectionHandler } from '@impl/01-tcp-listener/listener.ts';

// Chapter 02. The probes below read from the queue the server will use: the tree's own once it
// works, the stand-in before (so a parser probe meets its own TODO, not a missing queue method).
export const ByteQueue: typeof queue.ByteQueue = choose(
  queue.ByteQueue,
  (Queue) => {
    const q = new Queue();
    q.push(bytes('ab'));
    return [q.length, q.byteAt(1), q.peek(1), q.consume(1)];
  },
  () => standIn.CountingQueue as unknown as typeof queue.ByteQueue,
  'every request gets 501',
);
/** A queue of the chosen ByteQueue class holding `data`. */
const queueOf = (data: Uint8Array): queue.ByteQueue => {
  const q = new ByteQueue();
  q.push(data);
  return q;
};

export const RequestHeadParser: typeof head.RequestHeadParser = choose(
  head.RequestHeadParser,
  (Parser) => new Parser().parse(queueOf(bytes('GET / HTTP/1.1\r\nHost: probe\r\n\r\n'))),
  (notice) => standIn.refusingHeadParser(notice) as unknown as typeof head.RequestHeadParser,
  'every request gets 501',
);
export const defaultHeadLimits = head.defaultHeadLimits;

// Chapters 03–04 (decideHandshake calls chapter 03's key functions).
const probeHead: head.RequestHead = {
  method: 'GET',
  target: '/',
  version: 'HTTP/1.1',
  headers: new Map([
    ['host', ['probe']],
    ['upgrade', ['websocket']],
    ['connection', ['Upgrade']],
    ['sec-websocket-key', ['dGhlIHNhbXBsZSBub25jZQ==']],
    ['sec-websocket-version', ['13']],
  ]),
};
export const decideHandshake: typeof handshake.decideHandshake = choose(
  handshake.decideHandshake,
  (decide) => decide(probeHead),
  (notice) => () => standIn.notImplemented(notice),
  'every request gets 501',
);
export const acceptResponse: typeof handshake.acceptResponse = choose(
  handshake.acceptResponse,
  (accept) => accept({ kind: 'websocket', path: '/', accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', protocol: null }),
  (notice) => () => standIn.notImplemented(notice),
  'every upgrade gets 501',
);
export const refusalResponse: typeof handshake.refusalResponse = choose(
  handshake.refusalResponse,
  (refuse) => refuse(new HttpError(400, 'probe')),
  () => standIn.plainRefusal,
  'refusals are plain text',
);
/**
 * The answer to a handshake that failed: an HttpError's own refusal (chapter 04), anything else 500
 * with no details, closing the connection either way.
 */
export function refusalFor(error: unknown): handshake.HttpResponse {
  if (error instanceof HttpError) return refusalResponse(error);
  return { status: 500, headers: closingHeaders(), body: 'internal server error\n' };
}
export const formatResponse: typeof handshake.formatResponse = choose(
  handshake.formatResponse,
  (format) => format({ status: 200, headers: {}, body: '' }),
  () => standIn.plainTextResponse,
  'responses are minimal',
);

// Chapter 05.
export const applyMask = mask.applyMask;
/** A masked, empty, final text frame. */
const probeFrame = new Uint8Array([0x81, 0x80, 1, 2, 3, 4]);
export const decodeFrame: typeof decode.decodeFrame = choose(
  decode.decodeFrame,
  (decodeOne) => decodeOne(queueOf(probeFrame.slice()), { unmask: applyMask }),
  (notice) => standIn.undecodable(notice),
  'a first frame closes the socket',
);
export const decodeFrameHeader: typeof decode.decodeFrameHeader = choose(
  decode.decodeFrameHeader,
  (decodeHeader) => decodeHeader(queueOf(probeFrame.slice())),
  (notice) => standIn.undecodable(notice),
  'the demo has no frame log',
);
export const encodeFrame: typeof encode.encodeFrame = choose(
  encode.encodeFrame,
  (encodeOne) => encodeOne(Opcode.Text, bytes('a')),
  () => standIn.unsendable,
  'nothing is sent after the 101',
);

// Chapter 06.
export const parseClosePayload: typeof close.parseClosePayload = choose(
  close.parseClosePayload,
  (parse) => parse(new Uint8Array([0x03, 0xe8])),
  () => standIn.unreadClosePayload,
  'close codes are not read',
);
export const encodeClosePayload: typeof close.encodeClosePayload = choose(
  close.encodeClosePayload,
  (encodePayload) => encodePayload(1000, ''),
  () => standIn.codeOnlyClosePayload,
  'close frames carry a code only',
);
export const replyToClose: typeof closing.replyToClose = choose(
  closing.replyToClose,
  (reply) => reply(ReadyState.OPEN, { code: 1000, reason: '' }),
  () => standIn.noCloseReply,
  'close frames go unanswered',
);
export const closeForError: typeof closing.closeForError = choose(
  closing.closeForError,
  (closeFor) => closeFor(new Error('probe')),
  () => standIn.codeOfError,
  'failures close with no reason',
);

// Chapter 07.
export const MessageAssembler: typeof assembler.MessageAssembler = choose(
  assembler.MessageAssembler,
  (Assembler) => {
    const messages = new Assembler();
    messages.push({ fin: false, rsv1: false, rsv2: false, rsv3: false, opcode: Opcode.Text, masked: true, payload: bytes('a') });
    messages.startFrame(Opcode.Continuation, true, 1);
    messages.pushPayload(bytes('b'));
    messages.endFrame();
    return messages.bufferedLength;
  },
  () => standIn.SingleFrameMessages as unknown as typeof assembler.MessageAssembler,
  'no UTF-8 check, no fragments',
);
export const DEFAULT_MAX_MESSAGE_LENGTH = assembler.DEFAULT_MAX_MESSAGE_LENGTH;
export const DEFAULT_MAX_FRAGMENTS = assembler.DEFAULT_MAX_FRAGMENTS;

// Chapter 08.
export const Watchdog: typeof watchdog.Watchdog = choose(
  watchdog.Watchdog,
  (Dog) => {
    const dog = new Dog(watchdog.DEFAULT_TIMEOUTS, 0);
    dog.activity(1);
    dog.opened(2);
    dog.check(3);
    dog.closing(4);
    dog.deadline();
    dog.stop();
  },
  () => standIn.NoTimeouts as unknown as typeof watchdog.Watchdog,
  'no pings and no timeouts',
);
export const withDefaultTimeouts = watchdog.withDefaultTimeouts;

// Chapter 09.
export const FlowControl: typeof flow.FlowControl = choose(
  flow.FlowControl,
  (Flow) => new Flow(flow.DEFAULT_FLOW_LIMITS).readingAction(),
  () =>
    class NeverPausing extends flow.FlowControl {
      override readingAction(): null {
        return null;
      }
    },
  'reading never pauses',
);
export const slowConsumerAction: typeof flow.slowConsumerAction = choose(
  flow.slowConsumerAction,
  (decide) => decide(0, 1, flow.DEFAULT_FLOW_LIMITS),
  () => standIn.alwaysSend,
  'slow clients are not limited',
);
export const withDefaultFlowLimits = flow.withDefaultFlowLimits;

// Chapter 10.
export const outgoingMessage: typeof args.outgoingMessage = choose(
  args.outgoingMessage,
  (outgoing) => outgoing(ReadyState.OPEN, 'a'),
  () => standIn.sendAnyway,
  'send() checks nothing',
);
export const validateCloseArguments: typeof args.validateCloseArguments = choose(
  args.validateCloseArguments,
  (validate) => validate(1000, ''),
  () => standIn.uncheckedClose,
  'close() checks nothing',
);
export const shutdown: typeof shutdownModule.shutdown = choose(
  shutdownModule.shutdown,
  (stop) => stop([], { timeout: 0 }),
  () => standIn.dropEveryone,
  'shutdown drops everyone (1006)',
);

// Chapter 11: the decoder unmasks a word at a time once it is written, with chapter 05's byte loop
// until then.
export const unmask: (data: Uint8Array, maskingKey: Uint8Array, offset?: number) => void = choose(
  maskWords.applyMaskWords,
  (apply) => apply(new Uint8Array(8), new Uint8Array([1, 2, 3, 4])),
  () => applyMask,
  'unmasking goes byte by byte',
);
/**
 * How the assembler checks text: chapter 11's native runs once they are written, with chapter 07's
 * state machine until then (chapter 11's README has the measured gain).
 */
export const utf8Checks: assembler.Utf8Checks = choose(
  utf8Stream.streamUtf8Checks,
  (checks) => checks.createValidator().push(bytes('\u00e9')),
  () => assembler.defaultUtf8Checks,
  'text is checked byte by byte',
);

// Chapter 12: the handshake on a request node:http parsed (server/wiring/http-upgrade.ts).
export const requestHeadFromNode: typeof nodeRequest.requestHeadFromNode = choose(
  nodeRequest.requestHeadFromNode,
  (build) => build({ method: 'GET', url: '/', httpVersion: '1.1', rawHeaders: ['Host', 'probe'] }),
  (notice) => () => standIn.notImplemented(notice),
  'node:http upgrades get 501',
);
/** A policy with every check on, and a head that passes all of them. */
const probePolicy: policy.HandshakePolicy = { allowedOrigins: ['http://probe'], token: 'probe', redirects: { '/moved': '/' } };
const probePolicyHead: head.RequestHead = {
  ...probeHead,
  headers: new Map([...probeHead.headers, ['origin', ['http://probe']], ['authorization', ['Bearer probe']]]),
};
export const checkHandshake: typeof policy.checkHandshake = choose(
  policy.checkHandshake,
  (check) => check(probePolicyHead, '/', probePolicy),
  (notice) => (_head, _path, rules) => (standIn.isEmptyPolicy(rules) ? Promise.resolve() : standIn.notImplemented(notice)),
  'Origin and token checks get 501',
);

// Chapter 13: permessage-deflate. Until every function of the chapter is written, every offer is
// declined (the server then runs exactly as before the chapter): a compressor is built only for an
// agreement, and an agreement is formatted only once it was made.
export const MessageDeflate: typeof messageDeflate.MessageDeflate = choose(
  messageDeflate.MessageDeflate,
  (Deflate) => {
    const agreed = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: null, clientMaxWindowBits: null };
    const deflate = new Deflate(agreed);
    return [deflate.decompress(deflate.compress(bytes('a')), 1), deflate.windowBytes];
  },
  (notice) => standIn.uncompressed(notice) as unknown as typeof messageDeflate.MessageDeflate,
  'compression is declined',
);
export const parseExtensionOffers: typeof negotiate.parseExtensionOffers = choose(
  negotiate.parseExtensionOffers,
  (parse) => parse(['permessage-deflate; client_max_window_bits']),
  () => standIn.noOffers,
  'compression is declined',
);
export const formatDeflateResponse: typeof negotiate.formatDeflateResponse = choose(
  negotiate.formatDeflateResponse,
  (format) => format({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 10 }),
  () => standIn.noExtensions,
  'compression is declined',
);
const chapter13Written =
  MessageDeflate === messageDeflate.MessageDeflate &&
  parseExtensionOffers === negotiate.parseExtensionOffers &&
  formatDeflateResponse === negotiate.formatDeflateResponse;
export const negotiateDeflate: typeof negotiate.negotiateDeflate = choose(
  chapter13Written ? negotiate.negotiateDeflate : standIn.declineDeflate,
  (agree) => agree([{ name: 'permessage-deflate', params: [] }]),
  () => standIn.declineDeflate,
  'compression is declined',
);

// Chapter 14: the client side (server/wiring/client-connection.ts). Until it is written, the client
// cannot open a connection: each stand-in fails with the TODO's message.
export const HandshakeError = clientResponse.HandshakeError;
export type HandshakeError = clientResponse.HandshakeError;
export const generateKey: typeof clientRequest.generateKey = choose(
  clientRequest.generateKey,
  (generate) => generate(),
  (notice) => () => standIn.clientNeeds(notice),
  'the client cannot connect',
);
export const buildRequest: typeof clientRequest.buildRequest = choose(
  clientRequest.buildRequest,
  (build) => build(new URL('ws://probe/'), 'dGhlIHNhbXBsZSBub25jZQ=='),
  (notice) => () => standIn.clientNeeds(notice),
  'the client cannot connect',
);
export const ResponseHeadParser: typeof clientResponse.ResponseHeadParser = choose(
  clientResponse.ResponseHeadParser,
  (Parser) => new Parser().parse(queueOf(bytes('HTTP/1.1 101 Switching Protocols\r\n\r\n'))),
  (notice) => standIn.refusingResponseParser(notice) as unknown as typeof clientResponse.ResponseHeadParser,
  'the client cannot connect',
);
/** A valid 101 for the RFC's sample key (§1.3), for the probes. */
const probeResponse: clientResponse.ResponseHead = {
  version: 'HTTP/1.1',
  status: 101,
  reason: 'Switching Protocols',
  headers: new Map([
    ['upgrade', ['websocket']],
    ['connection', ['Upgrade']],
    ['sec-websocket-accept', ['s3pPLMBiTxaQ9kYGzzhZRbK+xOo=']],
  ]),
};
export const checkResponse: typeof clientResponse.checkResponse = choose(
  clientResponse.checkResponse,
  (check) => check(probeResponse, { key: 'dGhlIHNhbXBsZSBub25jZQ==' }),
  (notice) => () => standIn.clientNeeds(notice),
  'the client cannot connect',
);
export const redirectTarget: typeof clientResponse.redirectTarget = choose(
  clientResponse.redirectTarget,
  (target) => target(probeResponse, new URL('ws://probe/'), 0),
  (notice) => () => standIn.clientNeeds(notice),
  'the client cannot connect',
);
export const encodeClientFrame: typeof clientFrames.encodeClientFrame = choose(
  clientFrames.encodeClientFrame,
  (encodeOne) => encodeOne(Opcode.Text, bytes('a')),
  (notice) => () => standIn.clientNeeds(notice),
  'the client cannot send',
);
export const checkServerFrame: typeof clientFrames.checkServerFrame = choose(
  clientFrames.checkServerFrame,
  (check) => check({ fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: Opcode.Text, masked: false, payloadLength: 0, maskingKey: null, headerLength: 2 }),
  (notice) => () => standIn.clientNeeds(notice),
  'the client cannot read frames',
);

// Chapter 15: the room across processes (server/demo/redis-room.ts). The functions work together
// (what one process encodes another decodes), so until every one is written the room takes the
// stand-in for all of them.
export const roomBus: standIn.RoomBus = choose<standIn.RoomBus>(
  roomBusModule,
  (bus) => {
    const inbox = new bus.Inbox('probe');
    const envelope = bus.decodeEnvelope(bus.encodeEnvelope({ origin: 'other', seq: 1, text: 'a' }));
    if (envelope !== undefined) inbox.accept(envelope);
    inbox.forget('other');
    return [bus.reconnectDelay(0), bus.presenceKey('chat', 'probe'), bus.presenceTotal(['1', null])];
  },
  () => standIn.uncheckedRoomBus,
  "other processes' messages unchecked",
);
