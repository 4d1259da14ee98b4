/**
 * host.kernel_modules: loaded kernel modules from `<root>/proc/modules`,
 * keyed by name. The reference count and load address are left out: they
 * change by themselves and would make every run a change.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineGenerator, generatorSchema, rootOption } from './define-generator.ts';

export interface KernelModule {
  name: string;
  /** Bytes of memory the module takes. */
  size: number;
  /** Modules that depend on this one, sorted; the kernel also lists "[permanent]" for modules that cannot be unloaded. */
  used_by: string[];
  /** Live, Loading or Unloading. */
  state: string;
  /** Taint flags, e.g. "OE" for an out-of-tree, unsigned module; omitted when untainted. */
  taint?: string;
}

export const hostKernelModules = defineGenerator({
  name: 'host.kernel_modules',
  schema: generatorSchema('host.kernel_modules', { interval: '5m' }, {
    root: rootOption,
  }),
  key: (module: KernelModule) => module.name,
  async collect(config, { signal }) {
    const path = join(config.root, 'proc/modules');
    try {
      return parseProcModules(await readFile(path, { encoding: 'utf8', signal }));
    } catch (err) {
      const { code, name, message } = err as NodeJS.ErrnoException;
      // A kernel built without module support has no /proc/modules, and no modules.
      if (code === 'ENOENT') return [];
      if (name === 'AbortError') throw err;
      throw new Error(`cannot read ${path}: ${code ?? message}`, { cause: err });
    }
  },
});

/**
 * Parses /proc/modules lines: "name size refcount used_by state address [(taint)]",
 * where used_by is "-" or a comma-terminated list ("nf_nat,xt_nat,").
 * Malformed lines are skipped.
 */
export function parseProcModules(text: string): KernelModule[] {
  const modules: KernelModule[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || fields.length > 7) continue;
    const [name, size, , usedBy, state, , taint] = fields as [string, string, string, string, string, string, string | undefined];
    if (!/^\d+$/.test(size)) continue;
    const module: KernelModule = {
      name,
      size: Number(size),
      used_by: usedBy === '-' ? [] : usedBy.split(',').filter((user) => user !== '').sort(),
      state,
    };
    const flags = taint?.replace(/^\((.*)\)$/, '$1');
    if (flags) module.taint = flags;
    modules.push(module);
  }
  return modules;
}
