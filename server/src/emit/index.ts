import { stdoutEmitter } from './stdout.ts';

/** Every kind of emitter the server has, by `type`. */
export const emitters = [stdoutEmitter] as const;
