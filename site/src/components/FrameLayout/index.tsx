/**
 * The frame layout of RFC 6455 §5.2, drawn in HTML and CSS: 32 bit columns per row, each field a
 * coloured box spanning its bits, wrapping onto the next row like the RFC's ASCII figure.
 *
 * Without props it draws the RFC's general figure. The frame lab passes `segments` for one concrete
 * frame (with the value of every bit), so the same drawing shows what a real header holds.
 *
 *   <FrameLayout />                                   the §5.2 figure
 *   <FrameLayout highlight={['mask', 'maskingKey']} /> the same, other fields dimmed
 */
import React from 'react';
import clsx from 'clsx';
import { FIELDS, fieldClass, type FieldId, type FrameSegment } from './fields';
import styles from './styles.module.css';

export type { FieldId, FrameSegment } from './fields';
export { FIELDS } from './fields';

const ROW_BITS = 32;

export interface FrameLayoutProps {
  /** The segments to draw, in wire order; defaults to the general §5.2 figure. */
  segments?: FrameSegment[];
  /** Fields to emphasise; the others are dimmed. */
  highlight?: FieldId | FieldId[];
  /** Colour the fields (default true); false draws the plain RFC figure. */
  colored?: boolean;
  /** A caption under the figure. */
  caption?: React.ReactNode;
  className?: string;
}

/** The general §5.2 figure: every field at its largest, optional ones dashed. */
export const RFC_SEGMENTS: FrameSegment[] = [
  { field: 'fin', bits: 1 },
  { field: 'rsv1', bits: 1 },
  { field: 'rsv2', bits: 1 },
  { field: 'rsv3', bits: 1 },
  { field: 'opcode', bits: 4, note: '(4)' },
  { field: 'mask', bits: 1 },
  { field: 'payloadLen', bits: 7, note: '(7)' },
  {
    field: 'extendedLength',
    bits: 16,
    label: 'Extended payload length (16/64)',
    note: 'if payload len == 126/127',
    optional: true,
  },
  {
    field: 'extendedLength',
    bits: 48,
    label: 'Extended payload length continued, if payload len == 127',
    optional: true,
  },
  { field: 'maskingKey', bits: 32, label: 'Masking-key, if MASK set to 1', optional: true },
  { field: 'payload', bits: 48, label: 'Payload Data' },
];

interface Piece {
  segment: FrameSegment;
  /** Width of this piece in bits (a segment crossing a row boundary is split into pieces). */
  bits: number;
  /** Bit offset of this piece inside its segment. */
  start: number;
  /** Whether the segment continues on the next row / started on the previous one. */
  continues: boolean;
  continued: boolean;
}

/** Splits segments into rows of 32 bits. */
function layoutRows(segments: FrameSegment[]): Piece[][] {
  const rows: Piece[][] = [];
  let row: Piece[] = [];
  let used = 0;
  for (const segment of segments) {
    let start = 0;
    while (start < segment.bits) {
      const bits = Math.min(segment.bits - start, ROW_BITS - used);
      row.push({
        segment,
        bits,
        start,
        continued: start > 0,
        continues: start + bits < segment.bits,
      });
      start += bits;
      used += bits;
      if (used === ROW_BITS) {
        rows.push(row);
        row = [];
        used = 0;
      }
    }
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

/** "Masking-key, if MASK set to 1" continues on the next row as "Masking-key (continued)". */
function continuedLabel(label: string): string {
  const name = label.replace(/ \(.*\)$/, '').replace(/, if .*$/, '');
  return name.endsWith('continued') ? name : `${name} (continued)`;
}

function Ruler(): React.ReactElement {
  const columns = Array.from({ length: ROW_BITS }, (_, i) => i);
  return (
    <>
      <div className={styles.ruler} aria-hidden="true">
        {columns.map((i) => (
          <span key={i}>{i % 10 === 0 ? i / 10 : ''}</span>
        ))}
      </div>
      <div className={styles.ruler} aria-hidden="true">
        {columns.map((i) => (
          <span key={i}>{i % 10}</span>
        ))}
      </div>
    </>
  );
}

function PieceBox({ piece, dimmed, emphasised, colored }: {
  piece: Piece;
  dimmed: boolean;
  emphasised: boolean;
  colored: boolean;
}): React.ReactElement {
  const { segment } = piece;
  const info = FIELDS[segment.field];
  const label = segment.label ?? info.label;
  const narrow = piece.bits === 1 && info.stacked !== undefined && !piece.continued;
  const bitValues = segment.bitValues?.slice(piece.start, piece.start + piece.bits);
  return (
    <div
      className={clsx(
        styles.piece,
        colored && fieldClass(segment.field),
        segment.optional && styles.optional,
        piece.continues && styles.continues,
        piece.continued && styles.continued,
        dimmed && styles.dimmed,
        emphasised && styles.emphasised,
      )}
      style={{ gridColumn: `span ${piece.bits}` }}
      title={`${info.label}: ${info.meaning}`}
      data-field={segment.field}
    >
      {narrow ? (
        <span className={styles.stacked}>
          {info.stacked!.map((letter, i) => (
            <span key={i}>{letter}</span>
          ))}
        </span>
      ) : (
        <span className={styles.label}>
          {piece.continued ? continuedLabel(label) : label}
        </span>
      )}
      {!piece.continued && segment.note !== undefined && !narrow && (
        <span className={styles.note}>{segment.note}</span>
      )}
      {bitValues !== undefined && bitValues.length > 0 && (
        <span className={styles.bits} style={{ gridTemplateColumns: `repeat(${piece.bits}, 1fr)` }}>
          {[...bitValues].map((bit, i) => (
            <span key={i}>{bit}</span>
          ))}
        </span>
      )}
    </div>
  );
}

export default function FrameLayout({
  segments = RFC_SEGMENTS,
  highlight,
  colored = true,
  caption,
  className,
}: FrameLayoutProps): React.ReactElement {
  const highlighted = new Set<FieldId>(highlight === undefined ? [] : [highlight].flat());
  const rows = layoutRows(segments);
  return (
    <figure className={clsx(styles.figure, className)} data-testid="frame-layout">
      <div className={styles.scroller}>
        <div className={styles.grid} role="group" aria-label="WebSocket frame layout, RFC 6455 section 5.2">
          <Ruler />
          {rows.map((row, r) => (
            <div className={styles.row} key={r}>
              {row.map((piece, p) => (
                <PieceBox
                  key={p}
                  piece={piece}
                  colored={colored}
                  dimmed={highlighted.size > 0 && !highlighted.has(piece.segment.field)}
                  emphasised={highlighted.has(piece.segment.field)}
                />
              ))}
            </div>
          ))}
        </div>
      </div>
      {caption !== undefined && <figcaption className={styles.caption}>{caption}</figcaption>}
    </figure>
  );
}
