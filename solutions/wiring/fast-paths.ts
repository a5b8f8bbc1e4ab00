/**
 * Faster versions of a layer, taken when their chapter is written. Unlike a stand-in, nothing is
 * missing without them, so the choice is silent.
 */
import { applyMask } from '../05-frames/mask.ts';
import { applyMaskWords } from '../11-performance/mask-words.ts';
import { NotImplementedError } from './errors.ts';

/** Unmasking a word at a time (chapter 11) once it is written, chapter 05's byte loop until then. */
export const unmask = chooseUnmask();

function chooseUnmask(): (data: Uint8Array, maskingKey: Uint8Array) => void {
  try {
    applyMaskWords(new Uint8Array(8), new Uint8Array(4));
    return applyMaskWords;
  } catch (error) {
    if (error instanceof NotImplementedError) return applyMask;
    throw error;
  }
}
