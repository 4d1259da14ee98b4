import { syslogTcp } from './syslog-tcp.ts';
import { syslogUdp } from './syslog-udp.ts';

/** Every kind of source the agent has, by `type`. */
export const sources = [syslogTcp, syslogUdp] as const;
