import { defineEmitter, emitterSchema } from './define-emitter.ts';

/** Writes each new alert as one JSON line on standard output. */
export const stdoutEmitter = defineEmitter({
  type: 'stdout',
  schema: emitterSchema('stdout', {}),
  create: (_config, { stdout }) => ({
    async emit(alert) {
      stdout.write(`${JSON.stringify({ type: 'alert', ...alert, sample: JSON.parse(alert.sample) })}\n`);
    },
    async stop() {},
  }),
});
