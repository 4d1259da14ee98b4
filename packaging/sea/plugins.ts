/** esbuild plugins for the single executable's bundle (see bundle.ts). */
import { isBuiltin } from 'node:module';
import { basename, dirname, resolve, sep } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * Imports of built-in modules become require() calls, so the ESM bundle keeps
 * no import statement and its body can run inside a CommonJS script (see
 * bundle.ts). require() of built-ins is what an SEA main script may use.
 */
export const builtinsViaRequire: Plugin = {
  name: 'builtins-via-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_][a-z0-9_/]*$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      // require() is left to the runtime, including the one in the stand-in below
      if (args.kind === 'require-call') return { path: args.path, external: true };
      return { path: args.path, namespace: 'builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

export interface NativeAddon {
  /** Directory of the package that loads the addon through node-gyp-build. */
  packageDir: string;
  /** The addon's key among the executable's assets. */
  asset: string;
}

/**
 * node-gyp-build, as required by a package listed in `addons`, becomes a
 * stand-in that loads the addon from the executable's assets via `loader`
 * (addon.ts). Any other user of node-gyp-build fails the build, as it would
 * fail at run time: its addon is not in the executable.
 */
export function nativeAddons(addons: NativeAddon[], loader: string): Plugin {
  return {
    name: 'native-addons',
    setup(build) {
      build.onResolve({ filter: /^node-gyp-build$/ }, (args) => {
        const addon = addons.find((a) => args.importer.startsWith(a.packageDir + sep));
        if (addon) return { path: addon.asset, namespace: 'sea-addon' };
        return { errors: [{ text: `${args.importer} loads a native addon that the executable does not carry; add it to the addons in packaging/sea/build.ts` }] };
      });
      build.onLoad({ filter: /.*/, namespace: 'sea-addon' }, (args) => ({
        // like node-gyp-build(dir): a function that returns the addon's exports
        contents: `module.exports = () => require(${JSON.stringify(loader)}).loadAddon(${JSON.stringify(args.path)});`,
        loader: 'js',
        resolveDir: dirname(loader), // modules outside the file namespace resolve nothing without one
      }));
    },
  };
}

/**
 * Imports of the module at `original` (an absolute path) get the one at
 * `replacement` instead: how the executable swaps in its own way of doing
 * what needs files on disk (see worker-script.ts).
 */
export function replaceModule(original: string, replacement: string): Plugin {
  const name = basename(original).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    name: `replace-${basename(original)}`,
    setup(build) {
      build.onResolve({ filter: new RegExp(`/${name}$`) }, (args) => {
        return resolve(args.resolveDir, args.path) === original ? { path: replacement } : undefined;
      });
    },
  };
}
