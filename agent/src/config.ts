/**
 * The agent's configuration file (YAML). Every field has a default: with no
 * file the agent listens for syslog on 127.0.0.1:5514 (TCP and UDP), watches
 * local accounts, and ships to a server on 127.0.0.1:50051.
 */
import { z } from 'zod';
import { address, duration, size } from '@picket/shared';
import { customGeneratorTypes, generators } from './generators/index.ts';
import { sources } from './sources/index.ts';

assertUniqueNames('source type', sources.map((s) => s.type));
assertUniqueNames('generator', [...generators.map((g) => g.name), ...customGeneratorTypes.map((t) => t.type)]);

const sourceConfig = z.discriminatedUnion('type', sources.map((s) => s.schema) as unknown as [z.ZodObject, ...z.ZodObject[]]);
const generatorConfig = z.discriminatedUnion('type', [...generators, ...customGeneratorTypes].map((g) => g.schema) as unknown as [z.ZodObject, ...z.ZodObject[]]);
const builtInNames = new Set<string>(generators.map((g) => g.name));

export const agentConfigSchema = z.strictObject({
  home: z.string().optional().describe('State directory. Default: $PICKET_HOME/agent, or ./.picket/agent.'),
  server: z
    .strictObject({
      address: address.default('127.0.0.1:50051').describe("The server's gRPC address."),
    })
    .prefault({}),
  outbox: z
    .strictObject({
      flush_interval: duration.prefault('20ms').describe('Collect records this long before writing them to disk as one chunk.'),
      max_pending: size.prefault('8MiB').describe('Records in memory waiting for disk above which TCP sources pause and UDP drops.'),
      sync: z.boolean().default(false).describe('fsync each chunk (survives power loss; a process crash is survived either way).'),
    })
    .prefault({}),
  shipper: z
    .strictObject({
      max_batch: size.prefault('1MiB').describe('Approximate size of one batch sent to the server.'),
      max_in_flight: z.number().int().min(1).max(64).default(4).describe('Batches sent and not yet acknowledged.'),
      backoff_min: duration.prefault('200ms').describe('First reconnection delay; it doubles up to backoff_max.'),
      backoff_max: duration.prefault('30s').describe('Longest reconnection delay.'),
    })
    .prefault({}),
  status_interval: duration.prefault('60s').describe('How often the agent reports its own status.'),
  sources: z.array(sourceConfig).prefault([{ type: 'syslog-tcp' }, { type: 'syslog-udp' }]).describe('Listeners and readers of event streams.'),
  generators: z
    .array(generatorConfig)
    .prefault(generators.map((g) => ({ type: g.name })))
    .superRefine((list, ctx) => {
      // A built-in runs once, named by its type; custom entries (command,
      // module) are named by their `name`. A module may take its name from
      // its file, which only start-up can read (definitions.ts checks it).
      const seen = new Set<string>();
      list.forEach((g, index) => {
        const builtIn = builtInNames.has(g.type as string);
        const name = builtIn ? (g.type as string) : ((g as { name?: string }).name);
        if (name === undefined) return;
        if (!builtIn && builtInNames.has(name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `"${name}" is the name of a built-in generator` });
        else if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [index, builtIn ? 'type' : 'name'], message: builtIn ? `generator "${name}" is configured twice` : `generator name "${name}" is used twice` });
        seen.add(name);
      });
    })
    .describe('State snapshots taken on a schedule and diffed.'),
});

export type AgentConfig = z.output<typeof agentConfigSchema>;

function assertUniqueNames(kind: string, names: readonly string[]): void {
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new Error(`two units register the ${kind} "${duplicate}"`);
}
