/**
 * Which generator a configured entry runs: a built-in by its type, or one
 * made by a custom type (`command`, `module`) from the entry itself. Worker
 * threads look generators up here for each run, so a job carries only its
 * config, never a function.
 */
import type { GeneratorConfig, RunnableGenerator } from './define-generator.ts';
import { customGeneratorTypes, generators } from './index.ts';

/** A configured generator: its dataset name and its entry. */
export interface ConfiguredGenerator {
  name: string;
  config: GeneratorConfig;
}

export async function generatorFor(config: GeneratorConfig): Promise<RunnableGenerator> {
  const custom = customGeneratorTypes.find((t) => t.type === config.type);
  if (custom) return custom.generatorFor(config as never);
  const builtIn = generators.find((g) => g.name === config.type);
  if (!builtIn) throw new Error(`no generator of type "${config.type}"`);
  return builtIn;
}

/**
 * The configured generators with their names. Module generators are loaded
 * here, on the agent's thread, so that a missing file or a bad export fails
 * start-up instead of every run; their names are known only then, so names
 * are checked for duplicates here too (config.ts checks the names it sees).
 */
export async function resolveGenerators(configs: readonly GeneratorConfig[]): Promise<ConfiguredGenerator[]> {
  const resolved: ConfiguredGenerator[] = [];
  for (const config of configs) {
    const { name } = await generatorFor(config);
    if (name !== config.type && generators.some((g) => g.name === name)) {
      throw new Error(`a ${config.type} generator is named "${name}", the name of a built-in generator; give it another name`);
    }
    const taken = resolved.find((other) => other.name === name);
    if (taken) throw new Error(`two generators are named "${name}" (types ${taken.config.type} and ${config.type}); give one a different name`);
    resolved.push({ name, config });
  }
  return resolved;
}
