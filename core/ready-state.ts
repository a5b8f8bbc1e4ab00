/**
 * The four states of a connection, named and numbered as in RFC 6455 §4.1 and §7 and in the
 * browser's WebSocket (`readyState`):
 *
 * ```
 * CONNECTING --101 sent--> OPEN --close sent or received--> CLOSING --TCP closed--> CLOSED
 * ```
 */
export const ReadyState = {
  CONNECTING: 0,
  OPEN: 1,
  CLOSING: 2,
  CLOSED: 3,
} as const;

export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];
