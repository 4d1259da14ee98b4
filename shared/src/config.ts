/**
 * Configuration files: YAML 1.2, validated by a zod schema before anything
 * opens a socket or a file. Every error names the file, the line and the
 * field, and unknown keys are errors (schemas use z.strictObject).
 */
import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { PicketError } from './errors.ts';
import { parseDuration, parseSize } from './time.ts';

/** A duration such as "30s" or "5m", as milliseconds. Give defaults with `.prefault("30s")` so they are parsed too. */
export const duration = z
  .string()
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration: use e.g. 500ms, 30s, 5m, 1h` });
    return ms ?? 0;
  });

/** A size such as "64KiB" or "1 GiB" (or a plain number of bytes), as bytes. */
export const size = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  const bytes = typeof value === 'number' ? value : parseSize(value);
  if (bytes === undefined) ctx.addIssue({ code: 'custom', message: `"${value}" is not a size: use e.g. 65536, 64KiB, 1GiB` });
  return bytes ?? 0;
});

/** "host:port" with a numeric port; IPv6 hosts in brackets. */
export const address = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:5514');

export interface HostPort {
  host: string;
  port: number;
}

export function splitAddress(text: string): HostPort {
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(text.slice(colon + 1)) };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Reads and validates a YAML configuration file. With no file, validates an
 * empty document, so every default applies.
 */
export function loadConfig<S extends z.ZodType>(schema: S, file: string | undefined): z.output<S> {
  if (file === undefined) return parseConfig(schema, '', '<defaults>');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PicketError('CONFIG_UNREADABLE', { file, detail: (err as NodeJS.ErrnoException).code ?? String(err) });
  }
  return parseConfig(schema, text, file);
}

/** Validates configuration text; errors point at `file:line:column` and the field path. */
export function parseConfig<S extends z.ZodType>(schema: S, text: string, file: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new PicketError('CONFIG_INVALID', { file: `${file}:${line}:${col}`, detail: error.message.split('\n')[0] });
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;

  const lineOf = (node: unknown) => (isNode(node) && node.range ? `${file}:${lineCounter.linePos(node.range[0]).line}` : file);
  const [first, ...rest] = result.error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      // Point at each unknown key itself.
      const parent = path.length > 0 ? doc.getIn(path, true) : doc.contents;
      const pairs = isMap(parent) ? parent.items : [];
      return issue.keys.map((key) => ({
        where: lineOf(pairs.find((pair) => isScalar(pair.key) && pair.key.value === key)?.key ?? parent),
        text: `${[...path, key].join('.')}: unknown key`,
      }));
    }
    // A missing key has no node of its own: point at its parent.
    const node = doc.getIn(path, true) ?? (path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents);
    return [{ where: lineOf(node), text: `${path.join('.') || '(top level)'}: ${issue.message}` }];
  });
  // One line per problem, each with its own place.
  throw new PicketError('CONFIG_INVALID', {
    file: first!.where,
    detail: [first!.text, ...rest.map((r) => `${r.where}: ${r.text}`)].join('\n'),
  });
}
