/**
 * permessage-deflate from the client's side (RFC 7692): chapter 13's layers with the roles turned
 * around.
 *
 * The client offers `permessage-deflate` with no parameters, so the server decides: it may ask
 * for no context takeover on either side and may cap its own window. Its answer is what both use
 * (§5), and the client checks it first (§5, §7.1): a parameter it does not know, one given twice,
 * a window outside 8–15, or `client_max_window_bits` when the offer did not carry it (§7.1.2.2)
 * fails the connection.
 *
 * Chapter 13's MessageDeflate was written for the server: it compresses under the server_*
 * parameters and keeps the peer's window unless client_no_context_takeover. For a client the
 * parameters swap places, so the client gives it the agreement mirrored, and every other piece
 * (RSV1 on the first frame only, inflating within the message limit, the UTF-8 check after it) is
 * deflate.ts's, shared with the server. Only the frame differs on the way out: it is masked.
 */
import type { DeflateOptions, DeflateParameters } from '@impl/13-compression/negotiate.ts';
import type { Compression } from './deflate.ts';
import * as layers from './layers.ts';

/** The client's own choices: how much to compress. The parameters are the server's to pick. */
export type ClientDeflateOptions = Pick<DeflateOptions, 'threshold' | 'level' | 'memLevel'>;

/** The offer (RFC 7692 §5, §7): the extension's name alone. */
export const DEFLATE_OFFER = 'permessage-deflate';

const WINDOW_BITS = /^(?:[89]|1[0-5])$/;

/** The compression the server's accepted extensions agree to, or null when it declined the offer. */
export function acceptDeflate(accepted: readonly string[], options: ClientDeflateOptions = {}): Compression | null {
  const answers = layers.parseExtensionOffers(accepted).filter((extension) => extension.name === DEFLATE_OFFER);
  if (answers.length === 0) return null;
  if (answers.length > 1) throw new layers.HandshakeError('the server accepted permessage-deflate twice, offered once (RFC 7692 §5)', 101);
  const agreed = readAgreement(answers[0]!.params);
  // The server's parameters, seen from the client: our compressor follows client_*, its follows server_*.
  const mirrored: DeflateParameters = {
    serverNoContextTakeover: agreed.clientNoContextTakeover,
    clientNoContextTakeover: agreed.serverNoContextTakeover,
    serverMaxWindowBits: agreed.clientMaxWindowBits,
    clientMaxWindowBits: agreed.serverMaxWindowBits,
  };
  return { header: accepted.join(', '), deflate: new layers.MessageDeflate(mirrored, options), compressedOpcode: null };
}

/** The parameters of the server's answer, checked (RFC 7692 §7.1). */
function readAgreement(params: ReadonlyArray<readonly [string, string | null]>): DeflateParameters {
  const seen = new Set<string>();
  let agreed: DeflateParameters = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: null, clientMaxWindowBits: null };
  for (const [name, value] of params) {
    if (seen.has(name)) refuse(`the parameter ${name} comes twice`);
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== null) refuse(`${name} takes no value, not "${value}"`);
        agreed = name === 'server_no_context_takeover' ? { ...agreed, serverNoContextTakeover: true } : { ...agreed, clientNoContextTakeover: true };
        break;
      case 'server_max_window_bits':
        if (value === null || !WINDOW_BITS.test(value)) refuse(`server_max_window_bits is 8 to 15, not ${String(value)}`);
        agreed = { ...agreed, serverMaxWindowBits: Number(value) };
        break;
      case 'client_max_window_bits':
        refuse('client_max_window_bits was not offered, RFC 7692 §7.1.2.2');
        break;
      default:
        refuse(`unknown parameter ${name}`);
    }
  }
  return agreed;
}

function refuse(why: string): never {
  throw new layers.HandshakeError(`the server's permessage-deflate answer is invalid: ${why} (RFC 7692 §7.1)`, 101);
}

/** An outgoing message's frame: compressed with RSV1 from the threshold on (§6.1), masked as always. */
export function encodeClientMessage(compression: Compression, opcode: number, payload: Uint8Array): Uint8Array[] {
  if (payload.length < compression.deflate.threshold) return layers.encodeClientFrame(opcode, payload);
  return layers.encodeClientFrame(opcode, compression.deflate.compress(payload), { rsv1: true });
}
