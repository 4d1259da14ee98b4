/**
 * Syslog over UDP: one record per datagram (a trailing LF or NUL is
 * dropped). UDP cannot be paused: while the outbox's memory bound is reached,
 * datagrams are dropped and counted.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { z } from 'zod';
import { encodePeerField, encodeSourceField, Format, listenFailed, size, splitAddress } from '@picket/shared';
import { defineSource, newSourceStats, type RunningSource, type SourceContext } from '../units.ts';
import { syslogSourceFields } from './syslog-options.ts';

const schema = z.strictObject({
  type: z.literal('syslog-udp'),
  ...syslogSourceFields,
  receive_buffer_size: size.optional().describe("The socket's kernel receive buffer (SO_RCVBUF); the OS default when unset."),
});

export type SyslogUdpConfig = z.output<typeof schema>;

export const syslogUdp = defineSource({
  type: 'syslog-udp',
  schema,
  create: (config, ctx) => new SyslogUdpSource(config, ctx),
});

class SyslogUdpSource implements RunningSource {
  readonly stats = newSourceStats();
  readonly #config: SyslogUdpConfig;
  readonly #ctx: SourceContext;
  readonly #sourceField: Buffer;
  #socket: Socket | undefined;
  #lastPeer = '';
  #lastPeerField: Buffer = Buffer.alloc(0);
  endpoint = '';

  constructor(config: SyslogUdpConfig, ctx: SourceContext) {
    this.#config = config;
    this.#ctx = ctx;
    this.#sourceField = encodeSourceField(config.name);
  }

  async start(): Promise<void> {
    const { host, port } = splitAddress(this.#config.listen);
    const socket = createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
      ...(this.#config.receive_buffer_size ? { recvBufferSize: this.#config.receive_buffer_size } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err) => reject(listenFailed(`udp://${this.#config.listen}`, err)));
      socket.bind({ address: host, port }, () => {
        socket.removeAllListeners('error');
        resolve();
      });
    });
    socket.on('error', (err) => this.#ctx.logger.error({ err, source: this.#config.name }, 'syslog-udp socket error'));
    socket.on('message', (msg, rinfo) => this.#receive(msg, `${rinfo.address}:${rinfo.port}`));
    this.endpoint = `udp://${host}:${socket.address().port}`;
    this.#socket = socket;
  }

  async stop(): Promise<void> {
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = undefined;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  #receive(msg: Buffer, peer: string): void {
    const { outbox } = this.#ctx;
    if (outbox.full) {
      this.stats.dropped++;
      return;
    }
    let end = msg.length;
    while (end > 0 && (msg[end - 1] === 0x0a || msg[end - 1] === 0x00 || msg[end - 1] === 0x0d)) end--;
    if (end === 0) return;
    const truncated = end > this.#config.max_message_size;
    if (truncated) {
      end = this.#config.max_message_size;
      this.stats.truncated++;
    }
    if (peer !== this.#lastPeer) {
      this.#lastPeer = peer;
      this.#lastPeerField = encodePeerField(peer);
    }
    outbox.appendRaw(this.#sourceField, Format.SYSLOG, msg, 0, end, this.#lastPeerField, truncated);
    this.stats.received++;
  }
}
