/**
 * Syslog over TCP: one record per message, framing detected per connection
 * (see syslog-framing.ts). When the outbox's memory bound is reached, sockets
 * pause, so senders are slowed by TCP instead of data piling up here.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { z } from 'zod';
import { encodePeerField, encodeSourceField, Format, listenFailed, splitAddress } from '@picket/shared';
import { whenDrained } from '../outbox.ts';
import { defineSource, newSourceStats, type RunningSource, type SourceContext } from '../units.ts';
import { SyslogFramer } from './syslog-framing.ts';
import { syslogSourceFields } from './syslog-options.ts';

const schema = z.strictObject({
  type: z.literal('syslog-tcp'),
  ...syslogSourceFields,
});

export type SyslogTcpConfig = z.output<typeof schema>;

export const syslogTcp = defineSource({
  type: 'syslog-tcp',
  schema,
  create: (config, ctx) => new SyslogTcpSource(config, ctx),
});

class SyslogTcpSource implements RunningSource {
  readonly stats = newSourceStats();
  readonly #config: SyslogTcpConfig;
  readonly #ctx: SourceContext;
  readonly #sourceField: Buffer;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  endpoint = '';

  constructor(config: SyslogTcpConfig, ctx: SourceContext) {
    this.#config = config;
    this.#ctx = ctx;
    this.#sourceField = encodeSourceField(config.name);
  }

  async start(): Promise<void> {
    const { host, port } = splitAddress(this.#config.listen);
    const server = createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(listenFailed(`tcp://${this.#config.listen}`, err)));
      server.listen({ host, port }, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    server.on('error', (err) => this.#ctx.logger.error({ err, source: this.#config.name }, 'syslog-tcp listener error'));
    const bound = server.address();
    this.endpoint = typeof bound === 'object' && bound ? `tcp://${host}:${bound.port}` : this.#config.listen;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of this.#sockets) socket.end();
    // Give senders a moment to finish; then cut what is left.
    const timer = setTimeout(() => this.#sockets.forEach((socket) => socket.destroy()), 2000);
    await closed;
    clearTimeout(timer);
  }

  #accept(socket: Socket): void {
    const { outbox, logger } = this.#ctx;
    const stats = this.stats;
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const peerField = encodePeerField(peer);
    const sourceField = this.#sourceField;
    let reportedTruncation = false;
    let reportedFraming = false;
    const framer = new SyslogFramer(
      this.#config.max_message_size,
      (buf, start, end, truncated) => {
        outbox.appendRaw(sourceField, Format.SYSLOG, buf, start, end, peerField, truncated);
        stats.received++;
        if (truncated) {
          stats.truncated++;
          if (!reportedTruncation) logger.warn({ code: 'SYSLOG_TRUNCATED', peer, limit: this.#config.max_message_size }, 'syslog message truncated');
          reportedTruncation = true;
        }
      },
      (detail) => {
        stats.errors++;
        if (!reportedFraming) logger.warn({ code: 'SYSLOG_BAD_FRAME', peer, detail }, 'bad syslog frame');
        reportedFraming = true;
      },
    );
    this.#sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      if (outbox.full && !socket.isPaused()) {
        socket.pause();
        void whenDrained(outbox).then(() => socket.resume());
      }
    });
    socket.on('end', () => framer.end());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') logger.warn({ err, peer }, 'syslog-tcp connection error');
    });
    socket.on('close', () => this.#sockets.delete(socket));
  }
}
