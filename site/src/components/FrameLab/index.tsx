/**
 * The frame lab: build a frame and see its bytes, or paste bytes and see how a server reads them.
 * Both directions run the reference encoder and decoder (see ./model.ts); every byte wears the
 * colour of its field in the §5.2 figure.
 */
import React, { useEffect, useId, useMemo, useRef, useState } from 'react';
import clsx from 'clsx';
import FrameLayout from '../FrameLayout';
import { FIELDS, fieldColorVar, fieldClass, type FieldId } from '../FrameLayout/fields';
import {
  Opcode,
  encodeInput,
  formatHex,
  opcodeName,
  parseHex,
  randomMaskingKey,
  readAsServer,
  type AnnotatedByte,
  type DecodedFrame,
  type EncodeInput,
  type Reading,
} from './model';
import styles from './styles.module.css';

const RFC_MASKING_KEY = '37 fa 21 3d';

/** Byte strings worth trying, most from RFC 6455 §5.7. */
const EXAMPLES: { label: string; hex: string }[] = [
  { label: 'masked "Hello" (§5.7)', hex: '81 85 37 fa 21 3d 7f 9f 4d 51 58' },
  { label: 'unmasked "Hello" (§5.7)', hex: '81 05 48 65 6c 6c 6f' },
  { label: 'masked ping', hex: '89 85 37 fa 21 3d 7f 9f 4d 51 58' },
  { label: 'close 1000', hex: '88 82 37 fa 21 3d 34 12' },
  { label: 'two fragments', hex: '01 83 37 fa 21 3d 7f 9f 4d 80 82 37 fa 21 3d 5b 95' },
  { label: '256 bytes, header only', hex: '82 fe 01 00 37 fa 21 3d' },
  { label: 'RSV1 set', hex: 'c1 85 37 fa 21 3d 7f 9f 4d 51 58' },
  { label: 'reserved opcode', hex: '83 80 37 fa 21 3d' },
  { label: 'fragmented ping', hex: '09 80 37 fa 21 3d' },
];

const OPCODE_CHOICES = [
  Opcode.Text,
  Opcode.Binary,
  Opcode.Continuation,
  Opcode.Close,
  Opcode.Ping,
  Opcode.Pong,
];

const LEGEND: FieldId[] = ['fin', 'rsv1', 'opcode', 'mask', 'payloadLen', 'extendedLength', 'maskingKey', 'payload'];

/** The background of a byte: one colour, or a split when its bits belong to several fields. */
function byteBackground(byte: AnnotatedByte): string | undefined {
  if (byte.parts.length === 0) return undefined;
  if (byte.parts.length === 1) return fieldColorVar(byte.parts[0]!.field);
  let at = 0;
  const stops = byte.parts.map((part) => {
    const from = (at / 8) * 100;
    at += part.bits;
    const to = (at / 8) * 100;
    return `${fieldColorVar(part.field)} ${from}% ${to}%`;
  });
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

function byteTitle(byte: AnnotatedByte, index: number): string {
  const bits = byte.value.toString(2).padStart(8, '0');
  const fields = byte.parts.map((part) => FIELDS[part.field].label).join(' + ');
  return `byte ${index}: 0x${byte.value.toString(16).padStart(2, '0')} = ${bits}${fields ? ` (${fields})` : ''}`;
}

/** Bytes as hex, each coloured like its field. Its text is the plain hex, `81 05 48 …`. */
function HexBytes({ bytes, testId }: { bytes: AnnotatedByte[]; testId: string }): React.ReactElement {
  return (
    <div className={styles.hex} data-testid={testId}>
      {bytes.map((byte, i) => (
        <React.Fragment key={i}>
          {i > 0 && ' '}
          <span
            className={clsx(styles.byte, byte.parts.length > 0 && styles.byteInField)}
            style={{ background: byteBackground(byte) }}
            title={byteTitle(byte, i)}
          >
            {byte.value.toString(16).padStart(2, '0')}
          </span>
        </React.Fragment>
      ))}
    </div>
  );
}

function Legend(): React.ReactElement {
  return (
    <ul className={styles.legend} aria-label="Field colours">
      {LEGEND.map((field) => (
        <li key={field}>
          <span className={clsx(styles.swatch, fieldClass(field))} />
          {field === 'rsv1' ? 'RSV1–3' : FIELDS[field].label}
        </li>
      ))}
    </ul>
  );
}

function FieldRow({ field, label, wire, meaning }: {
  field: FieldId;
  label?: string;
  wire: string;
  meaning: string;
}): React.ReactElement {
  return (
    <tr>
      <td>
        <span className={clsx(styles.swatch, fieldClass(field))} />
        {label ?? FIELDS[field].label}
      </td>
      <td className={styles.mono}>{wire}</td>
      <td>{meaning}</td>
    </tr>
  );
}

/** The fields of one decoded frame, one per row. */
function FieldTable({ frame }: { frame: DecodedFrame }): React.ReactElement {
  const { header, payload, wirePayload } = frame;
  const rows: React.ReactElement[] = [
    <FieldRow key="fin" field="fin" wire={header.fin ? '1' : '0'} meaning={header.fin ? 'final fragment of the message' : 'more fragments follow'} />,
    <FieldRow
      key="rsv"
      field="rsv1"
      label="RSV1 RSV2 RSV3"
      wire={[header.rsv1, header.rsv2, header.rsv3].map((b) => (b ? '1' : '0')).join(' ')}
      meaning="reserved: 0 unless an extension gave them a meaning"
    />,
    <FieldRow key="opcode" field="opcode" wire={`0x${header.opcode.toString(16)}`} meaning={opcodeName(header.opcode)} />,
    <FieldRow key="mask" field="mask" wire={header.masked ? '1' : '0'} meaning={header.masked ? 'a masking key follows' : 'no masking key'} />,
  ];
  const keyLength = header.maskingKey === null ? 0 : 4;
  const extendedBytes = header.headerLength - 2 - keyLength;
  rows.push(
    <FieldRow
      key="len"
      field="payloadLen"
      wire={extendedBytes === 0 ? String(header.payloadLength) : extendedBytes === 2 ? '126' : '127'}
      meaning={extendedBytes === 0 ? 'the payload length' : `the length is in the next ${extendedBytes * 8} bits`}
    />,
  );
  if (extendedBytes > 0) {
    rows.push(
      <FieldRow key="ext" field="extendedLength" wire={String(header.payloadLength)} meaning={`${extendedBytes * 8}-bit payload length`} />,
    );
  }
  if (header.maskingKey !== null) {
    rows.push(<FieldRow key="key" field="maskingKey" wire={formatHex(header.maskingKey)} meaning="XORed over the payload" />);
  }
  if (wirePayload !== null && wirePayload.length > 0) {
    rows.push(
      <FieldRow
        key="payload"
        field="payload"
        wire={formatHex(wirePayload.subarray(0, 16)) + (wirePayload.length > 16 ? ' …' : '')}
        meaning={
          header.masked && payload !== null
            ? `unmasked: ${formatHex(payload.subarray(0, 16))}${payload.length > 16 ? ' …' : ''}`
            : 'as sent'
        }
      />,
    );
  }
  return (
    <table className={styles.fields}>
      <thead>
        <tr>
          <th>Field</th>
          <th>On the wire</th>
          <th>Meaning</th>
        </tr>
      </thead>
      <tbody>{rows}</tbody>
    </table>
  );
}

/** How a server reads some bytes: each frame's fields, then the error or what it waits for. */
function ReadingView({ reading, showFigure }: { reading: Reading; showFigure: boolean }): React.ReactElement {
  return (
    <div className={styles.reading}>
      {reading.frames.map((frame, i) => (
        <section key={i} className={styles.frame} data-testid="decoded-frame">
          <h4>
            Frame {i + 1}
            {reading.frames.length > 1 && <small> (from byte {frame.offset})</small>}
          </h4>
          <p className={styles.description} data-testid="frame-description">
            {frame.description}
          </p>
          {showFigure && <FrameLayout segments={frame.segments} />}
          <FieldTable frame={frame} />
        </section>
      ))}
      {reading.error !== null && (
        <div className={clsx('alert alert--danger', styles.verdict)} role="alert" data-testid="frame-error">
          <strong>Not a valid client frame:</strong> {reading.error.message}. A server fails the connection with
          close code <strong>{reading.error.code}</strong> ({reading.error.codeName}), RFC 6455 §7.1.7.
          {reading.unread > 0 && ` The ${reading.unread} bytes after it are never read.`}
        </div>
      )}
      {reading.error === null && reading.incomplete !== null && (
        <div className={clsx('alert alert--info', styles.verdict)} data-testid="frame-incomplete">
          <strong>Incomplete:</strong> {reading.incomplete}.
        </div>
      )}
      {reading.error === null && reading.incomplete === null && reading.frames.length > 0 && (
        <div className={clsx('alert alert--success', styles.verdict)} data-testid="frame-ok">
          {reading.frames.length === 1 ? 'A valid client frame.' : `${reading.frames.length} valid client frames.`}
        </div>
      )}
    </div>
  );
}

/** Runs a computation that may throw (bad input, or a decoder not written yet) into a result. */
function attempt<T>(run: () => T): { value: T } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function Encoder({ onRead }: { onRead: (hex: string) => void }): React.ReactElement {
  const id = useId();
  const [input, setInput] = useState<EncodeInput>({
    opcode: Opcode.Text,
    fin: true,
    rsv1: false,
    masked: true,
    maskingKey: RFC_MASKING_KEY,
    payloadMode: 'text',
    payload: 'Hello',
    closeCode: '1000',
    closeReason: '',
  });
  const set = <K extends keyof EncodeInput>(key: K, value: EncodeInput[K]): void =>
    setInput((previous) => ({ ...previous, [key]: value }));

  const result = useMemo(() => attempt(() => encodeInput(input)), [input]);
  const reading = useMemo(() => ('value' in result ? readAsServer(result.value, { allowRsv1: input.rsv1 }) : null), [result, input.rsv1]);
  const isClose = input.opcode === Opcode.Close;

  return (
    <div className={styles.panel} data-testid="encoder">
      <div className={styles.controls}>
        <label htmlFor={`${id}-opcode`}>
          Opcode
          <select
            id={`${id}-opcode`}
            data-testid="opcode"
            value={input.opcode}
            onChange={(event) => set('opcode', Number(event.target.value))}
          >
            {OPCODE_CHOICES.map((opcode) => (
              <option key={opcode} value={opcode}>
                {opcodeName(opcode)} (0x{opcode.toString(16)})
              </option>
            ))}
          </select>
        </label>
        <label className={styles.check}>
          <input type="checkbox" data-testid="fin" checked={input.fin} onChange={(event) => set('fin', event.target.checked)} />
          FIN
        </label>
        <label className={styles.check}>
          <input type="checkbox" data-testid="rsv1" checked={input.rsv1} onChange={(event) => set('rsv1', event.target.checked)} />
          RSV1
        </label>
        <label className={styles.check}>
          <input type="checkbox" data-testid="mask" checked={input.masked} onChange={(event) => set('masked', event.target.checked)} />
          Mask
        </label>
        <label htmlFor={`${id}-key`}>
          Masking key
          <span className={styles.keyRow}>
            <input
              id={`${id}-key`}
              data-testid="masking-key"
              className={styles.mono}
              value={input.maskingKey}
              disabled={!input.masked}
              spellCheck={false}
              size={12}
              onChange={(event) => set('maskingKey', event.target.value)}
            />
            <button
              type="button"
              className="button button--sm button--secondary"
              disabled={!input.masked}
              onClick={() => set('maskingKey', randomMaskingKey())}
            >
              Random
            </button>
          </span>
        </label>
      </div>

      {isClose ? (
        <div className={styles.controls}>
          <label htmlFor={`${id}-code`}>
            Status code
            <input
              id={`${id}-code`}
              data-testid="close-code"
              value={input.closeCode}
              size={6}
              onChange={(event) => set('closeCode', event.target.value)}
            />
          </label>
          <label htmlFor={`${id}-reason`} className={styles.grow}>
            Reason
            <input
              id={`${id}-reason`}
              data-testid="close-reason"
              value={input.closeReason}
              onChange={(event) => set('closeReason', event.target.value)}
            />
          </label>
        </div>
      ) : (
        <div className={styles.payloadInput}>
          <div className={styles.controls}>
            <span>Payload as</span>
            <label className={styles.check}>
              <input type="radio" name={`${id}-mode`} checked={input.payloadMode === 'text'} onChange={() => set('payloadMode', 'text')} />
              text (UTF-8)
            </label>
            <label className={styles.check}>
              <input type="radio" name={`${id}-mode`} checked={input.payloadMode === 'hex'} onChange={() => set('payloadMode', 'hex')} />
              hex bytes
            </label>
          </div>
          <textarea
            aria-label="Payload"
            data-testid="payload"
            className={clsx(input.payloadMode === 'hex' && styles.mono)}
            rows={3}
            value={input.payload}
            spellCheck={false}
            onChange={(event) => set('payload', event.target.value)}
          />
        </div>
      )}

      {'error' in result ? (
        <div className="alert alert--warning" data-testid="encode-error">
          {result.error}
        </div>
      ) : (
        <>
          <h4>The frame on the wire ({result.value.length} bytes)</h4>
          <HexBytes bytes={reading?.bytes ?? []} testId="encoded-hex" />
          <p>
            <button type="button" className="button button--sm button--primary" onClick={() => onRead(formatHex(result.value))}>
              Read these bytes as a server ↓
            </button>
          </p>
          {reading !== null && <ReadingView reading={reading} showFigure={true} />}
        </>
      )}
    </div>
  );
}

function Decoder({ hex, setHex, inputRef }: {
  hex: string;
  setHex: (hex: string) => void;
  inputRef: React.RefObject<HTMLTextAreaElement | null>;
}): React.ReactElement {
  const [allowRsv1, setAllowRsv1] = useState(false);
  const parsed = useMemo(() => attempt(() => parseHex(hex)), [hex]);
  const reading = useMemo(
    () => ('value' in parsed ? attempt(() => readAsServer(parsed.value, { allowRsv1 })) : null),
    [parsed, allowRsv1],
  );

  return (
    <div className={styles.panel} data-testid="decoder">
      <textarea
        ref={inputRef}
        aria-label="Bytes to read, in hex"
        data-testid="decode-input"
        className={styles.mono}
        rows={3}
        value={hex}
        spellCheck={false}
        placeholder="81 85 37 fa 21 3d 7f 9f 4d 51 58"
        onChange={(event) => setHex(event.target.value)}
      />
      <div className={styles.examples}>
        <span>Try:</span>
        {EXAMPLES.map((example) => (
          <button key={example.label} type="button" className="button button--sm button--outline button--secondary" onClick={() => setHex(example.hex)}>
            {example.label}
          </button>
        ))}
      </div>
      <label className={styles.check}>
        <input type="checkbox" data-testid="allow-rsv1" checked={allowRsv1} onChange={(event) => setAllowRsv1(event.target.checked)} />
        permessage-deflate negotiated (RSV1 allowed)
      </label>

      {'error' in parsed && (
        <div className="alert alert--warning" data-testid="hex-error">
          Not hex: {parsed.error}
        </div>
      )}
      {reading !== null && 'error' in reading && (
        <div className="alert alert--warning" data-testid="decode-failure">
          The decoder failed: {reading.error}
        </div>
      )}
      {reading !== null && 'value' in reading && reading.value.bytes.length > 0 && (
        <>
          <HexBytes bytes={reading.value.bytes} testId="decoded-hex" />
          <ReadingView reading={reading.value} showFigure={true} />
        </>
      )}
    </div>
  );
}

export default function FrameLab(): React.ReactElement {
  const [hex, setHex] = useState(EXAMPLES[0]!.hex);
  const decoderRef = useRef<HTMLTextAreaElement | null>(null);
  // Marks the lab interactive once React has hydrated it (the page is prerendered without handlers).
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const readBytes = (bytes: string): void => {
    setHex(bytes);
    decoderRef.current?.scrollIntoView({ behavior: 'smooth', block: 'center' });
  };
  return (
    <div className={styles.lab} data-testid="frame-lab" data-hydrated={hydrated ? 'true' : 'false'}>
      <Legend />
      <h2 id="build">Build a frame</h2>
      <p>
        Choose the opcode and the flags, type a message, and see the bytes a client sends. A client masks
        every frame (RFC 6455 §5.1); the default key is the one of the RFC's examples in §5.7.
      </p>
      <Encoder onRead={readBytes} />
      <h2 id="read">Read bytes as a server</h2>
      <p>
        Paste bytes in hex (<code>81 05 48 65 6c 6c 6f</code>, <code>0x81,0x05</code> or <code>810548</code>)
        and see them decoded field by field, frame after frame, and whether a server accepts them from a
        client, and if not, the close code it fails the connection with.
      </p>
      <Decoder hex={hex} setHex={setHex} inputRef={decoderRef} />
    </div>
  );
}
