import { newRootAccount } from './new-root-account.ts';
import { sshdBruteForce } from './sshd-brute-force.ts';

/** The built-in rules. */
export const builtinRules = [newRootAccount, sshdBruteForce];
