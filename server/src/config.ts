/**
 * The server's configuration file (YAML). With no file it listens on
 * loopback only (gRPC 127.0.0.1:50051, HTTP 127.0.0.1:8080), keeps state in
 * ./.picket/server, and prints alerts on stdout.
 */
import { z } from 'zod';
import { address, isLoopback, size, splitAddress } from '@picket/shared';
import { emitters } from './emit/index.ts';
import { isValidTimeZone } from './normalize/syslog.ts';

// Until agents authenticate with client certificates and the API with
// tokens, listening beyond loopback would expose unauthenticated endpoints.
const loopbackAddress = address.refine((text) => isLoopback(splitAddress(text).host), {
  message: 'only loopback addresses (127.0.0.1, ::1, localhost) are allowed: this version has no authentication; put an authenticating proxy in front to serve other hosts',
});

const emitterConfig = z.discriminatedUnion('type', emitters.map((e) => e.schema) as unknown as [z.ZodObject, ...z.ZodObject[]]);

export const serverConfigSchema = z.strictObject({
  home: z.string().optional().describe('State directory. Default: $PICKET_HOME/server, or ./.picket/server.'),
  listen: z
    .strictObject({
      grpc: loopbackAddress.default('127.0.0.1:50051').describe('Where agents connect (gRPC).'),
      http: loopbackAddress.default('127.0.0.1:8080').describe('Health, metrics and the API (HTTP).'),
    })
    .prefault({}),
  intake: z
    .strictObject({
      max_message_size: size.prefault('64MiB').describe('Largest batch an agent may send.'),
    })
    .prefault({}),
  syslog: z
    .strictObject({
      time_zone: z
        .string()
        .default('UTC')
        .refine(isValidTimeZone, { message: 'not a time zone: use "UTC" or an IANA name such as "Europe/Berlin"' })
        .describe('Zone of RFC 3164 timestamps, which carry none.'),
    })
    .prefault({}),
  emitters: z.array(emitterConfig).prefault([{ type: 'stdout' }]).describe('Where alerts go.'),
});

export type ServerConfig = z.output<typeof serverConfigSchema>;

