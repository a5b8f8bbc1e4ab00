/**
 * The fields of a WebSocket frame header (RFC 6455 §5.2), with the colour each one wears on the site.
 *
 * The §5.2 diagram (FrameLayout) and the frame lab's byte view share these names and colours, so a
 * byte in the lab has the colour of the field it belongs to in the diagram.
 */

export type FieldId =
  | 'fin'
  | 'rsv1'
  | 'rsv2'
  | 'rsv3'
  | 'opcode'
  | 'mask'
  | 'payloadLen'
  | 'extendedLength'
  | 'maskingKey'
  | 'payload';

export interface FieldInfo {
  /** The name the RFC's diagram uses. */
  label: string;
  /** The label stacked one line per entry, for fields one bit wide (as the RFC draws them). */
  stacked?: string[];
  /** One sentence on what the field means. */
  meaning: string;
}

export const FIELDS: Readonly<Record<FieldId, FieldInfo>> = {
  fin: {
    label: 'FIN',
    stacked: ['F', 'I', 'N'],
    meaning: '1 on the final fragment of a message (§5.4).',
  },
  rsv1: {
    label: 'RSV1',
    stacked: ['R', 'S', 'V', '1'],
    meaning: 'Reserved: 0 unless an extension gives it a meaning (permessage-deflate uses it).',
  },
  rsv2: { label: 'RSV2', stacked: ['R', 'S', 'V', '2'], meaning: 'Reserved: must be 0.' },
  rsv3: { label: 'RSV3', stacked: ['R', 'S', 'V', '3'], meaning: 'Reserved: must be 0.' },
  opcode: {
    label: 'opcode',
    meaning: '0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong; the rest are reserved.',
  },
  mask: {
    label: 'MASK',
    stacked: ['M', 'A', 'S', 'K'],
    meaning: '1 when a masking key follows: every client frame is masked (§5.1).',
  },
  payloadLen: {
    label: 'Payload len',
    meaning: '0–125 is the length; 126 means a 16-bit length follows, 127 a 64-bit one.',
  },
  extendedLength: {
    label: 'Extended payload length',
    meaning: 'The real length when payload len is 126 (16 bits) or 127 (64 bits), big-endian.',
  },
  maskingKey: {
    label: 'Masking-key',
    meaning: '4 bytes; payload byte i is XORed with key byte i mod 4 (§5.3).',
  },
  payload: {
    label: 'Payload Data',
    meaning: 'The application data (masked on the wire when MASK is 1).',
  },
};

/** A run of bits belonging to one field, as the §5.2 figure draws it. */
export interface FrameSegment {
  field: FieldId;
  /** Width in bits. */
  bits: number;
  /** Text in the box; defaults to the field's RFC name. */
  label?: string;
  /** A second, smaller line (the RFC's "(4)", "(16/64)", or a decoded value). */
  note?: string;
  /** The value of each bit ('0'/'1'), drawn one per column; for narrow fields of a concrete frame. */
  bitValues?: string;
  /** Drawn with a dashed border: present only in some frames. */
  optional?: boolean;
}

/** The CSS class that gives a field its colour (defined in FrameLayout/styles.module.css's globals). */
export function fieldClass(field: FieldId): string {
  return `wsf-field wsf-field--${field}`;
}

/** The CSS custom property holding a field's background colour. */
export function fieldColorVar(field: FieldId): string {
  return `var(--wsf-${field})`;
}
