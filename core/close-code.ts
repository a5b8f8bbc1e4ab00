/**
 * Close status codes, named as RFC 6455 §7.4.1 describes them.
 *
 * 1005, 1006 and 1015 are reserved: they name what an endpoint observed and are never sent in a close
 * frame (§7.4.1). Which codes may appear on the wire is chapter 06's `isValidCloseCode`.
 */
export const CloseCode = {
  /** 1000: the purpose of the connection is fulfilled. */
  Normal: 1000,
  /** 1001: the endpoint is going away (server shutting down, page navigated away). */
  GoingAway: 1001,
  /** 1002: the peer broke the protocol. */
  ProtocolError: 1002,
  /** 1003: a data type the endpoint cannot accept. */
  UnsupportedData: 1003,
  /** 1005: reserved; no status code was present in the close frame. */
  NoStatusReceived: 1005,
  /** 1006: reserved; the connection closed without a close frame. */
  Abnormal: 1006,
  /** 1007: data not consistent with the message type (invalid UTF-8 in a text message). */
  InvalidPayload: 1007,
  /** 1008: a message that violates the endpoint's policy. */
  PolicyViolation: 1008,
  /** 1009: a message too big to process. */
  MessageTooBig: 1009,
  /** 1010: the client expected an extension the server did not negotiate. */
  MandatoryExtension: 1010,
  /** 1011: the server met an unexpected condition. */
  InternalError: 1011,
  /** 1012: the service is restarting (IANA registry, not RFC 6455). */
  ServiceRestart: 1012,
  /** 1013: try again later (IANA registry). */
  TryAgainLater: 1013,
  /** 1014: a gateway got an invalid answer from upstream (IANA registry). */
  BadGateway: 1014,
  /** 1015: reserved; the TLS handshake failed. */
  TlsHandshake: 1015,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
