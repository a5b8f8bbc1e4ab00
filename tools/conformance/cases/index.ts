/** Every case of the suite, in family order. */
import type { Case } from '../case.ts';
import { abuseCases } from './abuse.ts';
import { closeCases } from './close.ts';
import { compressionCases } from './compression.ts';
import { fragmentationCases } from './fragmentation.ts';
import { framingCases } from './framing.ts';
import { handshakeCases } from './handshake.ts';
import { limitCases } from './limits.ts';
import { opcodeCases } from './opcodes.ts';
import { pingPongCases } from './ping-pong.ts';
import { reservedBitCases } from './reserved-bits.ts';
import { utf8Cases } from './utf8.ts';

export const allCases: readonly Case[] = [
  ...framingCases,
  ...pingPongCases,
  ...reservedBitCases,
  ...opcodeCases,
  ...fragmentationCases,
  ...utf8Cases,
  ...closeCases,
  ...limitCases,
  ...handshakeCases,
  ...abuseCases,
  ...compressionCases,
];

/**
 * The cases matching `--case` selectors (an exact id, or a prefix: `7.3` selects 7.3.1, 7.3.2 …) and
 * the `--chapter` filter. No selector keeps everything.
 */
export function selectCases(cases: readonly Case[], selectors: string[] = [], chapter?: number): Case[] {
  return cases.filter(
    (item) =>
      (selectors.length === 0 || selectors.some((id) => item.id === id || item.id.startsWith(`${id}.`))) &&
      (chapter === undefined || item.chapter === chapter),
  );
}
