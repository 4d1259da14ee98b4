/**
 * Bundles the agent into the one CommonJS script that an SEA main must be
 * (Node 24 has no ESM main for single executables); the generator worker is
 * bundled the same way, to run as an eval'd worker script.
 *
 * The CLI ends in a top-level await, which esbuild cannot emit as CommonJS.
 * So the bundle is built as ESM with no import statement left (built-ins go
 * through require(), see plugins.ts), and its body is run inside an async
 * function: for a single module without imports or exports, that is what
 * evaluating it as ESM does. Compiling the result as a script proves that
 * nothing module-only (import, export, import.meta) slipped through.
 */
import { writeFile } from 'node:fs/promises';
import { Script } from 'node:vm';
import { build } from 'esbuild';
import { builtinsViaRequire, nativeAddons, replaceModule, type NativeAddon } from './plugins.ts';

export interface BundleOptions {
  /** Paths in the bundle's comments are relative to it, wherever the build runs from. */
  root: string;
  entry: string;
  outfile: string;
  addons: NativeAddon[];
  /** Module that exports loadAddon(asset), used in place of node-gyp-build. */
  addonLoader: string;
  /** Modules (absolute paths) bundled in place of others. */
  replacements?: Record<string, string>;
}

export async function bundle(options: BundleOptions): Promise<{ bytes: number; warnings: string[] }> {
  const result = await build({
    absWorkingDir: options.root,
    entryPoints: [options.entry],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    write: false,
    outfile: options.outfile,
    plugins: [
      builtinsViaRequire,
      nativeAddons(options.addons, options.addonLoader),
      ...Object.entries(options.replacements ?? {}).map(([original, replacement]) => replaceModule(original, replacement)),
    ],
    logLevel: 'silent', // errors are thrown, warnings returned to the caller
  });
  const body = result.outputFiles[0]!.text.replace(/^#!.*\n/, '');
  // Unhandled rejection of the async function: Node prints it and exits 1, as for a module.
  const script = `'use strict';\n(async () => {\n${body}\n})();\n`;
  try {
    new Script(script, { filename: options.outfile });
  } catch (err) {
    throw new Error(`the bundle is not a valid CommonJS script: ${(err as Error).message}`, { cause: err });
  }
  await writeFile(options.outfile, script);
  return { bytes: Buffer.byteLength(script), warnings: result.warnings.map((w) => `${w.location?.file ?? ''}: ${w.text}`) };
}
