/**
 * The error catalogue: every failure Picket reports has a code here, with a
 * message template and whether retrying can help. The same codes appear in
 * logs, metrics labels, API responses and quarantine reasons.
 */
export const errorCatalogue = {
  CONFIG_INVALID: { retryable: false, template: '{file}: {detail}' },
  CONFIG_UNREADABLE: { retryable: false, template: 'cannot read configuration {file}: {detail}' },
  LISTEN_FAILED: { retryable: false, template: 'cannot listen on {address}: {detail}' },
  SYSLOG_TRUNCATED: { retryable: false, template: 'syslog message from {peer} longer than {limit} bytes was truncated' },
  SYSLOG_BAD_FRAME: { retryable: false, template: 'bad octet-counting frame from {peer}: {detail}' },
  GENERATOR_FAILED: { retryable: true, template: 'generator {name} failed: {detail}' },
  STORE_FAILED: { retryable: true, template: 'storage failed: {detail}' },
  SERVER_UNAVAILABLE: { retryable: true, template: 'server {address} unavailable: {detail}' },
  SERVER_REJECTED: { retryable: false, template: 'server rejected batch: {detail}' },
  AGENT_ID_MISMATCH: { retryable: false, template: 'batch for agent {got} on a stream opened for agent {expected}' },
  AGENT_ID_MISSING: { retryable: false, template: 'stream opened without the picket-agent-id header' },
  BATCH_DECODE_FAILED: { retryable: false, template: 'batch could not be decoded: {detail}' },
  RECORD_EMPTY: { retryable: false, template: 'record {seq} has no body' },
  RECORD_DECODE_FAILED: { retryable: false, template: 'record {seq} could not be decoded: {detail}' },
  FORMAT_UNSUPPORTED: { retryable: false, template: 'format {format} is not one this server parses' },
  PARSE_FAILED: { retryable: false, template: '{format} parse failed: {detail}' },
  RULE_FAILED: { retryable: false, template: 'rule {rule} threw: {detail}' },
  EMIT_FAILED: { retryable: true, template: 'emitter {emitter} failed: {detail}' },
} as const satisfies Record<string, { retryable: boolean; template: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export class PicketError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly fields: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, fields: Record<string, unknown> = {}, options?: ErrorOptions) {
    const { template, retryable } = errorCatalogue[code];
    super(template.replace(/\{(\w+)\}/g, (_, name: string) => String(fields[name] ?? `{${name}}`)), options);
    this.name = 'PicketError';
    this.code = code;
    this.retryable = retryable;
    this.fields = fields;
  }
}

/** The error for a listener that cannot bind, with the usual fix for the usual causes. */
export function listenFailed(address: string, err: unknown): PicketError {
  const code = (err as NodeJS.ErrnoException).code;
  const detail =
    code === 'EADDRINUSE' ? 'the port is in use by another program; stop it or choose another port in the configuration'
    : code === 'EACCES' ? 'permission denied; ports below 1024 need root or CAP_NET_BIND_SERVICE'
    : code === 'EADDRNOTAVAIL' ? 'no interface of this host has that address'
    : describeError(err);
  return new PicketError('LISTEN_FAILED', { address, detail }, { cause: err });
}

/** A short description of any thrown value, for logs and quarantine reasons. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
