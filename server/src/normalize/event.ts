/**
 * NormalizedEvent: the one shape every record takes on the server, with
 * Elastic Common Schema (ECS) field names. The source's own parsed fields
 * stay beside the ECS ones (`log.syslog.*` for syslog, `delta.*` for
 * generator deltas), so rules written for either can match.
 */
export interface NormalizedEvent {
  '@timestamp': string;
  message?: string;
  event: {
    /** Source namespace: "syslog", "host.users", … */
    dataset: string;
    kind: 'event' | 'state';
    action?: string;
    type?: string[];
    category?: string[];
    /** When the agent observed it (ISO 8601). */
    created: string;
    /** The bytes as received, for raw events. */
    original?: string;
  };
  agent: { id: string };
  host?: { hostname?: string };
  source?: { address?: string; ip?: string; port?: number };
  user?: { name?: string; id?: string; full_name?: string; group?: { id?: string } };
  process?: { name?: string; pid?: number };
  log?: {
    /** Who sent the log line (the syslog peer), as opposed to `source`, the origin of the activity. */
    source?: { address: string };
    syslog?: {
      priority: number;
      facility: { code: number };
      severity: { code: number };
      version?: number;
      hostname?: string;
      appname?: string;
      procid?: string;
      msgid?: string;
      structured_data?: Record<string, Record<string, string>>;
    };
  };
  /** Generator deltas: what changed, as the agent's differ saw it. */
  delta?: {
    generator: string;
    run_id: string;
    baseline: boolean;
    /** A full snapshot sent to repair the server's copy, not a change. */
    resync?: boolean;
    key: string;
    changed_paths?: string[];
    old?: unknown;
    new?: unknown;
  };
  labels?: Record<string, string>;
  tags?: string[];
  picket: {
    seq: number;
    /** The agent cut the message at its size limit. */
    truncated?: boolean;
  };
}
