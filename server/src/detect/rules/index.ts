import { sshdBruteForce } from './sshd-brute-force.ts';

/** The built-in rules. (Changes of host state are watched by analyzers: ../analyzers.) */
export const builtinRules = [sshdBruteForce];
